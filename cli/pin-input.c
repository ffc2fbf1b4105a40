/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PINs from the terminal, not echoed, or lines of standard input for
 * scripts.  Never from the command line, where ps and the shell's history
 * would show them. */
#include "jpki-cli.h"

#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

static struct termios saved;
static int tty_fd = -1;

/* Ctrl-C while the echo is off must not leave the terminal mute. */
static void
restore_and_leave (int sig)
{
	if (tty_fd >= 0)
		tcsetattr (tty_fd, TCSAFLUSH, &saved);
	signal (sig, SIG_DFL);
	raise (sig);
}

/* One line without its newline; false at end of input or when the line
 * does not fit (the rest is read and dropped). */
static bool
read_line (FILE *f, char *buf, size_t cap)
{
	size_t len;
	int c;

	if (fgets (buf, (int) cap, f) == NULL)
		return false;
	len = strlen (buf);
	if (len > 0 && buf[len - 1] == '\n') {
		buf[len - 1] = '\0';
		return true;
	}
	while ((c = fgetc (f)) != EOF && c != '\n')
		;
	OPENSSL_cleanse (buf, cap);
	return feof (f) && len < cap - 1;
}

bool
read_pin (const struct options *o, const char *prompt, char *buf, size_t cap)
{
	struct termios quiet;
	FILE *tty;
	bool ok;

	if (o->use_stdin)
		return read_line (stdin, buf, cap);
	tty = fopen ("/dev/tty", "r+e");
	if (tty == NULL) {
		fprintf (stderr, "%s\n", _("jpki: no terminal to read the PIN from (use --stdin)"));
		return false;
	}
	tty_fd = fileno (tty);
	fputs (prompt, tty);
	fflush (tty);
	ok = tcgetattr (tty_fd, &saved) == 0;
	if (ok) {
		quiet = saved;
		quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
		signal (SIGINT, restore_and_leave);
		signal (SIGTERM, restore_and_leave);
		ok = tcsetattr (tty_fd, TCSAFLUSH, &quiet) == 0;
	}
	if (ok)
		ok = read_line (tty, buf, cap);
	tcsetattr (tty_fd, TCSAFLUSH, &saved);
	signal (SIGINT, SIG_DFL);
	signal (SIGTERM, SIG_DFL);
	fputs ("\n", tty);
	fclose (tty);
	tty_fd = -1;
	return ok;
}
