/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The virtual card as tests/with-card describes it in the environment:
 * its profile and PINs, the APDU log it writes, its try counters, and
 * what raw-sign, a second program, gets from it. */
#include "card-state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

static const char *
env_or_empty (const char *name)
{
	const char *v = getenv (name);
	return v ? v : "";
}

const char *
card_profile (void)
{
	return env_or_empty ("JPKI_VCARD_PROFILE");
}

bool
card_present (void)
{
	return card_profile ()[0] != '\0';
}

const char *
card_pin (enum key key)
{
	return env_or_empty (key == KEY_AUTH ? "JPKI_AUTH_PIN" : "JPKI_SIGN_PIN");
}

const char *
card_wrong_pin (enum key key)
{
	static char pin[32];
	const char *right = card_pin (key);
	size_t n = strlen (right);
	char *last;

	ck_assert_uint_gt (n, 0);
	ck_assert_uint_lt (n, sizeof pin);
	memcpy (pin, right, n + 1);
	last = &pin[n - 1];
	if (*last >= '0' && *last <= '9')
		*last = (char) ('0' + (*last - '0' + 1) % 10);
	else if (*last >= 'A' && *last <= 'Z')
		*last = (char) ('A' + (*last - 'A' + 1) % 26);
	else
		ck_abort_msg ("unexpected PIN character");
	return pin;
}

/* ------------------------------------------------------------------ */
/* The APDU log */

/* Calls fn for each command line's hex; the number of lines fn accepts. */
static long
apdu_scan (bool (*fn) (const char *hex))
{
	const char *path = env_or_empty ("JPKI_VCARD_APDU_LOG");
	char line[8192];
	long n = 0;
	FILE *f;

	ck_assert_msg (path[0] != '\0', "JPKI_VCARD_APDU_LOG not set");
	f = fopen (path, "r");
	if (f == NULL)
		return 0;   /* the card has not written anything yet */
	while (fgets (line, sizeof line, f) != NULL) {
		const char *c = strstr (line, " C ");
		if (c != NULL && fn (c + 3))
			n++;
	}
	fclose (f);
	return n;
}

static bool
any_command (const char *hex)
{
	(void) hex;
	return true;
}

static bool
verify_with_pin (const char *hex)
{
	size_t len = strcspn (hex, " \r\n");
	return strncmp (hex, "00200080", 8) == 0 && len > 8;
}

long
apdu_count (void)
{
	return apdu_scan (any_command);
}

long
apdu_verify_count (void)
{
	return apdu_scan (verify_with_pin);
}

static bool
read_binary (const char *hex)
{
	return strncmp (hex, "00B0", 4) == 0;
}

long
apdu_read_count (void)
{
	return apdu_scan (read_binary);
}

/* ------------------------------------------------------------------ */
/* What the card holds */

int
tries_read (enum key key)
{
	char path[4096], text[32] = "";
	FILE *f;
	char *end;
	long v;

	snprintf (path, sizeof path, "%s/state/%s-tries", card_profile (),
	          key == KEY_AUTH ? "auth" : "sign");
	f = fopen (path, "r");
	if (f == NULL)
		return -1;
	if (fgets (text, sizeof text, f) == NULL)
		text[0] = '\0';
	fclose (f);
	v = strtol (text, &end, 10);
	if (end == text)
		return -1;
	return (int) v;
}

int
raw_sign (const char *fid)
{
	char prog[4096], cmd[4200], out[64] = "";
	const char *env = getenv ("JPKI_RAW_SIGN");
	unsigned sw = 0;
	FILE *p;

	if (env != NULL && env[0] != '\0')
		snprintf (prog, sizeof prog, "%s", env);
	else
		snprintf (prog, sizeof prog, "%s/tests/module/raw-sign", env_or_empty ("JPKI_BUILD_DIR"));
	snprintf (cmd, sizeof cmd, "'%s' %s", prog, fid);
	p = popen (cmd, "r");
	ck_assert_ptr_nonnull (p);
	if (fgets (out, sizeof out, p) == NULL)
		out[0] = '\0';
	pclose (p);
	if (sscanf (out, "%4x", &sw) != 1)
		return -1;
	return (int) sw;
}
