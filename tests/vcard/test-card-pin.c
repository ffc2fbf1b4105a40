/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* VERIFY, CHANGE REFERENCE DATA, tries and their state files. */
#include <string.h>

#include "test-fixture.h"

static const struct fixture_spec adult;

#define VERIFY_AUTH_1234 "002000800431323334"
#define VERIFY_AUTH_0000 "002000800430303030"
#define VERIFY_EMPTY "00200080"
#define SIGN_HELLO "802A00800568656C6C6F00"

START_TEST(verify_needs_pin_ef)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_1234), 0x6986);
	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_1234), 0x6986);
	select_ef(card, 0x000A);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_1234), 0x6986);
	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x6986);
	/* nothing was counted */
	ck_assert_str_eq(fixture_read("state/auth-tries"), "");
	vcard_close(card);
}
END_TEST

START_TEST(verify_wrong_p1_p2)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, "002001800431323334"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, "002000810431323334"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, "00200000"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C3);
	vcard_close(card);
}
END_TEST

START_TEST(verify_with_le_is_wrong_length)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_1234 "00"), 0x6700);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C3);
	vcard_close(card);
}
END_TEST

START_TEST(verify_correct_pin)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_1234), 0x9000);
	ck_assert_str_eq(fixture_read("state/auth-tries"), "3\n");
	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x9000);
	vcard_close(card);
}
END_TEST

START_TEST(verify_wrong_pin_counts_down_to_blocked)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_0000), 0x63C2);
	ck_assert_str_eq(fixture_read("state/auth-tries"), "2\n");
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_0000), 0x63C1);
	ck_assert_str_eq(fixture_read("state/auth-tries"), "1\n");
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_0000), 0x63C0);
	ck_assert_str_eq(fixture_read("state/auth-tries"), "0\n");
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_0000), 0x6983);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_1234), 0x6983);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x6983);
	ck_assert_str_eq(fixture_read("state/auth-tries"), "0\n");
	/* the sign PIN is counted apart */
	select_ef(card, 0x001B);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C5);
	vcard_close(card);
}
END_TEST

START_TEST(verify_sign_pin_counts_from_5)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x001B);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C5);
	ck_assert_uint_eq(send_hex(card, "0020008006414243313234"), 0x63C4);
	ck_assert_str_eq(fixture_read("state/sign-tries"), "4\n");
	/* lowercase is another PIN: the card does not fold case */
	ck_assert_uint_eq(send_hex(card, "0020008006616263313233"), 0x63C3);
	ck_assert_uint_eq(send_hex(card, "0020008006414243313233"), 0x9000);
	ck_assert_str_eq(fixture_read("state/sign-tries"), "5\n");
	vcard_close(card);
}
END_TEST

START_TEST(verify_correct_pin_restores_tries)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_0000), 0x63C2);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_0000), 0x63C1);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_1234), 0x9000);
	ck_assert_str_eq(fixture_read("state/auth-tries"), "3\n");
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C3);
	vcard_close(card);
}
END_TEST

START_TEST(verify_pin_of_other_length_is_a_wrong_try)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, "00200080053132333435"), 0x63C2);
	ck_assert_uint_eq(send_hex(card, "0020008003313233"), 0x63C1);
	vcard_close(card);
}
END_TEST

START_TEST(empty_verify_uses_no_try)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C3);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C3);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_0000), 0x63C2);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C2);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C2);
	ck_assert_str_eq(fixture_read("state/auth-tries"), "2\n");
	vcard_close(card);
}
END_TEST

START_TEST(empty_verify_after_login_63cx)
{
	/* card.conf absent and card.conf saying 63cx behave alike */
	static const char *const confs[] = { NULL, "empty-verify-after-login=63cx\n" };

	for (size_t i = 0; i < 2; i++) {
		struct fixture_spec spec = { .card_conf = confs[i] };
		struct vcard *card = fixture_open_card(&spec, NULL);

		verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
		ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C3);
		/* and the PIN is still verified */
		select_ef(card, 0x0017);
		ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x9000);
		vcard_close(card);
	}
}
END_TEST

START_TEST(empty_verify_after_login_9000)
{
	struct fixture_spec spec = { .card_conf = "# test\n empty-verify-after-login = 9000 \n" };
	struct vcard *card = fixture_open_card(&spec, NULL);

	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C3);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_1234), 0x9000);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x9000);
	/* only for the PIN that is verified */
	select_ef(card, 0x001B);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C5);
	/* a wrong try logs out */
	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_0000), 0x63C2);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C2);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_1234), 0x9000);
	/* so does the MF */
	ck_assert_uint_eq(send_hex(card, "00A4000C"), 0x9000);
	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C3);
	vcard_close(card);
}
END_TEST

