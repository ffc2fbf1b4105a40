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

/* --no-jpki: another kind of card, whose SELECT of the JPKI AID fails. */
START_TEST(no_jpki_card_refuses_the_aid)
{
	struct vcard_options opt = { .no_jpki = true };
	struct vcard *card = fixture_open_card(&adult, &opt);

	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x6A82);
	ck_assert_uint_eq(send_hex(card, "00A4020C02000A"), 0x6A82);
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

START_TEST(select_jpki_aid)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 0);
	ck_assert_uint_eq(send_hex(card, "00A404000AD392F000260100000001"), 0x9000);
	/* P2 00 with Le: still no FCI */
	ck_assert_uint_eq(send_hex(card, "00A404000AD392F00026010000000100"), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 0);
	vcard_close(card);
}
END_TEST

START_TEST(select_other_aid_leaves_state)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x000A);
	ck_assert_uint_eq(send_hex(card, "00A4040C07A0000000030000"), 0x6A82);
	/* a prefix of the JPKI AID is another AID */
	ck_assert_uint_eq(send_hex(card, "00A4040C06D392F0002601"), 0x6A82);
	/* still in the JPKI AP with 000A current */
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x9000);
	ck_assert_uint_eq(send_hex(card, "00A4020C02000B"), 0x9000);
	vcard_close(card);
}
END_TEST

START_TEST(select_aid_wrong_lc)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	ck_assert_uint_eq(send_hex(card, "00A4040C"), 0x6700);
	ck_assert_uint_eq(send_hex(card, "00A4040C11D392F000260100000001000000000000000000"),
			  0x6700);
	vcard_close(card);
}
END_TEST

START_TEST(select_ef_needs_jpki_ap)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	ck_assert_uint_eq(send_hex(card, "00A4020C02000A"), 0x6A82);
	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	ck_assert_uint_eq(send_hex(card, "00A4020C02000A"), 0x9000);
	vcard_close(card);
}
END_TEST

START_TEST(select_every_ef_of_an_adult_card)
{
	static const uint16_t fids[] = {
		0x0006, 0x0008, 0x000A, 0x000B, 0x0001, 0x0002, 0x0017, 0x0018, 0x001A, 0x001B,
	};
	struct vcard *card = fixture_open_card(&adult, NULL);

	for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++)
		select_ef(card, fids[i]);
	vcard_close(card);
}
END_TEST

START_TEST(select_missing_ef)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	ck_assert_uint_eq(send_hex(card, "00A4020C020003"), 0x6A82);
	ck_assert_uint_eq(send_hex(card, "00A4020C021234"), 0x6A82);
	ck_assert_uint_eq(send_hex(card, "00A4020C023F00"), 0x6A82);
	vcard_close(card);
}
END_TEST

START_TEST(select_missing_ef_keeps_current_ef)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	size_t len;
	const uint8_t *ef = fixture_ef(0x000A, &len);

	select_ef(card, 0x000A);
	ck_assert_uint_eq(send_hex(card, "00A4020C021234"), 0x6A82);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x9000);
	ck_assert_mem_eq(fixture_response, ef, 4);
	vcard_close(card);
}
END_TEST

START_TEST(select_ef_wrong_lc)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	ck_assert_uint_eq(send_hex(card, "00A4020C"), 0x6700);
	ck_assert_uint_eq(send_hex(card, "00A4020C0100"), 0x6700);
	ck_assert_uint_eq(send_hex(card, "00A4020C03000A00"), 0x6700);
	vcard_close(card);
}
END_TEST

START_TEST(select_wrong_p1_p2)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	ck_assert_uint_eq(send_hex(card, "00A4020002000A"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, "00A4020402000A"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, "00A4040409D392F000260100000001"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, "00A4010C02000A"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, "00A4080C02000A"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, "00A40004"), 0x6A86);
	vcard_close(card);
}
END_TEST

