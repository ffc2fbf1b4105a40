/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a card is (jpki-probe.h) against a scripted stand-in transport
 * (script-transport.h): a card, both phones, the signature token told by
 * EF 0008 or by its PIN, broken files, another kind of card; and a PIN's
 * state from each answer. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fake-cert.h"
#include "jpki-probe.h"
#include "script-transport.h"

#define CERT_LEN 200
#define NO_FILE "6A82"

/* The certificate handed to the taker, and whether it takes it. */
static struct {
	bool refuse;
	int calls;
	size_t len;
} taker;

static bool
take (void *ctx, const uint8_t *der, size_t der_len)
{
	ck_assert_ptr_eq (ctx, &taker);
	taker.calls++;
	taker.len = der_len;
	return !taker.refuse && der[0] == 0x30;
}

static void
expect_token_info (const char *model)
{
	uint8_t padded[32];

	memset (padded, ' ', sizeof padded);
	memcpy (padded, model, strlen (model));
	expect (SELECT_EF ("0006"), OK);
	expect_data (read_cmd (0, 32), padded, sizeof padded, 0x9000);
}

/* The authentication certificate, or sw to its first read. */
static void
expect_auth_cert (const char *sw)
{
	uint8_t *cert = make_cert (CERT_LEN);

	expect (SELECT_EF ("000A"), OK);
	if (sw != NULL) {
		expect (read_cmd (0, 4), sw);
	} else {
		expect_read (0, 4, cert, 4, 0x9000);
		expect_read (4, CERT_LEN - 4, cert + 4, CERT_LEN - 4, 0x9000);
	}
	free (cert);
}

/* A probe's exchanges up to EF 0008, whose one byte answers presence. */
static void
expect_probe_to_presence (const char *model, const char *auth_sw, const char *presence)
{
	expect (SELECT_AP, OK);
	expect_token_info (model);
	expect_auth_cert (auth_sw);
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), presence);
}

static enum jpki_result
probe (struct jpki_facts *f)
{
	memset (&taker, 0, sizeof taker);
	return jpki_probe (card, take, &taker, f);
}

/* ---- what kind of card ---- */

static const struct {
	const char *model;
	const char *auth_sw;       /* NULL: the certificate is given */
	bool phone, cert_needs_pin;
} kind_rows[] = {
	{ "JPKIAPICCTOKEN2", NULL, false, false },
	{ "JPKIAPICCTOKEN", NULL, false, false },      /* the older card */
	{ "JPKIAPGPSETOKEN", "6982", true, true },     /* Android */
	{ "JPKIAPIOSTOKEN", "6982", true, true },      /* iPhone */
	{ "JPKIAPIOSTOKEN", NULL, true, false },       /* named so, even if it gives it */
	{ "", "6982", true, true },                    /* the certificate after the PIN tells */
};

START_TEST (test_kind)
{
	struct jpki_facts f;

	expect_probe_to_presence (kind_rows[_i].model, kind_rows[_i].auth_sw, "8F9000");

	ck_assert_int_eq (probe (&f), JPKI_OK);
	ck_assert_str_eq (f.model, kind_rows[_i].model);
	ck_assert_int_eq (f.phone, kind_rows[_i].phone);
	ck_assert (f.tok[JPKI_KEY_AUTH].present);
	ck_assert_int_eq (f.tok[JPKI_KEY_AUTH].cert_needs_pin, kind_rows[_i].cert_needs_pin);
	ck_assert_int_eq (taker.calls, kind_rows[_i].auth_sw == NULL ? 1 : 0);
	ck_assert (f.tok[JPKI_KEY_SIGN].present);
	ck_assert (f.tok[JPKI_KEY_SIGN].cert_needs_pin);
	ck_assert (!f.tok[JPKI_KEY_AUTH].damaged && !f.tok[JPKI_KEY_SIGN].damaged);
	/* No PIN asked where EF 0008 told. */
	ck_assert (!f.tok[JPKI_KEY_AUTH].pin.known && !f.tok[JPKI_KEY_SIGN].pin.known);
	assert_all_sent ();
}
END_TEST

