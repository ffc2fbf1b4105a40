/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JPKI PIN commands against a scripted stand-in transport
 * (script-transport.h): tries left, VERIFY, CHANGE REFERENCE DATA, and
 * clearing the security state. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "jpki.h"
#include "script-transport.h"

/* ---- PIN tries ---- */

static const struct {
	const char *answer;
	enum jpki_result result;
	int tries;
} tries_rows[] = {
	{ "63C3", JPKI_OK, 3 },
	{ "63C5", JPKI_OK, 5 },
	{ "63C0", JPKI_PIN_BLOCKED, 0 },
	{ "6983", JPKI_PIN_BLOCKED, 0 },
	{ "6984", JPKI_PIN_BLOCKED, 0 },
	{ "9000", JPKI_OK, -1 },
	{ "6300", JPKI_BAD_RESPONSE, -1 },   /* 63 without C: no count */
	{ "6983" "00", JPKI_BAD_RESPONSE, -1 },   /* SW 8300 after a data byte */
	{ "6A86", JPKI_BAD_RESPONSE, -1 },
	{ "6982", JPKI_BAD_RESPONSE, -1 },
};

START_TEST (test_pin_tries)
{
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0018"), OK);
	expect (EMPTY_VERIFY, tries_rows[_i].answer);

	ck_assert_int_eq (jpki_pin_tries (card, JPKI_KEY_AUTH, &tries), tries_rows[_i].result);
	ck_assert_int_eq (tries, tries_rows[_i].tries);
	assert_all_sent ();
}
END_TEST

START_TEST (test_pin_tries_no_pin)
{
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("001B"), "6A82");

	ck_assert_int_eq (jpki_pin_tries (card, JPKI_KEY_SIGN, &tries), JPKI_NOT_FOUND);
	ck_assert_int_eq (tries, -1);
	assert_all_sent ();
}
END_TEST

/* ---- VERIFY ---- */

START_TEST (test_verify_outcomes)
{
	static const uint8_t pin[] = "1234";
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0018"), OK);
	expect ("002000800431323334", "63C2");
	expect ("002000800431323334", "63C0");
	expect ("002000800431323334", "6983");
	expect ("002000800431323334", "6982");
	expect ("002000800431323334", OK);

	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, pin, 4, &tries), JPKI_PIN_INCORRECT);
	ck_assert_int_eq (tries, 2);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, pin, 4, &tries), JPKI_PIN_BLOCKED);
	ck_assert_int_eq (tries, 0);
	tries = 99;
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, pin, 4, &tries), JPKI_PIN_BLOCKED);
	ck_assert_int_eq (tries, 0);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, pin, 4, &tries),
	                  JPKI_SECURITY_STATUS);
	ck_assert_int_eq (tries, -1);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, pin, 4, NULL), JPKI_OK);
	assert_all_sent ();
}
END_TEST

START_TEST (test_verify_sign_pin)
{
	static const uint8_t pin[] = "ABC123";
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("001B"), OK);
	expect ("0020008006414243313233", OK);

	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_SIGN, pin, 6, &tries), JPKI_OK);
	ck_assert_int_eq (tries, -1);
	assert_all_sent ();
}
END_TEST

/* Lengths the card never sees: an empty PIN would be the tries query. */
START_TEST (test_verify_bad_input)
{
	static uint8_t long_pin[256];
	int tries = 99;

	memset (long_pin, '1', sizeof long_pin);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, long_pin, 0, &tries), JPKI_BAD_INPUT);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, long_pin, 256, &tries),
	                  JPKI_BAD_INPUT);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, NULL, 4, &tries), JPKI_BAD_INPUT);
	assert_all_sent ();
}
END_TEST

/* ---- CHANGE REFERENCE DATA ---- */

START_TEST (test_change_pin)
{
	static const uint8_t old_pin[] = "ABC123", new_pin[] = "NEW4567";
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("001B"), OK);
	expect ("0020008006414243313233", OK);
	expect ("00240180074E455734353637", OK);
	/* Refused new PIN. */
	expect ("0020008006414243313233", OK);
	expect ("00240180074E455734353637", "6A80");
	/* Wrong old PIN: no CHANGE sent. */
	expect ("0020008006414243313233", "63C4");

	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_SIGN, old_pin, 6, new_pin, 7, &tries),
	                  JPKI_OK);
	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_SIGN, old_pin, 6, new_pin, 7, &tries),
	                  JPKI_PIN_REJECTED);
	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_SIGN, old_pin, 6, new_pin, 7, &tries),
	                  JPKI_PIN_INCORRECT);
	ck_assert_int_eq (tries, 4);
	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_SIGN, old_pin, 6, new_pin, 0, &tries),
	                  JPKI_BAD_INPUT);
	assert_all_sent ();
}
END_TEST

/* What CHANGE REFERENCE DATA's answer says of the new PIN. */
static const struct {
	const char *answer;
	enum jpki_result result;
} change_rows[] = {
	{ "6A80", JPKI_PIN_REJECTED },    /* its bytes refused */
	{ "6700", JPKI_PIN_REJECTED },    /* its length refused */
	{ "6C08", JPKI_BAD_RESPONSE },    /* an Le answer to a command with none */
	{ "6A86", JPKI_BAD_RESPONSE },
};