START_TEST(select_mf_variants)
{
	static const char *const variants[] = {
		"00A4000C", "00A40000", "00A4000C023F00", "00A40000023F00", "00A40000023F0000",
	};
	struct vcard *card = fixture_open_card(&adult, NULL);

	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
		ck_assert_uint_eq(send_hex(card, variants[i]), 0x9000);
		/* the MF is current: EFs of the JPKI AP are out of reach */
		ck_assert_uint_eq(send_hex(card, "00A4020C02000A"), 0x6A82);
	}
	ck_assert_uint_eq(send_hex(card, "00A4000C021234"), 0x6A82);
	ck_assert_uint_eq(send_hex(card, "00A4000C013F"), 0x6700);
	vcard_close(card);
}
END_TEST

START_TEST(select_mf_clears_both_pins)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	select_ef(card, 0x0001);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x9000);
	ck_assert_uint_eq(send_hex(card, "00A4000C"), 0x9000);
	select_ef(card, 0x0001);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x6982);
	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, "802A00800401020304" "00"), 0x6982);
	vcard_close(card);
}
END_TEST

START_TEST(reselect_jpki_keeps_pins_and_clears_ef)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	select_ef(card, 0x0001);
	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x6986);
	ck_assert_uint_eq(send_hex(card, "00A4020C020001"), 0x9000);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x9000);
	vcard_close(card);
}
END_TEST

START_TEST(read_without_current_ef)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	ck_assert_uint_eq(read_binary(card, 0, 4), 0x6986);
	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x6986);
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

START_TEST(read_certificate_in_short_chunks)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	size_t len;
	const uint8_t *ef = fixture_ef(0x000A, &len);

	ck_assert_uint_eq(len, 2048);
	select_ef(card, 0x000A);
	for (size_t offset = 0; offset < len; offset += 256) {
		ck_assert_uint_eq(read_binary(card, (unsigned)offset, 0), 0x9000);
		ck_assert_uint_eq(fixture_response_len, 256);
		ck_assert_mem_eq(fixture_response, ef + offset, 256);
	}
	ck_assert_uint_eq(read_binary(card, 2048, 0), 0x6B00);
	vcard_close(card);
}
END_TEST

START_TEST(read_past_end_returns_rest_with_6282)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	size_t len;
	const uint8_t *ef = fixture_ef(0x000B, &len);

	ck_assert_uint_eq(len, 600);
	select_ef(card, 0x000B);
	ck_assert_uint_eq(read_binary(card, 512, 0), 0x6282);
	ck_assert_uint_eq(fixture_response_len, 88);
	ck_assert_mem_eq(fixture_response, ef + 512, 88);
	ck_assert_uint_eq(read_binary(card, 599, 2), 0x6282);
	ck_assert_uint_eq(fixture_response_len, 1);
	ck_assert_uint_eq(fixture_response[0], ef[599]);
	/* exactly the rest is a plain 90 00 */
	ck_assert_uint_eq(read_binary(card, 344, 0), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 256);
	vcard_close(card);
}
END_TEST

START_TEST(read_offset_beyond_end)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x000B);
	ck_assert_uint_eq(read_binary(card, 600, 1), 0x6B00);
	ck_assert_uint_eq(fixture_response_len, 0);
	ck_assert_uint_eq(read_binary(card, 0x7FFF, 0), 0x6B00);
	vcard_close(card);
}
END_TEST

START_TEST(read_p1_bit8_is_wrong_p1p2)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x000A);
	ck_assert_uint_eq(send_hex(card, "00B0800004"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, "00B0810004"), 0x6A86);
	vcard_close(card);
}
END_TEST

START_TEST(read_extended_le)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	size_t len;
	const uint8_t *ef = fixture_ef(0x000A, &len);

	select_ef(card, 0x000A);
	ck_assert_uint_eq(send_hex(card, "00B0000000" "0800"), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 2048);
	ck_assert_mem_eq(fixture_response, ef, 2048);
	ck_assert_uint_eq(send_hex(card, "00B0010000" "0300"), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 0x300);
	ck_assert_mem_eq(fixture_response, ef + 0x100, 0x300);
	/* 0000 asks for 65536 bytes */
	ck_assert_uint_eq(send_hex(card, "00B0000000" "0000"), 0x6282);
	ck_assert_uint_eq(fixture_response_len, 2048);
	vcard_close(card);
}
END_TEST

