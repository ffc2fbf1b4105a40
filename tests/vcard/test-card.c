/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vcard-card: the virtual card through its API.  SELECT, READ BINARY,
 * class/instruction and length errors, power; the PIN, signature, APDU
 * and profile suites are in test-card-*.c. */
#include <string.h>

#include "test-fixture.h"

static const struct fixture_spec adult;

/* READ BINARY at offset with short Le (0 = 256); returns the SW. */
static uint16_t read_binary(struct vcard *card, unsigned offset, unsigned le)
{
	char hex[32];

	snprintf(hex, sizeof(hex), "00B0%04X%02X", offset, le & 0xFF);
	return send_hex(card, hex);
}

START_TEST(atr_default_is_contact_atr)
{
	static const uint8_t expected[] = { 0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14 };
	struct vcard *card = fixture_open_card(&adult, NULL);
	size_t len;
	const uint8_t *atr = vcard_atr(card, &len);

	ck_assert_uint_eq(len, sizeof(expected));
	ck_assert_mem_eq(atr, expected, len);
	vcard_close(card);
}
END_TEST

START_TEST(atr_contactless_has_part3_shape_and_tck)
{
	struct vcard_options opt = { .contactless_atr = true };
	struct vcard *card = fixture_open_card(&adult, &opt);
	size_t len;
	const uint8_t *atr = vcard_atr(card, &len);
	uint8_t check = 0;

	ck_assert_uint_eq(len, 13);
	ck_assert_mem_eq(atr, "\x3B\x88\x80\x01\x00\x00\x00\x00\x00\x81\x71\x00\xF9", 13);
	/* TCK makes the XOR of T0..TCK zero */
	for (size_t i = 1; i < len; i++)
		check ^= atr[i];
	ck_assert_uint_eq(check, 0);
	vcard_close(card);
}
END_TEST

START_TEST(read_token_info)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x0006);
	ck_assert_uint_eq(read_binary(card, 0, 0x20), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 32);
	ck_assert_mem_eq(fixture_response, "JPKIAPICCTOKEN2                 ", 32);
	ck_assert_uint_eq(read_binary(card, 0x0C, 0x10), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 16);
	ck_assert_mem_eq(fixture_response, "EN2             ", 16);
	vcard_close(card);
}
END_TEST

START_TEST(small_response_buffer)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	uint8_t cmd[5] = { 0x00, 0xB0, 0x00, 0x00, 0x20 };
	uint8_t resp[8];

	select_ef(card, 0x0006);
	ck_assert_uint_eq(vcard_transmit(card, cmd, sizeof(cmd), resp, sizeof(resp)), 2);
	ck_assert_mem_eq(resp, "\x6F\x00", 2);
	ck_assert_uint_eq(vcard_transmit(card, cmd, sizeof(cmd), resp, 1), 0);
	vcard_close(card);
}
END_TEST

START_TEST(power_cycle_and_reset_clear_state)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	void (*const events[])(struct vcard *) = { vcard_reset, vcard_power_off, vcard_power_on };

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
		select_ef(card, 0x0001);
		events[i](card);
		/* MF current, no EF, no PIN */
		ck_assert_uint_eq(read_binary(card, 0, 4), 0x6986);
		ck_assert_uint_eq(send_hex(card, "00A4020C020001"), 0x6A82);
		select_ef(card, 0x0001);
		ck_assert_uint_eq(read_binary(card, 0, 4), 0x6982);
	}
	vcard_close(card);
}
END_TEST

/* Command sequences on a fresh card, each with the status words (and
 * data) it must get. */
