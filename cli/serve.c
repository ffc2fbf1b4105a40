/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jpki serve: the card for sandboxes, containers and other machines, through
 * p11-kit's own RPC.  `p11-kit server` exports the module on a Unix socket;
 * a consumer loads p11-kit-client.so with P11_KIT_SERVER_ADDRESS set.  No
 * PIN passes here: the client's C_Login goes to the module as it is. */
#define _GNU_SOURCE /* asprintf */
#include "jpki-cli.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long `p11-kit server` may take to make its socket. */
#define SOCKET_WAIT_MS 10000

/* The signals jpki serve acts on, handled by sigtimedwait, never by a
 * handler: stopping the server and seeing it end. */
static void
serve_signals (sigset_t *set)
{
	sigemptyset (set);
	sigaddset (set, SIGTERM);
	sigaddset (set, SIGINT);
	sigaddset (set, SIGHUP);
	sigaddset (set, SIGCHLD);
}

/* The module to export: as installed, or from $JPKI_MODULE_DIR (a build
 * tree).  Browsers get the authentication-only module: one PIN prompt. */
static char *
module_path (bool auth_only)
{
	const char *dir = getenv ("JPKI_MODULE_DIR");
	const char *name = auth_only ? "jpki-pkcs11-auth.so" : "jpki-pkcs11.so";
	char *path = NULL, *real;

	if (dir == NULL || dir[0] == '\0')
		dir = JPKI_MODULE_DIR;
	if (asprintf (&path, "%s/%s", dir, name) < 0)
		return NULL;
	/* Absolute: p11-kit takes a relative one as inside its module dir. */
	real = realpath (path, NULL);
	if (real != NULL && access (real, R_OK) != 0) {
		free (real);
		real = NULL;
	}
	if (real == NULL)
		fprintf (stderr, _("jpki: cannot read the module %s: %s\n"), path, strerror (errno));
	free (path);
	return real;
}

/* $XDG_RUNTIME_DIR/jpki/pkcs11, its folder made private to the user; for
 * the browsers' module a folder of its own, jpki-auth, so that a sandbox
 * given that folder never reaches the two-token server. */
static char *
default_socket (bool auth_only)
{
	const char *run = getenv ("XDG_RUNTIME_DIR");
	char *dir = NULL, *path = NULL;

	if (run == NULL || run[0] != '/') {
		fprintf (stderr, "%s\n", _("jpki: XDG_RUNTIME_DIR is not set; give --socket PATH"));
		return NULL;
	}
	if (asprintf (&dir, "%s/%s", run, auth_only ? "jpki-auth" : "jpki") < 0)
		return NULL;
	if (mkdir (dir, 0700) != 0 && errno != EEXIST) {
		fprintf (stderr, _("jpki: cannot make %s: %s\n"), dir, strerror (errno));
		free (dir);
		return NULL;
	}
	if (asprintf (&path, "%s/pkcs11", dir) < 0)
		path = NULL;
	free (dir);
	return path;
}

/* true when something answers on PATH already: another server is there,
 * and `p11-kit server` would take its socket away. */
static bool
socket_answers (const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool answers;

	if (fd < 0)
		return false;
	memcpy (sa.sun_path, path, strlen (path) + 1);
	answers = connect (fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close (fd);
	return answers;
}

/* Waits until the server's socket is there, then makes it 0600.  false
 * when the server ended or jpki serve was told to stop (*stop). */
static bool
socket_ready (const char *path, int *stop)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct stat st;
	sigset_t set;

	serve_signals (&set);
	for (int waited = 0; waited < SOCKET_WAIT_MS; waited += 10) {
		int sig = sigtimedwait (&set, NULL, &tick);

		if (sig == SIGCHLD)
			return false;
		if (sig > 0) {
			*stop = sig;
			return false;
		}
		if (stat (path, &st) == 0 && S_ISSOCK (st.st_mode))
			return chmod (path, 0600) == 0;
	}
	return false;
}

/* The address as p11-kit-client.so reads it: the path percent-encoded
 * where it is more than letters, digits and -._~/ (RFC 3986). */
