/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The smartphone card (--smartphone) and faults in single EFs
 * (--file-fault). */
#include <stdio.h>
#include <string.h>

#include "test-fixture.h"

static const struct fixture_spec adult;

/* The fixture's image of EF fid. */
static const uint8_t *image_of(uint16_t fid)
{
	size_t len;

	return fixture_ef(fid, &len);
}

static uint16_t read_binary(struct vcard *card, unsigned offset, unsigned le)
{
	char hex[32];

	snprintf(hex, sizeof(hex), "00B0%04X%02X", offset, le & 0xFF);
	return send_hex(card, hex);
}

/* An adult profile whose EF 0006 names a phone. */
static struct vcard *open_smartphone(void)
{
	struct vcard_options opt = { .smartphone = true };
	const char *dir = fixture_write_profile(&adult);
	char error[512] = "";
	struct vcard *card;

	fixture_write("ef/0006", "JPKIAPGPSETOKEN");
	card = vcard_open(dir, &opt, error, sizeof(error));
	ck_assert_msg(card != NULL, "vcard_open: %s", error);
	return card;
}

/* ---- smartphone ---- */

START_TEST(smartphone_auth_cert_needs_auth_pin)
{
	struct vcard *card = open_smartphone();

	select_ef(card, 0x000A);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x6982);
	ck_assert_uint_eq(fixture_response_len, 0);
	/* Its CA certificate and the token information stay free. */
	select_ef(card, 0x000B);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x9000);
	select_ef(card, 0x0006);
	ck_assert_uint_eq(read_binary(card, 0, 32), 0x6282);
	ck_assert_mem_eq(fixture_response, "JPKIAPGPSETOKEN", 15);
	/* The sign PIN does not open it, the auth PIN does. */
	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	select_ef(card, 0x000A);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x6982);
	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	select_ef(card, 0x000A);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x9000);
	ck_assert_mem_eq(fixture_response, image_of(0x000A), 4);
	/* Selecting the MF logs out: closed again. */
	ck_assert_uint_eq(send_hex(card, "00A4000C023F00"), 0x9000);
	select_ef(card, 0x000A);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x6982);
	vcard_close(card);
}
END_TEST

START_TEST(smartphone_atr_is_contactless)
{
	struct vcard *card = open_smartphone();
	size_t len;
	const uint8_t *atr = vcard_atr(card, &len);

	ck_assert_uint_eq(len, 13);
	ck_assert_mem_eq(atr, "\x3B\x88\x80\x01", 4);
	vcard_close(card);
}
END_TEST

/* A card's auth certificate stays free without --smartphone. */
START_TEST(card_auth_cert_is_free)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x000A);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x9000);
	vcard_close(card);
}
END_TEST

START_TEST(smartphone_needs_smartphone_profile)
{
	struct vcard_options opt = { .smartphone = true };
	const char *dir = fixture_write_profile(&adult);
	char error[512] = "";

	ck_assert_ptr_null(vcard_open(dir, &opt, error, sizeof(error)));
	ck_assert_msg(strstr(error, "JPKIAPGPSETOKEN") != NULL, "error was: %s", error);
}
END_TEST

/* ---- file faults ---- */

static struct vcard *open_with_fault(uint16_t fid, enum vcard_file_fault_kind kind)
{
	struct vcard_options opt = { .file_fault_count = 1 };

	opt.file_faults[0] = (struct vcard_file_fault){ fid, kind };
	return fixture_open_card(&adult, &opt);
}

START_TEST(parse_file_fault)
{
	static const struct {
		const char *text;
		uint16_t fid;
		enum vcard_file_fault_kind kind;
	} good[] = {
		{ "000A:garbage", 0x000A, VCARD_FILE_GARBAGE },
		{ "0001:length-past-ef", 0x0001, VCARD_FILE_LENGTH_PAST_EF },
		{ "000b:empty", 0x000B, VCARD_FILE_EMPTY },
		{ "0002:overlong", 0x0002, VCARD_FILE_OVERLONG },
		{ "0006:endless-6c", 0x0006, VCARD_FILE_ENDLESS_6C },
	};
	static const char *const bad[] = {
		"000A", "000A:", "00A:garbage", "000A:nope", "zzzz:empty", "000A0:empty",
		"000Agarbage", ":garbage", "000A:garbage2",
	};
	struct vcard_file_fault f;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(vcard_parse_file_fault(good[i].text, &f), "%s", good[i].text);
		ck_assert_uint_eq(f.fid, good[i].fid);
		ck_assert_int_eq(f.kind, good[i].kind);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!vcard_parse_file_fault(bad[i], &f), "%s accepted", bad[i]);
}
END_TEST

START_TEST(garbage_keeps_header_only)
{
	struct vcard *card = open_with_fault(0x000A, VCARD_FILE_GARBAGE);
	size_t len;
	const uint8_t *image = fixture_ef(0x000A, &len);

	select_ef(card, 0x000A);
	ck_assert_uint_eq(read_binary(card, 0, 0), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 256);
	ck_assert_mem_eq(fixture_response, image, 4);
	for (size_t i = 4; i < 256; i++)
		ck_assert_uint_eq(fixture_response[i], 0x5A);
	ck_assert_uint_eq(read_binary(card, (unsigned)len - 1, 1), 0x9000);
	ck_assert_uint_eq(fixture_response[0], 0x5A);
	/* The other EFs are untouched. */
	select_ef(card, 0x000B);
	ck_assert_uint_eq(read_binary(card, 0, 16), 0x9000);
	ck_assert_mem_eq(fixture_response, image_of(0x000B), 16);
	vcard_close(card);
}
END_TEST