/* ---- which tokens ---- */

static const struct {
	const char *auth_sw;       /* NULL: the certificate is given */
	const char *presence;      /* EF 0008's answer; NO_FILE: none */
	const char *sign_pin;      /* the empty VERIFY's answer; NO_FILE: no PIN EF */
	bool auth, sign;
	int sign_tries;            /* what the fallback read; -2: not read */
} token_rows[] = {
	{ NULL, "8F9000", NULL, true, true, -2 },
	{ NULL, "009000", NULL, true, false, -2 },
	{ NO_FILE, "8F9000", NULL, false, true, -2 },
	{ NULL, NO_FILE, "63C5", true, true, 5 },
	{ NULL, NO_FILE, "63C0", true, true, 0 },      /* blocked: still there */
	{ NULL, NO_FILE, NO_FILE, true, false, -1 },
};

START_TEST (test_tokens)
{
	struct jpki_facts f;

	expect (SELECT_AP, OK);
	expect_token_info ("JPKIAPICCTOKEN2");
	expect_auth_cert (token_rows[_i].auth_sw);
	if (strcmp (token_rows[_i].presence, NO_FILE) == 0) {
		expect (SELECT_EF ("0008"), NO_FILE);
		if (strcmp (token_rows[_i].sign_pin, NO_FILE) == 0) {
			expect (SELECT_EF ("001B"), NO_FILE);
		} else {
			expect (SELECT_EF ("001B"), OK);
			expect (EMPTY_VERIFY, token_rows[_i].sign_pin);
		}
	} else {
		expect (SELECT_EF ("0008"), OK);
		expect (read_cmd (0, 1), token_rows[_i].presence);
	}

	ck_assert_int_eq (probe (&f), JPKI_OK);
	ck_assert_int_eq (f.tok[JPKI_KEY_AUTH].present, token_rows[_i].auth);
	ck_assert_int_eq (f.tok[JPKI_KEY_SIGN].present, token_rows[_i].sign);
	ck_assert_int_eq (f.tok[JPKI_KEY_SIGN].pin.known, token_rows[_i].sign_tries != -2);
	if (token_rows[_i].sign_tries != -2)
		ck_assert_int_eq (f.tok[JPKI_KEY_SIGN].pin.tries, token_rows[_i].sign_tries);
	ck_assert (!f.phone);
	assert_all_sent ();
}
END_TEST

/* ---- broken files ---- */

/* A token information that is no answer: both tokens damaged, both go on. */
START_TEST (test_broken_token_info)
{
	struct jpki_facts f;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0006"), OK);
	expect (read_cmd (0, 32), "6F00");
	expect_auth_cert (NULL);
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F9000");

	ck_assert_int_eq (probe (&f), JPKI_OK);
	ck_assert_str_eq (f.model, "");
	ck_assert (f.tok[JPKI_KEY_AUTH].damaged && f.tok[JPKI_KEY_SIGN].damaged);
	ck_assert (f.tok[JPKI_KEY_AUTH].present && f.tok[JPKI_KEY_SIGN].present);
	ck_assert (!f.tok[JPKI_KEY_AUTH].cert_broken);
	assert_all_sent ();
}
END_TEST

/* A certificate the caller cannot use: the token stays, its certificate
 * is broken. */
START_TEST (test_auth_cert_refused)
{
	struct jpki_facts f;

	expect_probe_to_presence ("JPKIAPICCTOKEN2", NULL, "8F9000");

	memset (&taker, 0, sizeof taker);
	taker.refuse = true;
	ck_assert_int_eq (jpki_probe (card, take, &taker, &f), JPKI_OK);
	ck_assert_int_eq (taker.calls, 1);
	ck_assert_uint_eq (taker.len, CERT_LEN);
	ck_assert (f.tok[JPKI_KEY_AUTH].present && f.tok[JPKI_KEY_AUTH].cert_broken);
	ck_assert (f.tok[JPKI_KEY_AUTH].damaged && !f.tok[JPKI_KEY_SIGN].damaged);
	assert_all_sent ();
}
END_TEST

