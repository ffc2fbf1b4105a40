/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The card layer's debug log, against a scripted stand-in transport
 * (script-transport.h): every APDU, but no PIN byte and no certificate;
 * and the names of the card layer's results. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake-cert.h"
#include "jpki.h"
#include "log.h"
#include "script-transport.h"

/* ---- logging ---- */

static char *
slurp (const char *path)
{
	FILE *f = fopen (path, "r");
	char *text = calloc (1, 65536);
	size_t n;

	ck_assert_ptr_nonnull (f);
	n = fread (text, 1, 65535, f);
	text[n] = '\0';
	fclose (f);
	return text;
}

static char log_path[64];

static void
log_start (void)
{
	int fd;

	strcpy (log_path, "/tmp/test-jpki-log-XXXXXX");
	fd = mkstemp (log_path);
	ck_assert_int_ge (fd, 0);
	close (fd);
	setenv ("JPKI_PKCS11_DEBUG", log_path, 1);
	jpki_log_open ();
	ck_assert (jpki_log_enabled);
}

/* The log's text, to free. */
static char *
log_stop (void)
{
	char *text;

	jpki_log_close ();
	ck_assert (!jpki_log_enabled);
	unsetenv ("JPKI_PKCS11_DEBUG");
	text = slurp (log_path);
	unlink (log_path);
	return text;
}

/* The log shows every APDU but no PIN byte. */
START_TEST (test_log_masks_pins)
{
	static const uint8_t old_pin[] = "ABC123", new_pin[] = "XYZ789";
	char *text;

	log_start ();
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("001B"), OK);
	expect ("0020008006414243313233", OK);
	expect ("002401800658595A373839", OK);
	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_SIGN, old_pin, 6, new_pin, 6, NULL),
	                  JPKI_OK);
	text = log_stop ();
	ck_assert_ptr_nonnull (strstr (text, "jpki-pkcs11: jpki.c:"));
	ck_assert_ptr_nonnull (strstr (text, "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"));
	ck_assert_ptr_nonnull (strstr (text, "00 20 00 80 06 ** ** ** ** ** **\n"));
	ck_assert_ptr_nonnull (strstr (text, "00 24 01 80 06 ** ** ** ** ** **\n"));
	ck_assert_ptr_null (strstr (text, "41 42 43"));
	ck_assert_ptr_null (strstr (text, "58 59 5A"));
	ck_assert_ptr_null (strstr (text, "ABC123"));
	assert_all_sent ();
	free (text);
}
END_TEST

/* Certificates are not dumped (the signature one is personal data);
 * small EFs are. */
START_TEST (test_log_hides_certificate_data)
{
	uint8_t *cert = make_cert (300);
	char *text;

	memset (cert + 4, 0xEE, 296);
	log_start ();
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0001"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 296, cert + 4, 296, 0x9000);
	expect (SELECT_EF ("0006"), OK);
	expect (read_cmd (0, 32), "4A504B49" "9000");
	assert_reads_cert (JPKI_FILE_SIGN_CERT, cert, 300);
	ck_assert_int_eq (jpki_read_token_info (card, (char [33]) { 0 }, 33), JPKI_OK);
	text = log_stop ();

	ck_assert_ptr_nonnull (strstr (text, "00 B0 00 04 00 01 28\n"));
	ck_assert_ptr_nonnull (strstr (text, "answer: 9000, 296 data bytes"));
	ck_assert_ptr_null (strstr (text, "EE"));
	ck_assert_ptr_nonnull (strstr (text, "4A 50 4B 49\n"));
	assert_all_sent ();
	free (text);
	free (cert);
}
END_TEST

START_TEST (test_result_names)
{
	enum jpki_result r;
	size_t i, j;
	const char *names[JPKI_NO_MEMORY + 1];

	for (r = JPKI_OK; r <= JPKI_NO_MEMORY; r++) {
		names[r] = jpki_result_name (r);
		ck_assert_str_ne (names[r], "unknown");
	}
	for (i = 0; i <= JPKI_NO_MEMORY; i++)
		for (j = i + 1; j <= JPKI_NO_MEMORY; j++)
			ck_assert_str_ne (names[i], names[j]);
	ck_assert_ptr_null (jpki_card_new (NULL));
}
END_TEST

static Suite *
jpki_log_suite (void)
{
	Suite *s = suite_create ("jpki-log");
	TCase *tc;

	tc = script_case (s, "misc");
	tcase_add_test (tc, test_log_masks_pins);
	tcase_add_test (tc, test_log_hides_certificate_data);
	tcase_add_test (tc, test_result_names);
	return s;
}

int
main (void)
{
	SRunner *runner = srunner_create (jpki_log_suite ());
	int failed;

	srunner_run_all (runner, CK_NORMAL);
	failed = srunner_ntests_failed (runner);
	srunner_free (runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
