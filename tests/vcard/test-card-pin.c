/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* VERIFY, CHANGE REFERENCE DATA, tries and their state files. */
#include <string.h>

#include "test-fixture.h"

static const struct fixture_spec adult;

#define VERIFY_AUTH_1234 "002000800431323334"
#define VERIFY_AUTH_0000 "002000800430303030"
#define VERIFY_EMPTY "00200080"
#define SIGN_HELLO "802A00800568656C6C6F00"

#define AUTH_TRIES(text) STEP_FILE("state/auth-tries", text)
#define SIGN_TRIES(text) STEP_FILE("state/sign-tries", text)
#define CHANGE_AUTH_5678 "002401800435363738"

/* VERIFY and CHANGE REFERENCE DATA sequences on a fresh card, with the
 * status words they must get and the state files they must leave. */
static const struct card_script scripts[] = {
	{ "verify needs PIN EF", .steps = {
		{ VERIFY_AUTH_1234, 0x6986 },
		{ SELECT_JPKI, 0x9000 },
		{ VERIFY_AUTH_1234, 0x6986 },
		STEPS_SELECT_EF("000A"), { VERIFY_AUTH_1234, 0x6986 },
		STEPS_SELECT_EF("0017"), { VERIFY_EMPTY, 0x6986 },
		/* nothing was counted */
		AUTH_TRIES(""),
	} },
	{ "verify wrong P1 P2", .steps = {
		STEPS_SELECT_EF("0018"),
		{ "002001800431323334", 0x6A86 },
		{ "002000810431323334", 0x6A86 },
		{ "00200000", 0x6A86 },
		{ VERIFY_EMPTY, 0x63C3 },
	} },
	{ "verify with Le is wrong length", .steps = {
		STEPS_SELECT_EF("0018"),
		{ VERIFY_AUTH_1234 "00", 0x6700 },
		{ VERIFY_EMPTY, 0x63C3 },
	} },
	{ "verify correct PIN", .steps = {
		STEPS_SELECT_EF("0018"),
		{ VERIFY_AUTH_1234, 0x9000 },
		AUTH_TRIES("3\n"),
		STEPS_SELECT_EF("0017"), { SIGN_HELLO, 0x9000 },
	} },
	{ "verify wrong PIN counts down to blocked", .steps = {
		STEPS_SELECT_EF("0018"),
		{ VERIFY_AUTH_0000, 0x63C2 }, AUTH_TRIES("2\n"),
		{ VERIFY_AUTH_0000, 0x63C1 }, AUTH_TRIES("1\n"),
		{ VERIFY_AUTH_0000, 0x63C0 }, AUTH_TRIES("0\n"),
		{ VERIFY_AUTH_0000, 0x6983 },
		{ VERIFY_AUTH_1234, 0x6983 },
		{ VERIFY_EMPTY, 0x6983 },
		AUTH_TRIES("0\n"),
		/* the sign PIN is counted apart */
		STEPS_SELECT_EF("001B"), { VERIFY_EMPTY, 0x63C5 },
	} },
	{ "verify sign PIN counts from 5", .steps = {
		STEPS_SELECT_EF("001B"),
		{ VERIFY_EMPTY, 0x63C5 },
		{ "0020008006414243313234", 0x63C4 },
		SIGN_TRIES("4\n"),
		/* lowercase is another PIN: the card does not fold case */
		{ "0020008006616263313233", 0x63C3 },
		{ "0020008006414243313233", 0x9000 },
		SIGN_TRIES("5\n"),
	} },
	{ "verify correct PIN restores tries", .steps = {
		STEPS_SELECT_EF("0018"),
		{ VERIFY_AUTH_0000, 0x63C2 },
		{ VERIFY_AUTH_0000, 0x63C1 },
		{ VERIFY_AUTH_1234, 0x9000 },
		AUTH_TRIES("3\n"),
		{ VERIFY_EMPTY, 0x63C3 },
	} },
	{ "verify PIN of other length is a wrong try", .steps = {
		STEPS_SELECT_EF("0018"),
		{ "00200080053132333435", 0x63C2 },
		{ "0020008003313233", 0x63C1 },
	} },
	{ "empty verify uses no try", .steps = {
		STEPS_SELECT_EF("0018"),
		{ VERIFY_EMPTY, 0x63C3 },
		{ VERIFY_EMPTY, 0x63C3 },
		{ VERIFY_AUTH_0000, 0x63C2 },
		{ VERIFY_EMPTY, 0x63C2 },
		{ VERIFY_EMPTY, 0x63C2 },
		AUTH_TRIES("2\n"),
	} },
	/* card.conf absent and card.conf saying 63cx behave alike; the PIN
	 * is still verified after the empty VERIFY. */
	{ "empty verify after login, no card.conf", .steps = {
		STEPS_VERIFY_AUTH,
		{ VERIFY_EMPTY, 0x63C3 },
		STEPS_SELECT_EF("0017"), { SIGN_HELLO, 0x9000 },
	} },
	{ "empty verify after login 63cx",
	  .spec = { .card_conf = "empty-verify-after-login=63cx\n" }, .steps = {
		STEPS_VERIFY_AUTH,
		{ VERIFY_EMPTY, 0x63C3 },
		STEPS_SELECT_EF("0017"), { SIGN_HELLO, 0x9000 },
	} },
	{ "empty verify after login 9000",
	  .spec = { .card_conf = "# test\n empty-verify-after-login = 9000 \n" }, .steps = {
		STEPS_SELECT_EF("0018"),
		{ VERIFY_EMPTY, 0x63C3 },
		{ VERIFY_AUTH_1234, 0x9000 },
		{ VERIFY_EMPTY, 0x9000 },
		/* only for the PIN that is verified */
		STEPS_SELECT_EF("001B"), { VERIFY_EMPTY, 0x63C5 },
		/* a wrong try logs out */
		STEPS_SELECT_EF("0018"),
		{ VERIFY_AUTH_0000, 0x63C2 },
		{ VERIFY_EMPTY, 0x63C2 },
		{ VERIFY_AUTH_1234, 0x9000 },
		/* so does the MF */
		{ "00A4000C", 0x9000 },
		STEPS_SELECT_EF("0018"), { VERIFY_EMPTY, 0x63C3 },
	} },
	{ "wrong PIN clears verified state", .steps = {
		STEPS_VERIFY_AUTH,
		STEPS_SELECT_EF("0018"), { VERIFY_AUTH_0000, 0x63C2 },
		STEPS_SELECT_EF("0017"), { SIGN_HELLO, 0x6982 },
	} },
	{ "PINs are verified separately", .steps = {
		STEPS_VERIFY_AUTH,
		STEPS_SELECT_EF("001A"), { SIGN_HELLO, 0x6982 },
		STEPS_SELECT_EF("0017"), { SIGN_HELLO, 0x9000 },
		STEPS_VERIFY_SIGN,
		STEPS_SELECT_EF("001A"), { SIGN_HELLO, 0x9000 },
		/* losing the sign PIN keeps the auth PIN */
		STEPS_SELECT_EF("001B"), { "0020008006414243313234", 0x63C4 },
		STEPS_SELECT_EF("001A"), { SIGN_HELLO, 0x6982 },
		STEPS_SELECT_EF("0017"), { SIGN_HELLO, 0x9000 },
	} },
	{ "tries come from state files",
	  .spec = { .auth_tries_file = "1\n", .sign_tries_file = "0" }, .steps = {
		STEPS_SELECT_EF("0018"),
		{ VERIFY_EMPTY, 0x63C1 },
		{ VERIFY_AUTH_0000, 0x63C0 },
		STEPS_SELECT_EF("001B"),
		{ VERIFY_EMPTY, 0x6983 },
		{ "0020008006414243313233", 0x6983 },
		SIGN_TRIES("0"),
	} },
	{ "PIN file may end in newline",
	  .spec = { .auth_pin_file = "1234\n", .sign_pin_file = "ABC123\r\n" }, .steps = {
		STEPS_VERIFY_AUTH,
		STEPS_VERIFY_SIGN,
	} },
	{ "under-15 card has no sign files", .spec = { .no_sign = true }, .steps = {
		{ SELECT_JPKI, 0x9000 },
		{ "00A4020C020001", 0x6A82 },
		{ "00A4020C02001A", 0x6A82 },
		{ "00A4020C02001B", 0x6A82 },
		{ "00A4020C020018", 0x9000 },
		{ VERIFY_EMPTY, 0x63C3 },
	} },
	{ "face-auth card has no PINs", .spec = { .no_sign = true, .no_pins = true }, .steps = {
		{ SELECT_JPKI, 0x9000 },
		{ "00A4020C020018", 0x6A82 },
		{ "00A4020C02001B", 0x6A82 },
		/* the key is there but can never be used */
		{ "00A4020C020017", 0x9000 },
		{ SIGN_HELLO, 0x6982 },
		{ VERIFY_EMPTY, 0x6986 },
		STEPS_SELECT_EF("000A"), { "00B0000004", 0x9000 },
	} },
	{ "change auth PIN", .steps = {
		STEPS_SELECT_EF("0018"),
		{ VERIFY_AUTH_0000, 0x63C2 },
		{ VERIFY_AUTH_1234, 0x9000 },
		{ CHANGE_AUTH_5678, 0x9000 },
		STEP_FILE("pins/auth", "5678"),
		AUTH_TRIES("3\n"),
		/* still verified after the change */
		STEPS_SELECT_EF("0017"), { SIGN_HELLO, 0x9000 },
		STEPS_SELECT_EF("0018"),
		{ VERIFY_AUTH_1234, 0x63C2 },
		{ "002000800435363738", 0x9000 },
	} },
	{ "change sign PIN", .steps = {
		STEPS_VERIFY_SIGN,
		{ "00240180104142434445464748494A4B4C4D4E3031", 0x9000 },
		STEP_FILE("pins/sign", "ABCDEFGHIJKLMN01"),
		/* letters only has the shape the card checks */
		{ "0024018006414243444546", 0x9000 },
		STEP_FILE("pins/sign", "ABCDEF"),
		STEP_FILE("pins/auth", FIXTURE_AUTH_PIN),
	} },
	{ "change PIN needs verified PIN", .steps = {
		STEPS_SELECT_EF("0018"), { CHANGE_AUTH_5678, 0x6982 },
		STEPS_VERIFY_SIGN,
		STEPS_SELECT_EF("0018"), { CHANGE_AUTH_5678, 0x6982 },
		STEP_FILE("pins/auth", FIXTURE_AUTH_PIN),
	} },
	{ "change PIN shape", .steps = {
		STEPS_VERIFY_AUTH,
		{ "002401800431326134", 0x6A80 },
		{ "0024018003313233", 0x6A80 },
		{ "00240180053132333435", 0x6A80 },
		STEPS_VERIFY_SIGN,
		{ "0024018006616263313233", 0x6A80 },       /* lowercase */
		{ "00240180054142433132", 0x6A80 },         /* 5 long */
		{ "00240180114142434445464748494A4B4C4D4E303132", 0x6A80 }, /* 17 long */
		{ "00240180064142432D3132", 0x6A80 },       /* '-' */
		STEP_FILE("pins/auth", FIXTURE_AUTH_PIN),
		STEP_FILE("pins/sign", FIXTURE_SIGN_PIN),
	} },
	{ "change PIN parameters and lengths", .steps = {
		STEPS_VERIFY_AUTH,
		{ "002400800435363738", 0x6A86 },
		{ "002401810435363738", 0x6A86 },
		{ "00240180", 0x6700 },
		{ "00240180043536373800", 0x6700 },
		STEPS_SELECT_EF("000A"), { CHANGE_AUTH_5678, 0x6986 },
		STEP_FILE("pins/auth", FIXTURE_AUTH_PIN),
	} },
	{ "change blocked PIN", .spec = { .auth_tries_file = "0\n" }, .steps = {
		STEPS_SELECT_EF("0018"), { CHANGE_AUTH_5678, 0x6983 },
	} },
};

START_TEST(scripted_pin_commands)
{
	run_card_script(&scripts[_i]);
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

Suite *card_pin_suite(void)
{
	Suite *s = suite_create("pin");
	TCase *tc = tcase_create("pin");

	tcase_add_loop_test(tc, scripted_pin_commands, 0, sizeof(scripts) / sizeof(scripts[0]));
	tcase_add_test(tc, state_persists_across_reopen);
	suite_add_tcase(s, tc);
	return s;
}
