/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* COMPUTE DIGITAL SIGNATURE against a scripted stand-in transport
 * (script-transport.h): the key named in the command (P2 97/9A) and the
 * fall-back to SELECT + P2 80, PSS (P1 04), and the question whether the
 * card has PSS. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki.h"
#include "script-transport.h"

static const char digest_info[] =
	"3031300D060960864801650304020105000420"
	"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";
#define HASH32 "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"

/* Signature command with P1, P2 and hex data, Le 00 (a static buffer,
 * one of two, so that two can be in use at once). */
static const char *
sign_cmd (const char *p1p2, const char *data)
{
	static char buf[2][2 * 260 + 16];
	static int next;
	char *cmd = buf[next++ % 2];

	snprintf (cmd, sizeof buf[0], "802A%s%02zX%s00", p1p2, strlen (data) / 2, data);
	return cmd;
}

/* jpki_sign, and after a failure no signature length. */
static enum jpki_result
sign_checked (enum jpki_key key, enum jpki_scheme scheme, const uint8_t *data, size_t len,
              uint8_t *sig, size_t cap, size_t *sig_len)
{
	enum jpki_result r = jpki_sign (card, key, scheme, data, len, sig, cap, sig_len);

	if (r != JPKI_OK)
		ck_assert_uint_eq (*sig_len, 0);
	return r;
}

static size_t
sign_pkcs1 (enum jpki_key key, uint8_t *sig, size_t cap, enum jpki_result want)
{
	uint8_t di[51];
	size_t sig_len = 12345;

	ck_assert_uint_eq (bytes_of (digest_info, di), 51);
	ck_assert_int_eq (sign_checked (key, JPKI_SCHEME_PKCS1, di, 51, sig, cap, &sig_len), want);
	return sig_len;
}

static enum jpki_result
sign_pss (enum jpki_key key, uint8_t *sig, size_t *sig_len)
{
	uint8_t hash[32];

	ck_assert_uint_eq (bytes_of (HASH32, hash), 32);
	return sign_checked (key, JPKI_SCHEME_PSS, hash, 32, sig, 256, sig_len);
}

/* The card answers cmd with a 256-byte signature, every byte fill. */
static void
expect_signature (const char *cmd, uint8_t fill)
{
	uint8_t answer[256];

	memset (answer, fill, sizeof answer);
	expect_data (cmd, answer, sizeof answer, 0x9000);
}

static void
assert_signature (const uint8_t *sig, uint8_t fill)
{
	uint8_t expected[256];

	memset (expected, fill, sizeof expected);
	ck_assert_mem_eq (sig, expected, sizeof expected);
}

/* ---- the key named in the command ---- */

START_TEST (test_sign_named)
{
	uint8_t sig[300], expected[256];
	size_t i;

	for (i = 0; i < sizeof expected; i++)
		expected[i] = (uint8_t) (255 - i);
	expect (SELECT_AP, OK);
	expect_data (sign_cmd ("0097", digest_info), expected, 256, 0x9000);
	expect_data (sign_cmd ("0097", digest_info), expected, 256, 0x9000);
	expect_data (sign_cmd ("009A", digest_info), expected, 255, 0x9000);

	ck_assert_uint_eq (sign_pkcs1 (JPKI_KEY_AUTH, sig, sizeof sig, JPKI_OK), 256);
	ck_assert_mem_eq (sig, expected, 256);
	ck_assert_uint_eq (sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK), 256);
	ck_assert_uint_eq (sign_pkcs1 (JPKI_KEY_SIGN, sig, 256, JPKI_OK), 255);
	assert_all_sent ();
}
END_TEST

/* The first refusal of the named key: SELECT + P2 80 at once, and from
 * then on, whatever the card's refusal said. */
START_TEST (test_sign_named_refused)
{
	static const char *const refusals[] = { "6A86", "6A82", "6986", "6D00", "6A80" };
	uint8_t sig[256];

	expect (SELECT_AP, OK);
	expect (sign_cmd ("0097", digest_info), refusals[_i]);
	expect (SELECT_EF ("0017"), OK);
	expect_signature (sign_cmd ("0080", digest_info), 0x77);
	expect_signature (sign_cmd ("0080", digest_info), 0x77);   /* EF still current */
	expect (SELECT_EF ("001A"), OK);
	expect_signature (sign_cmd ("0080", digest_info), 0x77);

	ck_assert_uint_eq (sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK), 256);
	assert_signature (sig, 0x77);
	ck_assert_uint_eq (sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK), 256);
	ck_assert_uint_eq (sign_pkcs1 (JPKI_KEY_SIGN, sig, 256, JPKI_OK), 256);
	assert_all_sent ();
}
END_TEST

