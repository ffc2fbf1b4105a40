/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PIN shape rules: every rule and every boundary of module/pin.h's rules. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pin.h"

/* Marks out so that a write on a refused PIN shows. */
#define FILL 0xA5

struct result {
	enum pin_shape shape;
	uint8_t out[PIN_MAX_LEN];
	size_t out_len;
};

static struct result
prepare (enum jpki_key key, const void *pin, size_t len, bool for_new_pin)
{
	struct result r;

	memset (r.out, FILL, sizeof r.out);
	r.out_len = 999;
	r.shape = pin_prepare (key, pin, len, for_new_pin, r.out, &r.out_len);
	return r;
}

static struct result
prepare_str (enum jpki_key key, const char *pin, bool for_new_pin)
{
	return prepare (key, pin, strlen (pin), for_new_pin);
}

/* A refused PIN leaves out and out_len untouched. */
static void
assert_untouched (const struct result *r)
{
	size_t i;

	ck_assert_uint_eq (r->out_len, 999);
	for (i = 0; i < sizeof r->out; i++)
		ck_assert_uint_eq (r->out[i], FILL);
}

static void
assert_ok (const struct result *r, const char *expect)
{
	ck_assert_int_eq (r->shape, PIN_SHAPE_OK);
	ck_assert_uint_eq (r->out_len, strlen (expect));
	ck_assert_mem_eq (r->out, expect, strlen (expect));
}

static void
assert_refused (const struct result *r, enum pin_shape shape)
{
	ck_assert_int_eq (r->shape, shape);
	assert_untouched (r);
}

/* Authentication PIN: exactly four digits. */

START_TEST (auth_four_digits)
{
	struct result r;

	r = prepare_str (JPKI_KEY_AUTH, "1234", false);
	assert_ok (&r, "1234");
	r = prepare_str (JPKI_KEY_AUTH, "0000", false);
	assert_ok (&r, "0000");
	r = prepare_str (JPKI_KEY_AUTH, "9999", true);
	assert_ok (&r, "9999");
}
END_TEST

START_TEST (auth_length)
{
	struct result r;

	r = prepare_str (JPKI_KEY_AUTH, "123", false);
	assert_refused (&r, PIN_SHAPE_TOO_SHORT);
	r = prepare_str (JPKI_KEY_AUTH, "12345", false);
	assert_refused (&r, PIN_SHAPE_TOO_LONG);
	r = prepare_str (JPKI_KEY_AUTH, "", false);
	assert_refused (&r, PIN_SHAPE_TOO_SHORT);
	r = prepare (JPKI_KEY_AUTH, NULL, 0, false);
	assert_refused (&r, PIN_SHAPE_TOO_SHORT);
	/* Length is judged before characters. */
	r = prepare_str (JPKI_KEY_AUTH, "ab", false);
	assert_refused (&r, PIN_SHAPE_TOO_SHORT);
	r = prepare_str (JPKI_KEY_AUTH, "abcdef", false);
	assert_refused (&r, PIN_SHAPE_TOO_LONG);
}
END_TEST

START_TEST (auth_not_digits)
{
	static const char *const bad[] = {
		"123A", "a123", "12b4", "12 4", "12-4", "+123", "123.",
	};
	struct result r;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = prepare_str (JPKI_KEY_AUTH, bad[i], false);
		ck_assert_msg (r.shape == PIN_SHAPE_BAD_CHARACTER, "PIN %zu: shape %d", i, r.shape);
		assert_untouched (&r);
	}
	/* UTF-8 fullwidth "１２" is 6 bytes: too long before it is bad. */
	r = prepare (JPKI_KEY_AUTH, "\xef\xbc\x91\xef\xbc\x92", 6, false);
	assert_refused (&r, PIN_SHAPE_TOO_LONG);
	r = prepare (JPKI_KEY_AUTH, "12\0" "4", 4, false);
	assert_refused (&r, PIN_SHAPE_BAD_CHARACTER);
	r = prepare (JPKI_KEY_AUTH, "12\x80" "4", 4, false);
	assert_refused (&r, PIN_SHAPE_BAD_CHARACTER);
	r = prepare (JPKI_KEY_AUTH, "\xb1" "234", 4, false); /* '1' | 0x80 */
	assert_refused (&r, PIN_SHAPE_BAD_CHARACTER);
}
END_TEST