START_TEST(read_extended_when_off)
{
	struct vcard_options opt = { .no_extended_apdu = true };
	struct vcard *card = fixture_open_card(&adult, &opt);

	select_ef(card, 0x000A);
	ck_assert_uint_eq(send_hex(card, "00B0000000" "0800"), 0x6700);
	ck_assert_uint_eq(fixture_response_len, 0);
	ck_assert_uint_eq(read_binary(card, 0, 0), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 256);
	vcard_close(card);
}
END_TEST

START_TEST(read_with_lc_or_without_le)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x000A);
	ck_assert_uint_eq(send_hex(card, "00B00000"), 0x6700);
	ck_assert_uint_eq(send_hex(card, "00B000000100"), 0x6700);
	ck_assert_uint_eq(send_hex(card, "00B00000010000"), 0x6700);
	vcard_close(card);
}
END_TEST

START_TEST(read_key_and_pin_efs_refused)
{
	static const uint16_t fids[] = { 0x0017, 0x0018, 0x001A, 0x001B };
	struct vcard *card = fixture_open_card(&adult, NULL);

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
		select_ef(card, fids[i]);
		ck_assert_uint_eq(read_binary(card, 0, 0), 0x6982);
		ck_assert_uint_eq(fixture_response_len, 0);
	}
	vcard_close(card);
}
END_TEST

START_TEST(sign_certificate_needs_sign_pin)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	size_t len;
	const uint8_t *ef = fixture_ef(0x0001, &len);

	select_ef(card, 0x0001);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x6982);
	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	select_ef(card, 0x0001);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x6982);
	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	select_ef(card, 0x0001);
	ck_assert_uint_eq(read_binary(card, 0, 0), 0x9000);
	ck_assert_mem_eq(fixture_response, ef, 256);
	vcard_close(card);
}
END_TEST

START_TEST(free_efs_need_no_pin)
{
	static const uint16_t fids[] = { 0x0006, 0x0008, 0x000A, 0x000B, 0x0002 };
	struct vcard *card = fixture_open_card(&adult, NULL);

	for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
		size_t len;
		const uint8_t *ef = fixture_ef(fids[i], &len);

		if (len > 256)
			len = 256;
		select_ef(card, fids[i]);
		ck_assert_uint_eq(read_binary(card, 0, (unsigned)len), 0x9000);
		ck_assert_uint_eq(fixture_response_len, len);
		ck_assert_mem_eq(fixture_response, ef, len);
	}
	vcard_close(card);
}
END_TEST

START_TEST(class_and_instruction_errors)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	ck_assert_uint_eq(send_hex(card, "80A4040C0AD392F000260100000001"), 0x6E00);
	ck_assert_uint_eq(send_hex(card, "80B0000004"), 0x6E00);
	ck_assert_uint_eq(send_hex(card, "80200080"), 0x6E00);
	ck_assert_uint_eq(send_hex(card, "8024018004" "31323334"), 0x6E00);
	ck_assert_uint_eq(send_hex(card, "002A00800401020304" "00"), 0x6E00);
	ck_assert_uint_eq(send_hex(card, "0CA4040C0AD392F000260100000001"), 0x6E00);
	ck_assert_uint_eq(send_hex(card, "10A4040C0AD392F000260100000001"), 0x6E00);
	ck_assert_uint_eq(send_hex(card, "FFCA000000"), 0x6E00);
	ck_assert_uint_eq(send_hex(card, "84CA000000"), 0x6E00);
	ck_assert_uint_eq(send_hex(card, "00CA9F7F00"), 0x6D00);
	ck_assert_uint_eq(send_hex(card, "80CA9F7F00"), 0x6D00);
	ck_assert_uint_eq(send_hex(card, "00C0000000"), 0x6D00);
	ck_assert_uint_eq(send_hex(card, "0084000008"), 0x6D00);
	vcard_close(card);
}
END_TEST