/* A named-key signature that does not verify (a card that ignores P2 and
 * signs with the selected EF): the key EF selected from then on; once a
 * named signature verified, a bad one says nothing of P2. */
START_TEST (test_sign_named_unverified)
{
	uint8_t sig[256];
	bool proven = _i == 1;

	expect (SELECT_AP, OK);
	expect_signature (sign_cmd ("0097", digest_info), 0x33);
	if (proven)
		expect_signature (sign_cmd ("0097", digest_info), 0x33);
	else
		expect (SELECT_EF ("0017"), OK);
	expect_signature (sign_cmd (proven ? "0097" : "0080", digest_info), 0x44);

	sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK);
	if (proven) {
		ck_assert (!jpki_note_signature_checked (card, JPKI_SCHEME_PKCS1, true));
		sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK);
	}
	ck_assert (jpki_note_signature_checked (card, JPKI_SCHEME_PKCS1, false) == !proven);
	ck_assert_uint_eq (sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK), 256);
	assert_signature (sig, 0x44);
	assert_all_sent ();
}
END_TEST

/* With the application only assumed selected, a refusal may be another
 * application's: selected again, and the named key tried once more. */
START_TEST (test_sign_named_after_other_application)
{
	uint8_t sig[256];

	expect (SELECT_AP, OK);
	expect_signature (sign_cmd ("0097", digest_info), 0x33);
	expect (sign_cmd ("0097", digest_info), "6E00");
	expect (SELECT_AP, OK);
	expect_signature (sign_cmd ("0097", digest_info), 0x33);

	sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK);
	jpki_transaction_end (card);
	jpki_transaction_begin (card);
	ck_assert (jpki_selection_assumed (card));
	ck_assert_uint_eq (sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK), 256);
	assert_all_sent ();
}
END_TEST

/* 6A 86 is the signature command's own answer about P1-P2, also with the
 * application only assumed selected: the key EF is selected at once, with
 * no SELECT of the application first (an older card's cost stays). */
START_TEST (test_sign_named_6a86_assumed_selection)
{
	uint8_t sig[256];

	expect (SELECT_AP, OK);
	expect_signature (sign_cmd ("0097", digest_info), 0x33);
	sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK);
	jpki_transaction_end (card);
	jpki_transaction_begin (card);
	ck_assert (jpki_selection_assumed (card));
	expect (sign_cmd ("0097", digest_info), "6A86");
	expect (SELECT_EF ("0017"), OK);
	expect_signature (sign_cmd ("0080", digest_info), 0x33);
	ck_assert_uint_eq (sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK), 256);
	assert_all_sent ();
}
END_TEST

START_TEST (test_sign_refusals)
{
	/* In the order of the card's answers, then the inputs it never sees. */
	static const struct {
		enum jpki_scheme scheme;
		size_t len, cap;
		bool no_data;
		enum jpki_result want;
	} calls[] = {
		{ JPKI_SCHEME_PKCS1, 1, 256, false, JPKI_SECURITY_STATUS },
		{ JPKI_SCHEME_PKCS1, 1, 256, false, JPKI_BAD_RESPONSE },
		{ JPKI_SCHEME_PKCS1, 1, 128, false, JPKI_BAD_RESPONSE },
		{ JPKI_SCHEME_PKCS1, 1, 256, false, JPKI_BAD_RESPONSE },
		{ JPKI_SCHEME_PKCS1, 1, 256, false, JPKI_BAD_RESPONSE },
		{ JPKI_SCHEME_PKCS1, 0, 256, false, JPKI_BAD_INPUT },
		{ JPKI_SCHEME_PKCS1, 246, 256, false, JPKI_BAD_INPUT },
		{ JPKI_SCHEME_PSS, 31, 256, false, JPKI_BAD_INPUT },
		{ JPKI_SCHEME_PSS, 33, 256, false, JPKI_BAD_INPUT },
		{ JPKI_SCHEME_PSS, 32, 256, true, JPKI_BAD_INPUT },
	};
	uint8_t data[246], sig[256], answer[260];
	size_t sig_len, i;
	const char *cmd = sign_cmd ("009A", "41");

	memset (data, 0x41, sizeof data);
	memset (answer, 0x42, sizeof answer);
	expect (SELECT_AP, OK);
	expect (cmd, "6982");
	expect (SELECT_EF ("001A"), OK);          /* 69 82 again: the PIN */
	expect (sign_cmd ("0080", "41"), "6982");
	expect_data (cmd, answer, 257, 0x9000);   /* more than Le */
	expect_data (cmd, answer, 256, 0x9000);   /* more than sig_cap */
	expect (cmd, OK);                         /* no signature at all */
	expect_data (cmd, answer, 256, 0x6282);

	for (i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		sig_len = 99;
		ck_assert_msg (sign_checked (JPKI_KEY_SIGN, calls[i].scheme, calls[i].no_data ? NULL : data,
		                             calls[i].len, sig, calls[i].cap, &sig_len) == calls[i].want,
		               "call %zu", i);
	}
	assert_all_sent ();
}
END_TEST

