/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The debug log (JPKI_PKCS11_DEBUG=FILE): it traces, and never holds a PIN,
 * neither as text nor as the hex of an APDU. */
#include "test-module.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* text as hex, upper case */
static void
to_hex (const char *text, char *out)
{
	for (; *text; text++, out += 2)
		sprintf (out, "%02X", (unsigned char) *text);
	*out = '\0';
}

static void
assert_pin_absent (const char *log, const char *pin, bool as_text)
{
	char hex[80], spaced[120];
	size_t i;

	if (as_text)
		ck_assert_msg (!contains_ci (log, pin), "a PIN is in the debug log as text");
	to_hex (pin, hex);
	ck_assert_msg (!contains_ci (log, hex), "a PIN is in the debug log as hex");
	/* "30 31 32 33" */
	spaced[0] = '\0';
	for (i = 0; pin[i]; i++)
		sprintf (spaced + strlen (spaced), i ? " %02X" : "%02X", (unsigned char) pin[i]);
	ck_assert_msg (!contains_ci (log, spaced), "a PIN is in the debug log as spaced hex");
}

START_TEST (test_debug_log_has_no_pin)
{
	char path[] = "/tmp/jpki-debug.XXXXXX";
	int fd = mkstemp (path);
	CK_SESSION_HANDLE a, s, rw;
	char lower[32], new_auth[8];
	size_t len, i;
	char *log;

	ck_assert_int_ge (fd, 0);
	close (fd);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	setenv ("JPKI_PKCS11_DEBUG", path, 1);
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);

	a = p11_open (SLOT_AUTH);
	ck_assert_rv (p11_login_rv (a, "12a4"), CKR_PIN_INCORRECT);
	ck_assert_rv (p11_login_rv (a, card_wrong_pin (KEY_AUTH)), CKR_PIN_INCORRECT);
	a = login_and_sign (KEY_AUTH, CKM_SHA256_RSA_PKCS, "log");
	snprintf (lower, sizeof lower, "%s", card_pin (KEY_SIGN));
	for (i = 0; lower[i]; i++)
		lower[i] = (char) tolower ((unsigned char) lower[i]);
	s = p11_open (SLOT_SIGN);
	p11_login (s, lower);
	/* A PIN change there and back. */
	snprintf (new_auth, sizeof new_auth, "%s", card_wrong_pin (KEY_AUTH));
	ck_assert_rv (p11->C_Logout (a), CKR_OK);
	rw = 0;
	ck_assert_rv (p11->C_OpenSession (SLOT_AUTH, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
	                                  &rw),
	              CKR_OK);
	ck_assert_rv (p11->C_SetPIN (rw, (CK_UTF8CHAR_PTR) card_pin (KEY_AUTH), 4,
	                             (CK_UTF8CHAR_PTR) new_auth, 4),
	              CKR_OK);
	ck_assert_rv (p11->C_SetPIN (rw, (CK_UTF8CHAR_PTR) new_auth, 4,
	                             (CK_UTF8CHAR_PTR) card_pin (KEY_AUTH), 4),
	              CKR_OK);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	unsetenv ("JPKI_PKCS11_DEBUG");
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);

	log = read_file (path, &len);
	unlink (path);
	ck_assert_uint_gt (len, 0);
	ck_assert_msg (strstr (log, "C_Login") != NULL, "C_Login is not traced");
	/* The sign PIN is long and random: as text, too. */
	assert_pin_absent (log, card_pin (KEY_SIGN), true);
	assert_pin_absent (log, lower, true);
	/* 4 digits may occur by chance in a dump as text, not as an APDU. */
	assert_pin_absent (log, card_pin (KEY_AUTH), false);
	assert_pin_absent (log, new_auth, false);
	free (log);
}
END_TEST

TCase *
tcase_debug_log (void)
{
	TCase *tc = tcase_new ("debug-log");

	tcase_add_test (tc, test_debug_log_has_no_pin);
	return tc;
}