static const struct card_script scripts[] = {
	/* --no-jpki: another kind of card, whose SELECT of the JPKI AID fails. */
	{ "no JPKI card refuses the AID", .opt = { .no_jpki = true }, .steps = {
		{ SELECT_JPKI, 0x6A82 },
		{ "00A4020C02000A", 0x6A82 },
	} },
	{ "select JPKI AID", .steps = {
		{ SELECT_JPKI, 0x9000, .no_data = true },
		{ "00A404000AD392F000260100000001", 0x9000 },
		/* P2 00 with Le: still no FCI */
		{ "00A404000AD392F00026010000000100", 0x9000, .no_data = true },
	} },
	{ "select other AID leaves state", .steps = {
		STEPS_SELECT_EF("000A"),
		{ "00A4040C07A0000000030000", 0x6A82 },
		/* a prefix of the JPKI AID is another AID */
		{ "00A4040C06D392F0002601", 0x6A82 },
		/* still in the JPKI AP with 000A current */
		{ "00B0000004", 0x9000 },
		{ "00A4020C02000B", 0x9000 },
	} },
	{ "select AID wrong Lc", .steps = {
		{ "00A4040C", 0x6700 },
		{ "00A4040C11D392F000260100000001000000000000000000", 0x6700 },
	} },
	{ "select EF needs JPKI AP", .steps = {
		{ "00A4020C02000A", 0x6A82 },
		{ SELECT_JPKI, 0x9000 },
		{ "00A4020C02000A", 0x9000 },
	} },
	{ "select every EF of an adult card", .steps = {
		STEPS_SELECT_EF("0006"), STEPS_SELECT_EF("0008"), STEPS_SELECT_EF("000A"),
		STEPS_SELECT_EF("000B"), STEPS_SELECT_EF("0001"), STEPS_SELECT_EF("0002"),
		STEPS_SELECT_EF("0017"), STEPS_SELECT_EF("0018"), STEPS_SELECT_EF("001A"),
		STEPS_SELECT_EF("001B"),
	} },
	{ "select missing EF", .steps = {
		{ SELECT_JPKI, 0x9000 },
		{ "00A4020C020003", 0x6A82 },
		{ "00A4020C021234", 0x6A82 },
		{ "00A4020C023F00", 0x6A82 },
	} },
	{ "select EF wrong Lc", .steps = {
		{ SELECT_JPKI, 0x9000 },
		{ "00A4020C", 0x6700 },
		{ "00A4020C0100", 0x6700 },
		{ "00A4020C03000A00", 0x6700 },
	} },
	{ "select wrong P1 P2", .steps = {
		{ SELECT_JPKI, 0x9000 },
		{ "00A4020002000A", 0x6A86 },
		{ "00A4020402000A", 0x6A86 },
		{ "00A4040409D392F000260100000001", 0x6A86 },
		{ "00A4010C02000A", 0x6A86 },
		{ "00A4080C02000A", 0x6A86 },
		{ "00A40004", 0x6A86 },
	} },
	/* Each form of SELECT MF makes the MF current: EFs of the JPKI AP
	 * are out of reach. */
	{ "select MF variants", .steps = {
#define STEPS_SELECT_MF(apdu) \
	{ SELECT_JPKI, 0x9000 }, { apdu, 0x9000 }, { "00A4020C02000A", 0x6A82 }
		STEPS_SELECT_MF("00A4000C"),
		STEPS_SELECT_MF("00A40000"),
		STEPS_SELECT_MF("00A4000C023F00"),
		STEPS_SELECT_MF("00A40000023F00"),
		STEPS_SELECT_MF("00A40000023F0000"),
#undef STEPS_SELECT_MF
		{ "00A4000C021234", 0x6A82 },
		{ "00A4000C013F", 0x6700 },
	} },
	{ "select MF clears both PINs", .steps = {
		STEPS_VERIFY_AUTH,
		STEPS_VERIFY_SIGN,
		STEPS_SELECT_EF("0001"),
		{ "00B0000004", 0x9000 },
		{ "00A4000C", 0x9000 },
		STEPS_SELECT_EF("0001"),
		{ "00B0000004", 0x6982 },
		STEPS_SELECT_EF("0017"),
		{ "802A00800401020304" "00", 0x6982 },
	} },
	{ "reselect JPKI keeps PINs and clears EF", .steps = {
		STEPS_VERIFY_SIGN,
		STEPS_SELECT_EF("0001"),
		{ SELECT_JPKI, 0x9000 },
		{ "00B0000004", 0x6986 },
		{ "00A4020C020001", 0x9000 },
		{ "00B0000004", 0x9000 },
	} },
	{ "read without current EF", .steps = {
		{ "00B0000004", 0x6986 },
		{ SELECT_JPKI, 0x9000 },
		{ "00B0000004", 0x6986 },
	} },
	{ "select missing EF keeps current EF", .steps = {
		STEPS_SELECT_EF("000A"),
		{ "00A4020C021234", 0x6A82 },
		{ "00B0000004", 0x9000, .data_len = 4, .ef = 0x000A },
	} },
	{ "read certificate in short chunks", .steps = {
		STEPS_SELECT_EF("000A"),
#define STEP_READ_256(offset) { "00B0" #offset "00", 0x9000, .data_len = 256, .ef = 0x000A, \
			      .ef_offset = 0x##offset }
		STEP_READ_256(0000), STEP_READ_256(0100), STEP_READ_256(0200), STEP_READ_256(0300),
		STEP_READ_256(0400), STEP_READ_256(0500), STEP_READ_256(0600), STEP_READ_256(0700),
#undef STEP_READ_256
		{ "00B0080000", 0x6B00 },
	} },
	{ "read past end returns rest with 6282", .steps = {
		STEPS_SELECT_EF("000B"),
		{ "00B0020000", 0x6282, .data_len = 88, .ef = 0x000B, .ef_offset = 512 },
		{ "00B0025702", 0x6282, .data_len = 1, .ef = 0x000B, .ef_offset = 599 },
		/* exactly the rest is a plain 90 00 */
		{ "00B0015800", 0x9000, .data_len = 256 },
	} },
	{ "read offset beyond end", .steps = {
		STEPS_SELECT_EF("000B"),
		{ "00B0025801", 0x6B00, .no_data = true },
		{ "00B07FFF00", 0x6B00 },
	} },
	{ "read P1 bit 8 is wrong P1 P2", .steps = {
		STEPS_SELECT_EF("000A"),
		{ "00B0800004", 0x6A86 },
		{ "00B0810004", 0x6A86 },
	} },
	{ "read extended Le", .steps = {
		STEPS_SELECT_EF("000A"),
		{ "00B0000000" "0800", 0x9000, .data_len = 2048, .ef = 0x000A },
		{ "00B0010000" "0300", 0x9000, .data_len = 0x300, .ef = 0x000A, .ef_offset = 0x100 },
		/* 0000 asks for 65536 bytes */
		{ "00B0000000" "0000", 0x6282, .data_len = 2048 },
	} },
	{ "read extended when off", .opt = { .no_extended_apdu = true }, .steps = {
		STEPS_SELECT_EF("000A"),
		{ "00B0000000" "0800", 0x6700, .no_data = true },
		{ "00B0000000", 0x9000, .data_len = 256 },
	} },
	{ "read with Lc or without Le", .steps = {
		STEPS_SELECT_EF("000A"),
		{ "00B00000", 0x6700 },
		{ "00B000000100", 0x6700 },
		{ "00B00000010000", 0x6700 },
	} },
	{ "read key and PIN EFs refused", .steps = {
		STEPS_VERIFY_AUTH,
		STEPS_VERIFY_SIGN,
		STEPS_SELECT_EF("0017"), { "00B0000000", 0x6982, .no_data = true },
		STEPS_SELECT_EF("0018"), { "00B0000000", 0x6982, .no_data = true },
		STEPS_SELECT_EF("001A"), { "00B0000000", 0x6982, .no_data = true },
		STEPS_SELECT_EF("001B"), { "00B0000000", 0x6982, .no_data = true },
	} },
	{ "sign certificate needs sign PIN", .steps = {
		STEPS_SELECT_EF("0001"), { "00B0000004", 0x6982 },
		STEPS_VERIFY_AUTH,
		STEPS_SELECT_EF("0001"), { "00B0000004", 0x6982 },
		STEPS_VERIFY_SIGN,
		STEPS_SELECT_EF("0001"), { "00B0000000", 0x9000, .data_len = 256, .ef = 0x0001 },
	} },
	{ "free EFs need no PIN", .steps = {
		STEPS_SELECT_EF("0006"), { "00B0000020", 0x9000, .data_len = 32, .ef = 0x0006 },
		STEPS_SELECT_EF("0008"), { "00B0000003", 0x9000, .data_len = 3, .ef = 0x0008 },
		STEPS_SELECT_EF("000A"), { "00B0000000", 0x9000, .data_len = 256, .ef = 0x000A },
		STEPS_SELECT_EF("000B"), { "00B0000000", 0x9000, .data_len = 256, .ef = 0x000B },
		STEPS_SELECT_EF("0002"), { "00B0000000", 0x9000, .data_len = 256, .ef = 0x0002 },
	} },
	{ "class and instruction errors", .steps = {
		{ "80A4040C0AD392F000260100000001", 0x6E00 },
		{ "80B0000004", 0x6E00 },
		{ "80200080", 0x6E00 },
		{ "8024018004" "31323334", 0x6E00 },
		{ "002A00800401020304" "00", 0x6E00 },
		{ "0CA4040C0AD392F000260100000001", 0x6E00 },
		{ "10A4040C0AD392F000260100000001", 0x6E00 },
		{ "FFCA000000", 0x6E00 },
		{ "84CA000000", 0x6E00 },
		{ "00CA9F7F00", 0x6D00 },
		{ "80CA9F7F00", 0x6D00 },
		{ "00C0000000", 0x6D00 },
		{ "0084000008", 0x6D00 },
	} },
	{ "malformed lengths", .steps = {
		{ "", 0x6700 },
		{ "00A404", 0x6700 },
		/* Lc says 10, 2 bytes follow */
		{ "00A4040C0AD392", 0x6700 },
		/* Lc says 2, 4 bytes follow */
		{ "00A4020C02000A0000", 0x6700 },
		/* 00 then one byte: neither short nor extended */
		{ "00A4040C0000", 0x6700 },
		/* extended Lc of zero */
		{ "00A4040C00000000", 0x6700 },
		/* unknown class with a malformed length: the length is checked first */
		{ "FFA4040C0AD392", 0x6700 },
	} },
	{ "extended command on", .steps = {
		{ "00A4040C00000AD392F000260100000001", 0x9000 },
		{ "00A4020C000002000A", 0x9000 },
	} },
	{ "extended command off", .opt = { .no_extended_apdu = true }, .steps = {
		{ "00A4040C00000AD392F000260100000001", 0x6700 },
		/* the short form still works */
		{ SELECT_JPKI, 0x9000 },
	} },
};

START_TEST(scripted_commands)
{
	run_card_script(&scripts[_i]);
}
END_TEST

Suite *card_files_suite(void)
{
	Suite *s = suite_create("card");
	TCase *tc = tcase_create("files");

	tcase_add_test(tc, atr_default_is_contact_atr);
	tcase_add_test(tc, atr_contactless_has_part3_shape_and_tck);
	tcase_add_loop_test(tc, scripted_commands, 0, sizeof(scripts) / sizeof(scripts[0]));
	tcase_add_test(tc, read_token_info);
	tcase_add_test(tc, small_response_buffer);
	tcase_add_test(tc, power_cycle_and_reset_clear_state);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *runner;
	int failed;

	fixture_init();
	runner = srunner_create(card_files_suite());
	srunner_add_suite(runner, card_pin_suite());
	srunner_add_suite(runner, card_sign_suite());
	srunner_add_suite(runner, apdu_suite());
	srunner_add_suite(runner, profile_suite());
	srunner_add_suite(runner, faults_suite());
	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	fixture_cleanup();
	return failed == 0 ? 0 : 1;
}