/* Signature PIN: 6 to 16 of A-Z 0-9, lower case folded. */

START_TEST (sign_length_boundaries)
{
	struct result r;

	r = prepare_str (JPKI_KEY_SIGN, "ABC12", false);
	assert_refused (&r, PIN_SHAPE_TOO_SHORT);
	r = prepare_str (JPKI_KEY_SIGN, "ABC123", false);
	assert_ok (&r, "ABC123");
	r = prepare_str (JPKI_KEY_SIGN, "ABCDEFGH12345678", false);
	assert_ok (&r, "ABCDEFGH12345678");
	r = prepare_str (JPKI_KEY_SIGN, "ABCDEFGH123456789", false);
	assert_refused (&r, PIN_SHAPE_TOO_LONG);
	r = prepare_str (JPKI_KEY_SIGN, "", false);
	assert_refused (&r, PIN_SHAPE_TOO_SHORT);
	/* Length before characters. */
	r = prepare_str (JPKI_KEY_SIGN, "!!!", false);
	assert_refused (&r, PIN_SHAPE_TOO_SHORT);
	r = prepare_str (JPKI_KEY_SIGN, "!!!!!!!!!!!!!!!!!", false);
	assert_refused (&r, PIN_SHAPE_TOO_LONG);
}
END_TEST

START_TEST (sign_folds_lowercase)
{
	struct result r;

	r = prepare_str (JPKI_KEY_SIGN, "abc123", false);
	assert_ok (&r, "ABC123");
	r = prepare_str (JPKI_KEY_SIGN, "aBcDeFgHiJkLmN0z", false);
	assert_ok (&r, "ABCDEFGHIJKLMN0Z");
	r = prepare_str (JPKI_KEY_SIGN, "az09AZ", true);
	assert_ok (&r, "AZ09AZ");
	/* Bytes beyond the PIN are left alone. */
	ck_assert_uint_eq (r.out[6], FILL);
}
END_TEST

START_TEST (sign_bad_characters)
{
	static const char *const bad[] = {
		"ABC 123", "ABC-123", "ABC_123", "abc@123", "ABC123!", "[ABC12", "`abc12",
		"{abc12", "ABC12/", "ABC12:", "ABC\t123",
	};
	struct result r;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = prepare_str (JPKI_KEY_SIGN, bad[i], false);
		ck_assert_msg (r.shape == PIN_SHAPE_BAD_CHARACTER, "PIN \"%s\": shape %d", bad[i], r.shape);
		assert_untouched (&r);
	}
	r = prepare (JPKI_KEY_SIGN, "ABC\0" "123", 7, false);
	assert_refused (&r, PIN_SHAPE_BAD_CHARACTER);
	r = prepare (JPKI_KEY_SIGN, "ABC123\x80", 7, false);
	assert_refused (&r, PIN_SHAPE_BAD_CHARACTER);
	r = prepare (JPKI_KEY_SIGN, "ABC123\xff", 7, false);
	assert_refused (&r, PIN_SHAPE_BAD_CHARACTER);
	/* 'a' | 0x80 must not fold into a letter. */
	r = prepare (JPKI_KEY_SIGN, "\xe1" "BC123", 6, false);
	assert_refused (&r, PIN_SHAPE_BAD_CHARACTER);
	/* UTF-8 fullwidth "ＡＢ" (6 bytes). */
	r = prepare (JPKI_KEY_SIGN, "\xef\xbc\xa1\xef\xbc\xa2", 6, false);
	assert_refused (&r, PIN_SHAPE_BAD_CHARACTER);
}
END_TEST