START_TEST(malformed_lengths)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	ck_assert_uint_eq(send_bytes(card, (const uint8_t *)"", 0), 0x6700);
	ck_assert_uint_eq(send_hex(card, "00A404"), 0x6700);
	/* Lc says 10, 2 bytes follow */
	ck_assert_uint_eq(send_hex(card, "00A4040C0AD392"), 0x6700);
	/* Lc says 2, 4 bytes follow */
	ck_assert_uint_eq(send_hex(card, "00A4020C02000A0000"), 0x6700);
	/* 00 then one byte: neither short nor extended */
	ck_assert_uint_eq(send_hex(card, "00A4040C0000"), 0x6700);
	/* extended Lc of zero */
	ck_assert_uint_eq(send_hex(card, "00A4040C00000000"), 0x6700);
	/* unknown class with a malformed length: the length is checked first */
	ck_assert_uint_eq(send_hex(card, "FFA4040C0AD392"), 0x6700);
	vcard_close(card);
}
END_TEST

START_TEST(extended_command_on_and_off)
{
	struct vcard_options off = { .no_extended_apdu = true };
	struct vcard *card = fixture_open_card(&adult, NULL);

	ck_assert_uint_eq(send_hex(card, "00A4040C00000AD392F000260100000001"), 0x9000);
	ck_assert_uint_eq(send_hex(card, "00A4020C000002000A"), 0x9000);
	vcard_close(card);
	card = fixture_open_card(&adult, &off);
	ck_assert_uint_eq(send_hex(card, "00A4040C00000AD392F000260100000001"), 0x6700);
	/* the short form still works */
	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
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

Suite *card_files_suite(void)
{
	Suite *s = suite_create("card");
	TCase *tc = tcase_create("files");

	tcase_add_test(tc, atr_default_is_contact_atr);
	tcase_add_test(tc, atr_contactless_has_part3_shape_and_tck);
	tcase_add_test(tc, no_jpki_card_refuses_the_aid);
	tcase_add_test(tc, select_jpki_aid);
	tcase_add_test(tc, select_other_aid_leaves_state);
	tcase_add_test(tc, select_aid_wrong_lc);
	tcase_add_test(tc, select_ef_needs_jpki_ap);
	tcase_add_test(tc, select_every_ef_of_an_adult_card);
	tcase_add_test(tc, select_missing_ef);
	tcase_add_test(tc, select_missing_ef_keeps_current_ef);
	tcase_add_test(tc, select_ef_wrong_lc);
	tcase_add_test(tc, select_wrong_p1_p2);
	tcase_add_test(tc, select_mf_variants);
	tcase_add_test(tc, select_mf_clears_both_pins);
	tcase_add_test(tc, reselect_jpki_keeps_pins_and_clears_ef);
	tcase_add_test(tc, read_without_current_ef);
	tcase_add_test(tc, read_token_info);
	tcase_add_test(tc, read_certificate_in_short_chunks);
	tcase_add_test(tc, read_past_end_returns_rest_with_6282);
	tcase_add_test(tc, read_offset_beyond_end);
	tcase_add_test(tc, read_p1_bit8_is_wrong_p1p2);
	tcase_add_test(tc, read_extended_le);
	tcase_add_test(tc, read_extended_when_off);
	tcase_add_test(tc, read_with_lc_or_without_le);
	tcase_add_test(tc, read_key_and_pin_efs_refused);
	tcase_add_test(tc, sign_certificate_needs_sign_pin);
	tcase_add_test(tc, free_efs_need_no_pin);
	tcase_add_test(tc, class_and_instruction_errors);
	tcase_add_test(tc, malformed_lengths);
	tcase_add_test(tc, extended_command_on_and_off);
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
