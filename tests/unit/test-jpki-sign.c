/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* COMPUTE DIGITAL SIGNATURE against a scripted stand-in transport
 * (script-transport.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki.h"
#include "script-transport.h"

/* ---- COMPUTE DIGITAL SIGNATURE ---- */

static const char digest_info[] =
	"3031300D060960864801650304020105000420"
	"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";

START_TEST (test_sign)
{
	uint8_t di[51], sig[300], expected[256];
	size_t sig_len = 0, i;
	char cmd[2 * 64 + 16];

	ck_assert_uint_eq (bytes_of (digest_info, di), 51);
	for (i = 0; i < sizeof expected; i++)
		expected[i] = (uint8_t) (255 - i);
	snprintf (cmd, sizeof cmd, "802A008033%s00", digest_info);
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0017"), OK);
	expect_data (cmd, expected, 256, 0x9000);
	expect_data (cmd, expected, 256, 0x9000);   /* key EF still current */
	expect (SELECT_EF ("001A"), OK);
	expect_data (cmd, expected, 255, 0x9000);

	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_AUTH, di, 51, sig, sizeof sig, &sig_len), JPKI_OK);
	ck_assert_uint_eq (sig_len, 256);
	ck_assert_mem_eq (sig, expected, 256);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_AUTH, di, 51, sig, 256, &sig_len), JPKI_OK);
	ck_assert_uint_eq (sig_len, 256);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, di, 51, sig, 256, &sig_len), JPKI_OK);
	ck_assert_uint_eq (sig_len, 255);
	assert_all_sent ();
}
END_TEST

START_TEST (test_sign_refusals)
{
	uint8_t data[246], sig[256], answer[260];
	size_t sig_len = 99;
	char cmd[16];

	memset (data, 0x41, sizeof data);
	memset (answer, 0x42, sizeof answer);
	snprintf (cmd, sizeof cmd, "802A00800141" "00");
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("001A"), OK);
	expect (cmd, "6982");
	expect_data (cmd, answer, 257, 0x9000);   /* more than Le */
	expect_data (cmd, answer, 256, 0x9000);   /* more than sig_cap */
	expect (cmd, OK);                         /* no signature at all */
	expect_data (cmd, answer, 256, 0x6282);

	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 1, sig, 256, &sig_len),
	                  JPKI_SECURITY_STATUS);
	ck_assert_uint_eq (sig_len, 0);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 1, sig, 256, &sig_len),
	                  JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 1, sig, 128, &sig_len),
	                  JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 1, sig, 256, &sig_len),
	                  JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 1, sig, 256, &sig_len),
	                  JPKI_BAD_RESPONSE);
	ck_assert_uint_eq (sig_len, 0);
	/* Input lengths the card never sees. */
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 0, sig, 256, &sig_len),
	                  JPKI_BAD_INPUT);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 246, sig, 256, &sig_len),
	                  JPKI_BAD_INPUT);
	assert_all_sent ();
}
END_TEST

/* C_Sign may not answer CKR_PIN_INCORRECT or CKR_PIN_LOCKED: PIN words
 * from COMPUTE DIGITAL SIGNATURE or the key EF's SELECT are malformed
 * (found by tests/fuzz). */
START_TEST (test_sign_pin_words)
{
	static const char *const answers[] = { "63C2", "63C0", "6983", "6984" };
	uint8_t data[1] = { 0x41 }, sig[256];
	size_t sig_len = 99;
	const char *cmd = "802A00800141" "00";

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("001A"), answers[_i]);
	expect (SELECT_EF ("001A"), OK);
	expect (cmd, answers[_i]);

	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 1, sig, 256, &sig_len),
	                  JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 1, sig, 256, &sig_len),
	                  JPKI_BAD_RESPONSE);
	ck_assert_uint_eq (sig_len, 0);
	assert_all_sent ();
}
END_TEST

START_TEST (test_sign_longest_input)
{
	uint8_t data[245], sig[256];
	size_t sig_len = 0;
	struct step *st;

	memset (data, 0x5A, sizeof data);
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0017"), OK);
	st = add_step ("");
	free (st->cmd);
	st->cmd = malloc (2 * (4 + 1 + 245 + 1) + 1);
	strcpy (st->cmd, "802A0080F5");
	memset (st->cmd + 10, 'A', 2 * 245);
	for (size_t i = 0; i < 245; i++)
		st->cmd[10 + 2 * i] = '5';
	strcpy (st->cmd + 10 + 2 * 245, "00");
	st->resp = calloc (1, 258);
	st->resp[256] = 0x90;
	st->resp_len = 258;

	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_AUTH, data, 245, sig, 256, &sig_len), JPKI_OK);
	ck_assert_uint_eq (sig_len, 256);
	assert_all_sent ();
}
END_TEST

static Suite *
jpki_sign_suite (void)
{
	Suite *s = suite_create ("jpki-sign");
	TCase *tc;

	tc = script_case (s, "sign");
	tcase_add_test (tc, test_sign);
	tcase_add_test (tc, test_sign_refusals);
	tcase_add_loop_test (tc, test_sign_pin_words, 0, 4);
	tcase_add_test (tc, test_sign_longest_input);
	return s;
}

int
main (void)
{
	SRunner *runner = srunner_create (jpki_sign_suite ());
	int failed;

	srunner_run_all (runner, CK_NORMAL);
	failed = srunner_ntests_failed (runner);
	srunner_free (runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