START_TEST (sign_mixed_only_for_new)
{
	struct result r;

	/* An existing PIN: only digits or only letters still goes to the card. */
	r = prepare_str (JPKI_KEY_SIGN, "123456", false);
	assert_ok (&r, "123456");
	r = prepare_str (JPKI_KEY_SIGN, "abcdef", false);
	assert_ok (&r, "ABCDEF");

	r = prepare_str (JPKI_KEY_SIGN, "123456", true);
	assert_refused (&r, PIN_SHAPE_NOT_MIXED);
	r = prepare_str (JPKI_KEY_SIGN, "abcdef", true);
	assert_refused (&r, PIN_SHAPE_NOT_MIXED);
	r = prepare_str (JPKI_KEY_SIGN, "ABCDEFGHIJKLMNOP", true);
	assert_refused (&r, PIN_SHAPE_NOT_MIXED);
	r = prepare_str (JPKI_KEY_SIGN, "A23456", true);
	assert_ok (&r, "A23456");
	r = prepare_str (JPKI_KEY_SIGN, "abcde9", true);
	assert_ok (&r, "ABCDE9");
	/* Bad characters win over the mix rule; length wins over both. */
	r = prepare_str (JPKI_KEY_SIGN, "123 456", true);
	assert_refused (&r, PIN_SHAPE_BAD_CHARACTER);
	r = prepare_str (JPKI_KEY_SIGN, "12345", true);
	assert_refused (&r, PIN_SHAPE_TOO_SHORT);
}
END_TEST

START_TEST (reasons_and_tries)
{
	ck_assert_str_eq (pin_shape_reason (PIN_SHAPE_TOO_SHORT), "PIN is too short");
	ck_assert_str_eq (pin_shape_reason (PIN_SHAPE_TOO_LONG), "PIN is too long");
	ck_assert_str_eq (pin_shape_reason (PIN_SHAPE_BAD_CHARACTER),
	                  "PIN contains a character that is not allowed");
	ck_assert_str_eq (pin_shape_reason (PIN_SHAPE_NOT_MIXED),
	                  "new PIN must contain both letters and digits");
	ck_assert_str_eq (pin_shape_reason (PIN_SHAPE_OK), "PIN has a valid shape");
	ck_assert_str_eq (pin_shape_reason ((enum pin_shape) 77), "unknown PIN shape");

	ck_assert_int_eq (pin_max_tries (JPKI_KEY_AUTH), 3);
	ck_assert_int_eq (pin_max_tries (JPKI_KEY_SIGN), 5);
}
END_TEST

START_TEST (wipe)
{
	uint8_t buf[PIN_MAX_LEN];
	size_t i;

	memset (buf, 'X', sizeof buf);
	pin_wipe (buf, 10);
	for (i = 0; i < 10; i++)
		ck_assert_uint_eq (buf[i], 0);
	for (; i < sizeof buf; i++)
		ck_assert_uint_eq (buf[i], 'X');
	pin_wipe (NULL, 0);
	pin_wipe (buf, 0);
	ck_assert_uint_eq (buf[10], 'X');
}
END_TEST

static Suite *
pin_suite (void)
{
	Suite *s = suite_create ("pin");
	TCase *tc = tcase_create ("shape");

	tcase_add_test (tc, auth_four_digits);
	tcase_add_test (tc, auth_length);
	tcase_add_test (tc, auth_not_digits);
	tcase_add_test (tc, sign_length_boundaries);
	tcase_add_test (tc, sign_folds_lowercase);
	tcase_add_test (tc, sign_bad_characters);
	tcase_add_test (tc, sign_mixed_only_for_new);
	tcase_add_test (tc, reasons_and_tries);
	tcase_add_test (tc, wipe);
	suite_add_tcase (s, tc);
	return s;
}

int
main (void)
{
	SRunner *sr = srunner_create (pin_suite ());
	int failed;

	srunner_run_all (sr, CK_NORMAL);
	failed = srunner_ntests_failed (sr);
	srunner_free (sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