START_TEST(length_past_ef)
{
	struct vcard *card = open_with_fault(0x000A, VCARD_FILE_LENGTH_PAST_EF);
	size_t len, claimed;

	fixture_ef(0x000A, &len);
	select_ef(card, 0x000A);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x9000);
	ck_assert_uint_eq(fixture_response[0], 0x30);
	ck_assert_uint_eq(fixture_response[1], 0x82);
	claimed = 4 + ((size_t)fixture_response[2] << 8 | fixture_response[3]);
	ck_assert_uint_eq(claimed, len + 4);
	/* What follows the header is the EF's, up to its end. */
	ck_assert_uint_eq(read_binary(card, 4, 0), 0x9000);
	ck_assert_mem_eq(fixture_response, image_of(0x000A) + 4, 256);
	ck_assert_uint_eq(read_binary(card, (unsigned)len - 2, 4), 0x6282);
	ck_assert_uint_eq(fixture_response_len, 2);
	vcard_close(card);
}
END_TEST

START_TEST(empty_reads)
{
	struct vcard *card = open_with_fault(0x000B, VCARD_FILE_EMPTY);

	select_ef(card, 0x000B);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 0);
	ck_assert_uint_eq(read_binary(card, 100, 0), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 0);
	vcard_close(card);
}
END_TEST

START_TEST(overlong_reads)
{
	struct vcard *card = open_with_fault(0x0002, VCARD_FILE_OVERLONG);
	size_t len;
	const uint8_t *image = fixture_ef(0x0002, &len);

	select_ef(card, 0x0002);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 20);
	ck_assert_mem_eq(fixture_response, image, 20);
	/* Near the end: the EF's last bytes, then FF. */
	ck_assert_uint_eq(read_binary(card, (unsigned)len - 2, 4), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 20);
	ck_assert_mem_eq(fixture_response, image + len - 2, 2);
	for (size_t i = 2; i < 20; i++)
		ck_assert_uint_eq(fixture_response[i], 0xFF);
	vcard_close(card);
}
END_TEST

START_TEST(endless_6c)
{
	struct vcard *card = open_with_fault(0x000A, VCARD_FILE_ENDLESS_6C);

	select_ef(card, 0x000A);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x6C04);
	ck_assert_uint_eq(fixture_response_len, 0);
	ck_assert_uint_eq(read_binary(card, 4, 0x80), 0x6C80);
	ck_assert_uint_eq(read_binary(card, 4, 0), 0x6C00);
	ck_assert_uint_eq(send_hex(card, "00B00004000100"), 0x6C00);
	vcard_close(card);
}
END_TEST

/* The sign certificate's rule comes before its fault. */
START_TEST(fault_after_access_rules)
{
	struct vcard *card = open_with_fault(0x0001, VCARD_FILE_ENDLESS_6C);

	select_ef(card, 0x0001);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x6982);
	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	select_ef(card, 0x0001);
	ck_assert_uint_eq(read_binary(card, 0, 4), 0x6C04);
	vcard_close(card);
}
END_TEST

START_TEST(fault_refused_on_missing_or_repeated_ef)
{
	struct vcard_options opt = { .file_fault_count = 2 };
	const struct fixture_spec minor = { .no_sign = true };
	char error[512] = "";

	opt.file_faults[0] = (struct vcard_file_fault){ 0x0001, VCARD_FILE_EMPTY };
	ck_assert_ptr_null(vcard_open(fixture_write_profile(&minor), &opt, error, sizeof(error)));
	ck_assert_msg(strstr(error, "0001") != NULL, "error was: %s", error);
	opt.file_faults[0] = (struct vcard_file_fault){ 0x000A, VCARD_FILE_EMPTY };
	opt.file_faults[1] = (struct vcard_file_fault){ 0x000A, VCARD_FILE_GARBAGE };
	ck_assert_ptr_null(vcard_open(fixture_write_profile(&adult), &opt, error, sizeof(error)));
	ck_assert_msg(strstr(error, "two file faults on 000A") != NULL, "error was: %s", error);
	/* A key EF is not a file the card reads out. */
	opt.file_fault_count = 1;
	opt.file_faults[0] = (struct vcard_file_fault){ 0x0017, VCARD_FILE_EMPTY };
	ck_assert_ptr_null(vcard_open(fixture_write_profile(&adult), &opt, error, sizeof(error)));
}
END_TEST

Suite *faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("smartphone");

	tcase_add_test(tc, smartphone_auth_cert_needs_auth_pin);
	tcase_add_test(tc, smartphone_atr_is_contactless);
	tcase_add_test(tc, card_auth_cert_is_free);
	tcase_add_test(tc, smartphone_needs_smartphone_profile);
	suite_add_tcase(s, tc);
	tc = tcase_create("file-faults");
	tcase_add_test(tc, parse_file_fault);
	tcase_add_test(tc, garbage_keeps_header_only);
	tcase_add_test(tc, length_past_ef);
	tcase_add_test(tc, empty_reads);
	tcase_add_test(tc, overlong_reads);
	tcase_add_test(tc, endless_6c);
	tcase_add_test(tc, fault_after_access_rules);
	tcase_add_test(tc, fault_refused_on_missing_or_repeated_ef);
	suite_add_tcase(s, tc);
	return s;
}