/* 69 82 to the key named in the command from a card not yet proven to
 * name keys: SELECT + P2 80 once to tell; it signs (the named form given
 * up), or 69 82 again (the PIN gone, the named form kept).  A card proven
 * to name keys: 69 82 is the PIN. */
START_TEST (test_sign_named_6982)
{
	uint8_t sig[256];
	const char *named = sign_cmd ("0097", digest_info);
	const char *selected = sign_cmd ("0080", digest_info);

	expect (SELECT_AP, OK);
	if (_i == 2) {
		expect_signature (named, 0x12);
		expect (named, "6982");
		expect_signature (named, 0x13);
	} else {
		expect (named, "6982");
		expect (SELECT_EF ("0017"), OK);
		if (_i == 0) {
			expect_signature (selected, 0x13);
			expect_signature (selected, 0x13);
		} else {
			expect (selected, "6982");
			expect_signature (named, 0x13);
		}
	}

	if (_i == 2) {
		sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK);
		ck_assert (!jpki_note_signature_checked (card, JPKI_SCHEME_PKCS1, true));
	}
	sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, _i == 0 ? JPKI_OK : JPKI_SECURITY_STATUS);
	ck_assert_uint_eq (sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK), 256);
	assert_signature (sig, 0x13);
	assert_all_sent ();
}
END_TEST

/* C_Sign may not answer CKR_PIN_INCORRECT or CKR_PIN_LOCKED: PIN words
 * from COMPUTE DIGITAL SIGNATURE or the key EF's SELECT are malformed
 * (found by tests/fuzz). */
START_TEST (test_sign_pin_words)
{
	static const char *const answers[] = { "63C2", "63C0", "6983", "6984" };
	uint8_t sig[256];
	const char *named = sign_cmd ("009A", digest_info);
	const char *selected = sign_cmd ("0080", digest_info);

	expect (SELECT_AP, OK);
	expect (named, answers[_i]);
	expect (named, "6A86");
	expect (SELECT_EF ("001A"), answers[_i]);
	expect (SELECT_EF ("001A"), OK);
	expect (selected, answers[_i]);

	sign_pkcs1 (JPKI_KEY_SIGN, sig, 256, JPKI_BAD_RESPONSE);
	sign_pkcs1 (JPKI_KEY_SIGN, sig, 256, JPKI_BAD_RESPONSE);
	sign_pkcs1 (JPKI_KEY_SIGN, sig, 256, JPKI_BAD_RESPONSE);
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
	st = add_step ("");
	free (st->cmd);
	st->cmd = malloc (2 * (4 + 1 + 245 + 1) + 1);
	strcpy (st->cmd, "802A0097F5");
	memset (st->cmd + 10, 'A', 2 * 245);
	for (size_t i = 0; i < 245; i++)
		st->cmd[10 + 2 * i] = '5';
	strcpy (st->cmd + 10 + 2 * 245, "00");
	st->resp = calloc (1, 258);
	st->resp[256] = 0x90;
	st->resp_len = 258;

	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_AUTH, JPKI_SCHEME_PKCS1, data, 245, sig, 256,
	                             &sig_len), JPKI_OK);
	ck_assert_uint_eq (sig_len, 256);
	assert_all_sent ();
}
END_TEST

/* ---- PSS ---- */

