/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jpki: the card holder's command.  jpki(1) says what each command does. */
#include "jpki-cli.h"

#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static void
usage (FILE *to)
{
	fprintf (to, "%s", _("Usage:\n"
	                     "  jpki status [--json] [--sign [--personal]] [--reader NAME]\n"
	                     "  jpki pin change auth|sign [--stdin] [--final-try] [--reader NAME]\n"
	                     "  jpki cert export auth|auth-ca|sign|sign-ca [--der] [-o FILE] [--reader NAME]\n"
	                     "  jpki serve [--socket PATH] [--auth-only]\n"
	                     "Exit status: 0 all fine, 1 needs your attention, 2 error.\n"));
}

static bool
parse_options (int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{ "reader", required_argument, NULL, 'r' }, { "json", no_argument, NULL, 'j' },
		{ "sign", no_argument, NULL, 's' },         { "personal", no_argument, NULL, 'p' },
		{ "der", no_argument, NULL, 'd' },          { "output", required_argument, NULL, 'o' },
		{ "stdin", no_argument, NULL, 'i' },        { "final-try", no_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 'S' }, { "auth-only", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long (argc, argv, "o:h", longs, NULL)) != -1) {
		switch (c) {
		case 'r': o->reader = optarg; break;
		case 'j': o->json = true; break;
		case 's': o->sign = true; break;
		case 'p': o->personal = true; break;
		case 'd': o->der = true; break;
		case 'o': o->output = optarg; break;
		case 'i': o->use_stdin = true; break;
		case 'f': o->final_try = true; break;
		case 'S': o->socket = optarg; break;
		case 'A': o->auth_only = true; break;
		case 'h': usage (stdout); exit (EXIT_FINE);
		default: return false;
		}
	}
	return true;
}

static bool
key_of (const char *name, enum jpki_key *key)
{
	if (name != NULL && strcmp (name, "auth") == 0)
		*key = JPKI_KEY_AUTH;
	else if (name != NULL && strcmp (name, "sign") == 0)
		*key = JPKI_KEY_SIGN;
	else
		return false;
	return true;
}

int
main (int argc, char **argv)
{
	const char *dir = getenv ("JPKI_LOCALEDIR");
	struct options o = { 0 };
	enum jpki_key key;
	char **args;
	int n;

	setlocale (LC_ALL, "");
	bindtextdomain ("jpki", dir != NULL && dir[0] ? dir : JPKI_LOCALEDIR);
	bind_textdomain_codeset ("jpki", "UTF-8");
	textdomain ("jpki");
	jpki_log_open ();   /* JPKI_PKCS11_DEBUG, as for the module */
	if (!parse_options (argc, argv, &o)) {
		usage (stderr);
		return EXIT_ERROR;
	}
	args = argv + optind;
	n = argc - optind;
	if (n == 1 && strcmp (args[0], "status") == 0)
		return command_status (&o);
	if (n == 3 && strcmp (args[0], "pin") == 0 && strcmp (args[1], "change") == 0 &&
	    key_of (args[2], &key))
		return command_pin_change (&o, key);
	if (n == 3 && strcmp (args[0], "cert") == 0 && strcmp (args[1], "export") == 0)
		return command_cert_export (&o, args[2]);
	if (n == 1 && strcmp (args[0], "serve") == 0)
		return command_serve (&o);
	usage (stderr);
	return EXIT_ERROR;
}
