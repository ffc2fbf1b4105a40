/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JPKI protocol against a scripted stand-in transport
 * (script-transport.h): selection state, small EFs, and transport
 * failures (certificate reads: test-jpki-cert.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-cert.h"
#include "jpki.h"
#include "script-transport.h"

/* ---- selection state ---- */

START_TEST (test_ap_selected_once_per_transaction)
{
	char label[33];
	bool has_sign = false;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0006"), OK);
	/* "JPKIAPICCTOKEN2" and 17 spaces. */
	expect (read_cmd (0, 32), "4A504B494150494343544F4B454E32" "2020202020202020202020202020202020"
	                          "9000");
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F9000");
	/* Next transaction: the application is taken as still selected,
	 * the EF is not. */
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "009000");

	ck_assert_int_eq (jpki_read_token_info (card, label, sizeof label), JPKI_OK);
	ck_assert_str_eq (label, "JPKIAPICCTOKEN2");
	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_OK);
	ck_assert (has_sign);
	jpki_transaction_begin (card);
	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_OK);
	ck_assert (!has_sign);
	assert_all_sent ();
}
END_TEST

START_TEST (test_select_ap_failure_is_not_jpki)
{
	expect (SELECT_AP, "6A82");
	expect (SELECT_AP, "6D00");
	expect (SELECT_AP, OK);

	ck_assert_int_eq (jpki_select_application (card), JPKI_NOT_JPKI);
	ck_assert_int_eq (jpki_select_application (card), JPKI_NOT_JPKI);
	ck_assert_int_eq (jpki_select_application (card), JPKI_OK);
	ck_assert_int_eq (jpki_select_application (card), JPKI_OK);   /* no APDU */
	assert_all_sent ();
}
END_TEST

/* A failed SELECT EF leaves no EF current: the next call selects again. */
START_TEST (test_failed_ef_select_forgotten)
{
	bool has_sign = true;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0008"), "6A82");
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F8F9000");   /* two bytes for Le 1 */

	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_NOT_FOUND);
	ck_assert (!has_sign);
	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_BAD_RESPONSE);
	assert_all_sent ();
}
END_TEST

/* Another program selected something else between our transactions:
 * the first unexpected answer makes us select the application again and
 * try once more. */
START_TEST (test_assumed_selection_falls_back)
{
	bool has_sign = false;
	int tries = -1;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F9000");
	expect (SELECT_EF ("0018"), "6A82");
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0018"), OK);
	expect ("00200080", "63C3");

	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_OK);
	jpki_transaction_begin (card);
	ck_assert (jpki_selection_assumed (card));
	ck_assert_int_eq (jpki_pin_tries (card, JPKI_KEY_AUTH, &tries), JPKI_OK);
	ck_assert_int_eq (tries, 3);
	ck_assert (!jpki_selection_assumed (card));
	assert_all_sent ();
}
END_TEST

/* A PIN never goes to an application only assumed selected: it would
 * cost a try of whatever PIN another DF has under that id. */
START_TEST (test_pin_only_after_fresh_selection)
{
	const uint8_t pin[] = "1234";
	bool has_sign = false;
	int tries = -1;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F9000");
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0018"), OK);
	expect ("002000800431323334", OK);

	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_OK);
	jpki_transaction_begin (card);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, pin, 4, &tries), JPKI_OK);
	assert_all_sent ();
}
END_TEST

/* A reset card has nothing selected. */
START_TEST (test_reset_forgets_selection)
{
	bool has_sign = false;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F9000");
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F9000");

	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_OK);
	jpki_forget_selection (card);
	jpki_transaction_begin (card);
	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_OK);
	assert_all_sent ();
}
END_TEST

/* ---- small EFs ---- */

START_TEST (test_token_info_trimmed)
{
	char label[40];

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0006"), OK);
	/* "JPKI" 01 "AP" 7F "TOKEN 2", spaces and NULs, end of file. */
	expect (read_cmd (0, 32), "4A504B4901415050" "7F544F4B454E2032" "20200020" "6282");
	expect (read_cmd (0, 32), "202020" "9000");
	expect (read_cmd (0, 32), "9000");

	memset (label, 'x', sizeof label);
	ck_assert_int_eq (jpki_read_token_info (card, label, 33), JPKI_OK);
	ck_assert_str_eq (label, "JPKIAPPTOKEN 2");
	ck_assert_int_eq (jpki_read_token_info (card, label, 33), JPKI_OK);
	ck_assert_str_eq (label, "");
	ck_assert_int_eq (jpki_read_token_info (card, label, 33), JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_read_token_info (card, label, 32), JPKI_BAD_INPUT);
	assert_all_sent ();
}
END_TEST

START_TEST (test_token_info_full_and_too_long)
{
	char label[33];
	char answer[2 * 33 + 5];
	char expected[33];
	size_t i;

	for (i = 0; i < 32; i++) {
		snprintf (answer + 2 * i, 3, "%02X", 'A' + (unsigned) (i % 26));
		expected[i] = (char) ('A' + i % 26);
	}
	expected[32] = '\0';
	strcpy (answer + 64, "9000");
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0006"), OK);
	expect (read_cmd (0, 32), answer);
	strcpy (answer + 64, "419000");   /* 33 bytes for Le 32 */
	expect (read_cmd (0, 32), answer);

	ck_assert_int_eq (jpki_read_token_info (card, label, sizeof label), JPKI_OK);
	ck_assert_str_eq (label, expected);
	ck_assert_int_eq (jpki_read_token_info (card, label, sizeof label), JPKI_BAD_RESPONSE);
	assert_all_sent ();
}
END_TEST