START_TEST (test_sign_pss)
{
	uint8_t sig[256];
	size_t sig_len = 0;

	expect (SELECT_AP, OK);
	expect_signature (sign_cmd ("049A", HASH32), 0x5C);

	ck_assert_int_eq (sign_pss (JPKI_KEY_SIGN, sig, &sig_len), JPKI_OK);
	ck_assert_uint_eq (sig_len, 256);
	assert_signature (sig, 0x5C);
	/* Known once the signature is checked: the card is not asked then. */
	ck_assert_int_ne (jpki_pss_support (card), JPKI_SUPPORT_YES);
	ck_assert (!jpki_note_signature_checked (card, JPKI_SCHEME_PSS, true));
	ck_assert_int_eq (jpki_pss_support (card), JPKI_SUPPORT_YES);
	ck_assert_int_eq (jpki_ask_pss (card), JPKI_OK);
	assert_all_sent ();
}
END_TEST

/* A PSS signature that does not verify (another salt length, or P2
 * ignored): PSS is gone, and so is the named key not yet proven; the
 * signature again selects the key EF, and its check settles PSS. */
START_TEST (test_sign_pss_unverified)
{
	uint8_t sig[256];
	size_t sig_len = 0;

	expect (SELECT_AP, OK);
	expect_signature (sign_cmd ("0497", HASH32), 0x5C);
	expect (SELECT_EF ("0017"), OK);
	expect_signature (sign_cmd ("0480", HASH32), 0x5D);
	expect_signature (sign_cmd ("0480", HASH32), 0x5D);

	ck_assert_int_eq (sign_pss (JPKI_KEY_AUTH, sig, &sig_len), JPKI_OK);
	ck_assert (jpki_note_signature_checked (card, JPKI_SCHEME_PSS, false));
	ck_assert_int_eq (jpki_pss_support (card), JPKI_SUPPORT_NO);
	ck_assert_int_eq (sign_pss (JPKI_KEY_AUTH, sig, &sig_len), JPKI_OK);
	ck_assert (!jpki_note_signature_checked (card, JPKI_SCHEME_PSS, _i == 1));
	ck_assert_int_eq (jpki_pss_support (card), _i == 1 ? JPKI_SUPPORT_YES : JPKI_SUPPORT_NO);
	ck_assert_int_eq (sign_pss (JPKI_KEY_AUTH, sig, &sig_len), JPKI_OK);   /* EF still current */
	assert_all_sent ();
}
END_TEST

/* A card that names keys but refuses P1 04: the PSS signature is refused
 * (named, then selected), PSS is gone, the named key stays. */
START_TEST (test_sign_pss_refused)
{
	uint8_t sig[256];
	size_t sig_len = 99;

	expect (SELECT_AP, OK);
	expect (sign_cmd ("0497", HASH32), "6A86");
	expect (SELECT_EF ("0017"), OK);
	expect (sign_cmd ("0480", HASH32), "6A86");
	expect_signature (sign_cmd ("0097", digest_info), 0x11);

	ck_assert_int_eq (sign_pss (JPKI_KEY_AUTH, sig, &sig_len), JPKI_NOT_SUPPORTED);
	ck_assert_uint_eq (sig_len, 0);
	ck_assert_int_eq (jpki_pss_support (card), JPKI_SUPPORT_NO);
	ck_assert_uint_eq (sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK), 256);
	assert_all_sent ();
}
END_TEST

/* What 80 2A 04 97 with no data answers, and what the module makes of it;
 * then a signature shows whether the key is named. */
static const struct ask_case {
	const char *answer;
	const char *unknown_p1;   /* to 80 2A FF 97, asked after 69 82 */
	enum jpki_support pss;
	bool named;               /* the next signature names its key */
} ask_cases[] = {
	{ "6A86", NULL, JPKI_SUPPORT_NO, false },        /* an older card */
	{ "6982", "6A86", JPKI_SUPPORT_LIKELY, true },   /* no PIN; reads P1 first */
	{ "6982", "6982", JPKI_SUPPORT_UNTOLD, true },   /* no PIN before anything */
	{ "6982", "6D00", JPKI_SUPPORT_UNTOLD, true },
	{ "6700", NULL, JPKI_SUPPORT_LIKELY, true },     /* a PIN verified: no data */
	{ "6D00", NULL, JPKI_SUPPORT_NO, true },
	{ "9000", NULL, JPKI_SUPPORT_NO, true },
};