/* A broken EF 0008: the signature PIN tells, the token is damaged. */
START_TEST (test_broken_presence)
{
	struct jpki_facts f;

	expect_probe_to_presence ("JPKIAPICCTOKEN2", NULL, "9000");
	expect (SELECT_EF ("001B"), OK);
	expect (EMPTY_VERIFY, "63C4");

	ck_assert_int_eq (probe (&f), JPKI_OK);
	ck_assert (f.tok[JPKI_KEY_SIGN].present && f.tok[JPKI_KEY_SIGN].damaged);
	ck_assert (!f.tok[JPKI_KEY_AUTH].damaged);
	ck_assert_int_eq (f.tok[JPKI_KEY_SIGN].pin.tries, 4);
	assert_all_sent ();
}
END_TEST

/* ---- what stops the probe ---- */

START_TEST (test_not_jpki)
{
	struct jpki_facts f;

	expect (SELECT_AP, NO_FILE);

	ck_assert_int_eq (probe (&f), JPKI_NOT_JPKI);
	ck_assert (!f.tok[JPKI_KEY_AUTH].present && !f.tok[JPKI_KEY_SIGN].present);
	assert_all_sent ();
}
END_TEST

START_TEST (test_card_gone)
{
	struct jpki_facts f;

	expect (SELECT_AP, OK);
	expect_token_info ("JPKIAPICCTOKEN2");
	expect (SELECT_EF ("000A"), OK);
	expect_transport (read_cmd (0, 4), JPKI_TRANSPORT_REMOVED);

	ck_assert_int_eq (probe (&f), JPKI_CARD_REMOVED);
	assert_all_sent ();
}
END_TEST

/* ---- a PIN's state ---- */

static const struct {
	enum jpki_result r;
	int tries;
	struct jpki_pin_state state;
} pin_rows[] = {
	{ JPKI_OK, 3, { true, true, 3 } },
	{ JPKI_OK, -1, { true, true, -1 } },         /* already verified */
	{ JPKI_PIN_INCORRECT, 2, { true, true, 2 } },
	{ JPKI_PIN_BLOCKED, -1, { true, true, 0 } },
	{ JPKI_NOT_FOUND, -1, { true, false, -1 } },
	{ JPKI_BAD_RESPONSE, 3, { false, false, -1 } },
	{ JPKI_CARD_REMOVED, 3, { false, false, -1 } },
};

START_TEST (test_pin_state_of)
{
	struct jpki_pin_state s = jpki_pin_state_of (pin_rows[_i].r, pin_rows[_i].tries);

	ck_assert_int_eq (s.known, pin_rows[_i].state.known);
	ck_assert_int_eq (s.set, pin_rows[_i].state.set);
	ck_assert_int_eq (s.tries, pin_rows[_i].state.tries);
}
END_TEST

static Suite *
jpki_probe_suite (void)
{
	Suite *s = suite_create ("jpki-probe");
	TCase *tc;

	tc = script_case (s, "probe");
	tcase_add_loop_test (tc, test_kind, 0, N_ROWS (kind_rows));
	tcase_add_loop_test (tc, test_tokens, 0, N_ROWS (token_rows));
	tcase_add_test (tc, test_broken_token_info);
	tcase_add_test (tc, test_auth_cert_refused);
	tcase_add_test (tc, test_broken_presence);
	tcase_add_test (tc, test_not_jpki);
	tcase_add_test (tc, test_card_gone);

	tc = tcase_create ("pin-state");
	tcase_add_loop_test (tc, test_pin_state_of, 0, N_ROWS (pin_rows));
	suite_add_tcase (s, tc);
	return s;
}

int
main (void)
{
	SRunner *runner = srunner_create (jpki_probe_suite ());
	int failed;

	srunner_run_all (runner, CK_NORMAL);
	failed = srunner_ntests_failed (runner);
	srunner_free (runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