/* ---- transport failures ---- */

static const struct {
	enum jpki_transport_result transport;
	enum jpki_result result;
} transport_rows[] = {
	{ JPKI_TRANSPORT_RESET, JPKI_CARD_RESET },
	{ JPKI_TRANSPORT_REMOVED, JPKI_CARD_REMOVED },
	{ JPKI_TRANSPORT_FAILED, JPKI_TRANSPORT_ERROR },
};

/* Any transport failure makes the selection unknown, even inside the
 * same transaction.  (Short reads here: an extended one falls back.) */
START_TEST (test_transport_failure)
{
	uint8_t *cert = make_cert (200);
	int tries = 99;
	uint8_t *der = NULL;
	size_t len = 0;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_transport (read_cmd (4, 196), transport_rows[_i].transport);
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0018"), OK);
	expect_transport (EMPTY_VERIFY, transport_rows[_i].transport);
	expect_transport (SELECT_AP, transport_rows[_i].transport);
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 196, cert + 4, 196, 0x9000);

	ck_assert_int_eq (jpki_read_certificate (card, JPKI_FILE_AUTH_CERT, &der, &len),
	                  transport_rows[_i].result);
	ck_assert_ptr_null (der);
	ck_assert_int_eq (jpki_pin_tries (card, JPKI_KEY_AUTH, &tries), transport_rows[_i].result);
	ck_assert_int_eq (tries, -1);
	ck_assert_int_eq (jpki_select_application (card), transport_rows[_i].result);
	assert_reads_cert (JPKI_FILE_AUTH_CERT, cert, 200);
	assert_all_sent ();
	free (cert);
}
END_TEST

/* A reader that carries short APDUs only: its driver fails every
 * extended command in the transport.  The read goes on in short reads
 * (the EF selected again), and the card is not sent an extended read
 * again. */
START_TEST (test_short_apdu_reader_fallback)
{
	uint8_t *cert = make_cert (600), *ca = make_cert (300);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_transport (read_cmd (4, 596), JPKI_TRANSPORT_FAILED);
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (4, 256, cert + 4, 256, 0x9000);
	expect_read (260, 256, cert + 260, 256, 0x9000);
	expect_read (516, 84, cert + 516, 84, 0x9000);
	expect (SELECT_EF ("000B"), OK);
	expect_read (0, 4, ca, 4, 0x9000);
	expect_read (4, 256, ca + 4, 256, 0x9000);
	expect_read (260, 40, ca + 260, 40, 0x9000);

	ck_assert (!jpki_short_reads_only (card));
	assert_reads_cert (JPKI_FILE_AUTH_CERT, cert, 600);
	ck_assert (jpki_short_reads_only (card));
	assert_reads_cert (JPKI_FILE_AUTH_CA_CERT, ca, 300);
	assert_all_sent ();
	free (cert);
	free (ca);
}
END_TEST

/* The next card on a reader known for that (card.c keeps it per reader):
 * not one extended read, so no failure and no fallback at all. */
START_TEST (test_short_reads_from_the_start)
{
	uint8_t *cert = make_cert (600);

	jpki_use_short_reads (card);
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 256, cert + 4, 256, 0x9000);
	expect_read (260, 256, cert + 260, 256, 0x9000);
	expect_read (516, 84, cert + 516, 84, 0x9000);

	assert_reads_cert (JPKI_FILE_AUTH_CERT, cert, 600);
	assert_all_sent ();
	ck_assert (jpki_short_reads_only (card));
	free (cert);
}
END_TEST

static Suite *
jpki_suite (void)
{
	Suite *s = suite_create ("jpki");
	TCase *tc;

	tc = script_case (s, "selection");
	tcase_add_test (tc, test_ap_selected_once_per_transaction);
	tcase_add_test (tc, test_assumed_selection_falls_back);
	tcase_add_test (tc, test_pin_only_after_fresh_selection);
	tcase_add_test (tc, test_reset_forgets_selection);
	tcase_add_test (tc, test_select_ap_failure_is_not_jpki);
	tcase_add_test (tc, test_failed_ef_select_forgotten);

	tc = script_case (s, "small-efs");
	tcase_add_test (tc, test_token_info_trimmed);
	tcase_add_test (tc, test_token_info_full_and_too_long);

	tc = script_case (s, "transport");
	tcase_add_loop_test (tc, test_transport_failure, 0, N_ROWS (transport_rows));
	tcase_add_test (tc, test_short_apdu_reader_fallback);
	tcase_add_test (tc, test_short_reads_from_the_start);
	return s;
}

int
main (void)
{
	SRunner *runner = srunner_create (jpki_suite ());
	int failed;

	srunner_run_all (runner, CK_NORMAL);
	failed = srunner_ntests_failed (runner);
	srunner_free (runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