START_TEST (test_ask_pss)
{
	const struct ask_case *c = &ask_cases[_i];
	uint8_t sig[256];

	ck_assert_int_eq (jpki_pss_support (card), JPKI_SUPPORT_UNKNOWN);
	expect (SELECT_AP, OK);
	expect ("802A0497", c->answer);
	if (c->unknown_p1 != NULL)
		expect ("802AFF97", c->unknown_p1);
	if (c->named) {
		expect_signature (sign_cmd ("0097", digest_info), 0x22);
	} else {
		expect (SELECT_EF ("0017"), OK);
		expect_signature (sign_cmd ("0080", digest_info), 0x22);
	}

	ck_assert_int_eq (jpki_ask_pss (card), JPKI_OK);
	ck_assert_int_eq (jpki_pss_support (card), c->pss);
	/* Asked once. */
	ck_assert_int_eq (jpki_ask_pss (card), JPKI_OK);
	ck_assert_uint_eq (sign_pkcs1 (JPKI_KEY_AUTH, sig, 256, JPKI_OK), 256);
	assert_all_sent ();
}
END_TEST

/* With the application only assumed selected, an answer that takes PSS
 * away (6A 86, an odd one, "untold") is asked again after a SELECT of it;
 * PSS likely is settled by the first PSS signature, which is checked. */
static const struct assumed_case {
	const char *answer, *unknown_p1;
	bool selected_again;
	enum jpki_support pss;
} assumed_cases[] = {
	{ "6A86", NULL, true, JPKI_SUPPORT_NO },
	{ "6E00", NULL, true, JPKI_SUPPORT_NO },
	{ "6982", "6982", true, JPKI_SUPPORT_UNTOLD },
	{ "6982", "6A86", false, JPKI_SUPPORT_LIKELY },
	{ "6700", NULL, false, JPKI_SUPPORT_LIKELY },
};

START_TEST (test_ask_pss_assumed_selection)
{
	const struct assumed_case *c = &assumed_cases[_i];

	expect (SELECT_AP, OK);
	expect ("802A0497", c->answer);
	if (c->unknown_p1 != NULL)
		expect ("802AFF97", c->unknown_p1);
	if (c->selected_again) {
		expect (SELECT_AP, OK);
		expect ("802A0497", c->answer);
		if (c->unknown_p1 != NULL)
			expect ("802AFF97", c->unknown_p1);
	}

	ck_assert_int_eq (jpki_select_application (card), JPKI_OK);
	jpki_transaction_end (card);
	jpki_transaction_begin (card);
	ck_assert (jpki_selection_assumed (card));
	ck_assert_int_eq (jpki_ask_pss (card), JPKI_OK);
	ck_assert_int_eq (jpki_pss_support (card), c->pss);
	assert_all_sent ();
}
END_TEST

START_TEST (test_ask_pss_card_gone)
{
	expect (SELECT_AP, OK);
	expect_transport ("802A0497", JPKI_TRANSPORT_REMOVED);

	ck_assert_int_eq (jpki_ask_pss (card), JPKI_CARD_REMOVED);
	ck_assert_int_eq (jpki_pss_support (card), JPKI_SUPPORT_UNKNOWN);
	assert_all_sent ();
}
END_TEST

static Suite *
jpki_sign_suite (void)
{
	Suite *s = suite_create ("jpki-sign");
	TCase *tc;

	tc = script_case (s, "sign");
	tcase_add_test (tc, test_sign_named);
	tcase_add_loop_test (tc, test_sign_named_refused, 0, 5);
	tcase_add_test (tc, test_sign_named_after_other_application);
	tcase_add_test (tc, test_sign_named_6a86_assumed_selection);
	tcase_add_loop_test (tc, test_sign_named_unverified, 0, 2);
	tcase_add_loop_test (tc, test_sign_named_6982, 0, 3);
	tcase_add_test (tc, test_sign_refusals);
	tcase_add_loop_test (tc, test_sign_pin_words, 0, 4);
	tcase_add_test (tc, test_sign_longest_input);
	tc = script_case (s, "pss");
	tcase_add_test (tc, test_sign_pss);
	tcase_add_loop_test (tc, test_sign_pss_unverified, 0, 2);
	tcase_add_test (tc, test_sign_pss_refused);
	tcase_add_loop_test (tc, test_ask_pss, 0, N_ROWS (ask_cases));
	tcase_add_loop_test (tc, test_ask_pss_assumed_selection, 0, N_ROWS (assumed_cases));
	tcase_add_test (tc, test_ask_pss_card_gone);
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