START_TEST(wrong_pin_clears_verified_state)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_0000), 0x63C2);
	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x6982);
	vcard_close(card);
}
END_TEST

START_TEST(pins_are_verified_separately)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	select_ef(card, 0x001A);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x6982);
	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x9000);
	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	select_ef(card, 0x001A);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x9000);
	/* losing the sign PIN keeps the auth PIN */
	select_ef(card, 0x001B);
	ck_assert_uint_eq(send_hex(card, "0020008006414243313234"), 0x63C4);
	select_ef(card, 0x001A);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x6982);
	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x9000);
	vcard_close(card);
}
END_TEST

START_TEST(tries_come_from_state_files)
{
	struct fixture_spec spec = { .auth_tries_file = "1\n", .sign_tries_file = "0" };
	struct vcard *card = fixture_open_card(&spec, NULL);

	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C1);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_0000), 0x63C0);
	select_ef(card, 0x001B);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x6983);
	ck_assert_uint_eq(send_hex(card, "0020008006414243313233"), 0x6983);
	ck_assert_str_eq(fixture_read("state/sign-tries"), "0");
	vcard_close(card);
}
END_TEST

START_TEST(state_persists_across_reopen)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	char dir[4096];
	char error[256];

	snprintf(dir, sizeof(dir), "%s", fixture_dir());
	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_0000), 0x63C2);
	select_ef(card, 0x001B);
	ck_assert_uint_eq(send_hex(card, "0020008006414243313234"), 0x63C4);
	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, "002401800439383736"), 0x9000);
	vcard_close(card);

	card = vcard_open(dir, NULL, error, sizeof(error));
	ck_assert_msg(card != NULL, "%s", error);
	select_ef(card, 0x001B);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C4);
	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C3);
	ck_assert_uint_eq(send_hex(card, "002000800439383736"), 0x9000);
	vcard_close(card);
}
END_TEST

START_TEST(pin_file_may_end_in_newline)
{
	struct fixture_spec spec = { .auth_pin_file = "1234\n", .sign_pin_file = "ABC123\r\n" };
	struct vcard *card = fixture_open_card(&spec, NULL);

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	vcard_close(card);
}
END_TEST

START_TEST(under_15_card_has_no_sign_files)
{
	struct fixture_spec spec = { .no_sign = true };
	struct vcard *card = fixture_open_card(&spec, NULL);

	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	ck_assert_uint_eq(send_hex(card, "00A4020C020001"), 0x6A82);
	ck_assert_uint_eq(send_hex(card, "00A4020C02001A"), 0x6A82);
	ck_assert_uint_eq(send_hex(card, "00A4020C02001B"), 0x6A82);
	ck_assert_uint_eq(send_hex(card, "00A4020C020018"), 0x9000);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x63C3);
	vcard_close(card);
}
END_TEST

START_TEST(face_auth_card_has_no_pins)
{
	struct fixture_spec spec = { .no_sign = true, .no_pins = true };
	struct vcard *card = fixture_open_card(&spec, NULL);

	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	ck_assert_uint_eq(send_hex(card, "00A4020C020018"), 0x6A82);
	ck_assert_uint_eq(send_hex(card, "00A4020C02001B"), 0x6A82);
	/* the key is there but can never be used */
	ck_assert_uint_eq(send_hex(card, "00A4020C020017"), 0x9000);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x6982);
	ck_assert_uint_eq(send_hex(card, VERIFY_EMPTY), 0x6986);
	select_ef(card, 0x000A);
	ck_assert_uint_eq(send_hex(card, "00B0000004"), 0x9000);
	vcard_close(card);
}
END_TEST

START_TEST(change_auth_pin)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_0000), 0x63C2);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_1234), 0x9000);
	ck_assert_uint_eq(send_hex(card, "002401800435363738"), 0x9000);
	ck_assert_str_eq(fixture_read("pins/auth"), "5678");
	ck_assert_str_eq(fixture_read("state/auth-tries"), "3\n");
	/* still verified after the change */
	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x9000);
	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, VERIFY_AUTH_1234), 0x63C2);
	ck_assert_uint_eq(send_hex(card, "002000800435363738"), 0x9000);
	vcard_close(card);
}
END_TEST