START_TEST (test_change_pin_refusals)
{
	static const uint8_t old_pin[] = "ABC123", new_pin[] = "NEW4567";
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("001B"), OK);
	expect ("0020008006414243313233", OK);
	expect ("00240180074E455734353637", change_rows[_i].answer);

	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_SIGN, old_pin, 6, new_pin, 7, &tries),
	                  change_rows[_i].result);
	assert_all_sent ();
}
END_TEST

START_TEST (test_change_pin_not_verified)
{
	static const uint8_t old_pin[] = "1234", new_pin[] = "5678";

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0018"), OK);
	expect ("002000800431323334", OK);
	expect ("002401800435363738", "6982");

	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_AUTH, old_pin, 4, new_pin, 4, NULL),
	                  JPKI_SECURITY_STATUS);
	assert_all_sent ();
}
END_TEST

/* ---- logout ---- */

START_TEST (test_clear_security_state)
{
	bool has_sign;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F9000");
	expect (SELECT_MF, OK);
	/* The application is no longer selected: selected again. */
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F9000");

	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_OK);
	ck_assert_int_eq (jpki_clear_security_state (card), JPKI_OK);
	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_OK);
	ck_assert (has_sign);
	assert_all_sent ();
}
END_TEST

START_TEST (test_clear_security_state_fallback)
{
	expect (SELECT_MF, "6A86");
	expect (SELECT_MF_PLAIN, OK);
	expect (SELECT_MF, "6A82");
	expect (SELECT_MF_PLAIN, "6A82");
	expect (SELECT_MF, "6D00");
	expect (SELECT_MF, "6982");

	ck_assert_int_eq (jpki_clear_security_state (card), JPKI_OK);
	ck_assert_int_eq (jpki_clear_security_state (card), JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_clear_security_state (card), JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_clear_security_state (card), JPKI_BAD_RESPONSE);
	assert_all_sent ();
}
END_TEST

/* ---- PIN words where no PIN was sent (found by tests/fuzz) ---- */

/* A SELECT of the PIN EF answered 63 Cx used to come back from VERIFY as
 * a wrong PIN with the count unknown, though no PIN reached the card. */
static const struct {
	const char *select_answer, *verify_answer;
	enum jpki_result result;
} misplaced_rows[] = {
	{ "63C3", NULL, JPKI_BAD_RESPONSE },
	{ "63C0", NULL, JPKI_BAD_RESPONSE },
	{ "6983", NULL, JPKI_BAD_RESPONSE },
	{ "6282", NULL, JPKI_BAD_RESPONSE },   /* a warning selects nothing */
	{ OK, "6282", JPKI_BAD_RESPONSE },     /* only 90 00 says the PIN is right */
	{ OK, "63C2", JPKI_PIN_INCORRECT },    /* the real thing, for contrast */
};

START_TEST (test_verify_misplaced_pin_words)
{
	static const uint8_t pin[] = "1234";
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0018"), misplaced_rows[_i].select_answer);
	if (misplaced_rows[_i].verify_answer != NULL)
		expect ("002000800431323334", misplaced_rows[_i].verify_answer);

	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, pin, 4, &tries),
	                  misplaced_rows[_i].result);
	ck_assert_int_eq (tries, misplaced_rows[_i].result == JPKI_PIN_INCORRECT ? 2 : -1);
	assert_all_sent ();
}
END_TEST

/* CHANGE REFERENCE DATA carries no old PIN: 63 Cx in its answer counts nothing. */
START_TEST (test_change_pin_answered_63cx)
{
	static const uint8_t old_pin[] = "1234", new_pin[] = "5678";
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0018"), OK);
	expect ("002000800431323334", OK);
	expect ("002401800435363738", "63C1");

	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_AUTH, old_pin, 4, new_pin, 4, &tries),
	                  JPKI_BAD_RESPONSE);
	ck_assert_int_eq (tries, -1);
	assert_all_sent ();
}
END_TEST

static Suite *
jpki_pin_suite (void)
{
	Suite *s = suite_create ("jpki-pin");
	TCase *tc;

	tc = script_case (s, "pin");
	tcase_add_loop_test (tc, test_pin_tries, 0, N_ROWS (tries_rows));
	tcase_add_test (tc, test_pin_tries_no_pin);
	tcase_add_test (tc, test_verify_outcomes);
	tcase_add_test (tc, test_verify_sign_pin);
	tcase_add_test (tc, test_verify_bad_input);
	tcase_add_test (tc, test_change_pin);
	tcase_add_loop_test (tc, test_change_pin_refusals, 0, N_ROWS (change_rows));
	tcase_add_test (tc, test_change_pin_not_verified);
	tcase_add_loop_test (tc, test_verify_misplaced_pin_words, 0, N_ROWS (misplaced_rows));
	tcase_add_test (tc, test_change_pin_answered_63cx);

	tc = script_case (s, "logout");
	tcase_add_test (tc, test_clear_security_state);
	tcase_add_test (tc, test_clear_security_state_fallback);
	return s;
}

int
main (void)
{
	SRunner *runner = srunner_create (jpki_pin_suite ());
	int failed;

	srunner_run_all (runner, CK_NORMAL);
	failed = srunner_ntests_failed (runner);
	srunner_free (runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