static void
print_address (const char *path)
{
	printf ("P11_KIT_SERVER_ADDRESS=unix:path=");
	for (const unsigned char *p = (const unsigned char *)path; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr ("-._~/", *p) != NULL)
			putchar (*p);
		else
			printf ("%%%02X", *p);
	}
	putchar ('\n');
	fflush (stdout);
}

/* The server in a process group of its own, so that stopping it also stops
 * the p11-kit-remote process it forks for each connection. */
static pid_t
start_server (const char *module, const char *path, const sigset_t *old_mask)
{
	struct passwd *pw = getpwuid (getuid ());
	pid_t pid;
	int null;

	if (pw == NULL) {
		fprintf (stderr, "%s\n", _("jpki: who am I? (no passwd entry)"));
		return -1;
	}
	pid = fork ();
	if (pid != 0)
		return pid;
	setpgid (0, 0);
	sigprocmask (SIG_SETMASK, old_mask, NULL);
	prctl (PR_SET_PDEATHSIG, SIGTERM); /* jpki serve killed: the server goes too */
	/* Its shell snippet would name its own pid: the address is ours to print. */
	null = open ("/dev/null", O_WRONLY);
	if (null < 0 || dup2 (null, STDOUT_FILENO) < 0)
		_exit (127);
	/* Only this user may connect (p11-kit checks the peer's uid).  The
	 * module by its path, not --provider MODULE pkcs11:, so that each
	 * connection's p11-kit-remote serves the module as it is, with no
	 * token filter (whose reads of each token cost 12 APDUs a connection). */
	execlp ("p11-kit", "p11-kit", "server", "--foreground", "--user", pw->pw_name, "--name", path,
	        module, (char *)NULL);
	fprintf (stderr, _("jpki: cannot run p11-kit: %s\n"), strerror (errno));
	_exit (127);
}

/* Until the server ends: a stop signal stops its whole process group. */
static int
wait_server (pid_t server, int stop)
{
	int sig = stop, wstatus;
	sigset_t set;

	serve_signals (&set);
	for (;;) {
		if (sig > 0 && sig != SIGCHLD) {
			stop = sig;
			kill (-server, SIGTERM);
		}
		if (waitpid (server, &wstatus, WNOHANG) == server)
			break;
		sig = sigwaitinfo (&set, NULL);
	}
	if (stop != 0) {
		kill (-server, SIGTERM); /* what is left: the connections' p11-kit-remote */
		return EXIT_FINE;
	}
	fprintf (stderr, "%s\n", _("jpki: p11-kit server stopped"));
	return EXIT_ERROR;
}

int
command_serve (const struct options *o)
{
	char *module = module_path (o->auth_only);
	char *path = o->socket != NULL ? strdup (o->socket) : default_socket (o->auth_only);
	int status = EXIT_ERROR, stop = 0;
	sigset_t set, old_mask;
	struct stat st;
	pid_t server;

	if (module == NULL || path == NULL)
		goto out;
	if (path[0] != '/' || strlen (path) >= sizeof ((struct sockaddr_un){ 0 }.sun_path)) {
		fprintf (stderr, _("jpki: the socket needs an absolute path shorter than %zu bytes: %s\n"),
		         sizeof ((struct sockaddr_un){ 0 }.sun_path), path);
		goto out;
	}
	if (socket_answers (path)) {
		fprintf (stderr, _("jpki: a server already answers on %s\n"), path);
		goto out;
	}
	/* A socket left by a server that ended would be taken at once for the
	 * new server's, before it listens. */
	if (lstat (path, &st) == 0 && S_ISSOCK (st.st_mode))
		unlink (path);
	serve_signals (&set);
	sigprocmask (SIG_BLOCK, &set, &old_mask);
	server = start_server (module, path, &old_mask);
	if (server < 0)
		goto out;
	setpgid (server, server); /* also here: no signal may reach it before */
	if (!socket_ready (path, &stop) && stop == 0) {
		fprintf (stderr, _("jpki: p11-kit server did not make %s\n"), path);
		kill (-server, SIGTERM);
		waitpid (server, NULL, 0);
		goto out;
	}
	if (stop == 0) {
		print_address (path);
		fprintf (stderr, _("jpki: serving %s on %s; stop with Ctrl-C\n"), module, path);
	}
	status = wait_server (server, stop);
out:
	free (module);
	free (path);
	return status;
}