START_TEST(change_sign_pin)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	ck_assert_uint_eq(send_hex(card, "00240180104142434445464748494A4B4C4D4E3031"), 0x9000);
	ck_assert_str_eq(fixture_read("pins/sign"), "ABCDEFGHIJKLMN01");
	/* letters only has the shape the card checks */
	ck_assert_uint_eq(send_hex(card, "0024018006414243444546"), 0x9000);
	ck_assert_str_eq(fixture_read("pins/sign"), "ABCDEF");
	ck_assert_str_eq(fixture_read("pins/auth"), FIXTURE_AUTH_PIN);
	vcard_close(card);
}
END_TEST

START_TEST(change_pin_needs_verified_pin)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, "002401800435363738"), 0x6982);
	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, "002401800435363738"), 0x6982);
	ck_assert_str_eq(fixture_read("pins/auth"), FIXTURE_AUTH_PIN);
	vcard_close(card);
}
END_TEST

START_TEST(change_pin_shape)
{
	static const char *const bad_auth[] = {
		"002401800431326134", "0024018003313233", "00240180053132333435",
	};
	static const char *const bad_sign[] = {
		"0024018006616263313233",       /* lowercase */
		"00240180054142433132",         /* 5 long */
		"00240180114142434445464748494A4B4C4D4E303132", /* 17 long */
		"00240180064142432D3132",       /* '-' */
	};
	struct vcard *card = fixture_open_card(&adult, NULL);

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	for (size_t i = 0; i < sizeof(bad_auth) / sizeof(bad_auth[0]); i++)
		ck_assert_uint_eq(send_hex(card, bad_auth[i]), 0x6A80);
	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	for (size_t i = 0; i < sizeof(bad_sign) / sizeof(bad_sign[0]); i++)
		ck_assert_uint_eq(send_hex(card, bad_sign[i]), 0x6A80);
	ck_assert_str_eq(fixture_read("pins/auth"), FIXTURE_AUTH_PIN);
	ck_assert_str_eq(fixture_read("pins/sign"), FIXTURE_SIGN_PIN);
	vcard_close(card);
}
END_TEST

START_TEST(change_pin_parameters_and_lengths)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	ck_assert_uint_eq(send_hex(card, "002400800435363738"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, "002401810435363738"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, "00240180"), 0x6700);
	ck_assert_uint_eq(send_hex(card, "00240180043536373800"), 0x6700);
	select_ef(card, 0x000A);
	ck_assert_uint_eq(send_hex(card, "002401800435363738"), 0x6986);
	ck_assert_str_eq(fixture_read("pins/auth"), FIXTURE_AUTH_PIN);
	vcard_close(card);
}
END_TEST

START_TEST(change_blocked_pin)
{
	struct fixture_spec spec = { .auth_tries_file = "0\n" };
	struct vcard *card = fixture_open_card(&spec, NULL);

	select_ef(card, 0x0018);
	ck_assert_uint_eq(send_hex(card, "002401800435363738"), 0x6983);
	vcard_close(card);
}
END_TEST

Suite *card_pin_suite(void)
{
	Suite *s = suite_create("pin");
	TCase *tc = tcase_create("pin");

	tcase_add_test(tc, verify_needs_pin_ef);
	tcase_add_test(tc, verify_wrong_p1_p2);
	tcase_add_test(tc, verify_with_le_is_wrong_length);
	tcase_add_test(tc, verify_correct_pin);
	tcase_add_test(tc, verify_wrong_pin_counts_down_to_blocked);
	tcase_add_test(tc, verify_sign_pin_counts_from_5);
	tcase_add_test(tc, verify_correct_pin_restores_tries);
	tcase_add_test(tc, verify_pin_of_other_length_is_a_wrong_try);
	tcase_add_test(tc, empty_verify_uses_no_try);
	tcase_add_test(tc, empty_verify_after_login_63cx);
	tcase_add_test(tc, empty_verify_after_login_9000);
	tcase_add_test(tc, wrong_pin_clears_verified_state);
	tcase_add_test(tc, pins_are_verified_separately);
	tcase_add_test(tc, tries_come_from_state_files);
	tcase_add_test(tc, state_persists_across_reopen);
	tcase_add_test(tc, pin_file_may_end_in_newline);
	tcase_add_test(tc, under_15_card_has_no_sign_files);
	tcase_add_test(tc, face_auth_card_has_no_pins);
	tcase_add_test(tc, change_auth_pin);
	tcase_add_test(tc, change_sign_pin);
	tcase_add_test(tc, change_pin_needs_verified_pin);
	tcase_add_test(tc, change_pin_shape);
	tcase_add_test(tc, change_pin_parameters_and_lengths);
	tcase_add_test(tc, change_blocked_pin);
	suite_add_tcase(s, tc);
	return s;
}
