/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* APDU parsing and the APDU log format. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apdu-log.h"
#include "apdu-parse.h"
#include "test-fixture.h"

static struct command_apdu parse_hex(const char *hex, bool allow_extended, bool *ok)
{
	static uint8_t raw[70000];
	struct command_apdu apdu;
	size_t len = hex_to_bytes(hex, raw, sizeof(raw));

	*ok = command_apdu_parse(raw, len, allow_extended, &apdu);
	return apdu;
}

START_TEST(parse_short_cases)
{
	struct command_apdu a;
	bool ok;

	a = parse_hex("00200080", false, &ok);
	ck_assert(ok);
	ck_assert_uint_eq(a.ins, 0x20);
	ck_assert_uint_eq(a.lc, 0);
	ck_assert_uint_eq(a.le, 0);
	a = parse_hex("00B0000000", false, &ok);
	ck_assert(ok);
	ck_assert_uint_eq(a.le, 256);
	a = parse_hex("00B0000020", false, &ok);
	ck_assert(ok);
	ck_assert_uint_eq(a.le, 0x20);
	a = parse_hex("00A4020C02000A", false, &ok);
	ck_assert(ok);
	ck_assert_uint_eq(a.lc, 2);
	ck_assert_mem_eq(a.data, "\x00\x0A", 2);
	ck_assert_uint_eq(a.le, 0);
	a = parse_hex("802A0080020102FF", false, &ok);
	ck_assert(ok);
	ck_assert_uint_eq(a.cla, 0x80);
	ck_assert_uint_eq(a.p2, 0x80);
	ck_assert_uint_eq(a.lc, 2);
	ck_assert_uint_eq(a.le, 0xFF);
	ck_assert(!a.extended);
}
END_TEST

START_TEST(parse_extended_cases)
{
	struct command_apdu a;
	bool ok;

	a = parse_hex("00B0000000FFFF", true, &ok);
	ck_assert(ok);
	ck_assert(a.extended);
	ck_assert_uint_eq(a.le, 0xFFFF);
	a = parse_hex("00B00000000000", true, &ok);
	ck_assert(ok);
	ck_assert_uint_eq(a.le, 65536);
	a = parse_hex("00A4020C000002000A", true, &ok);
	ck_assert(ok);
	ck_assert_uint_eq(a.lc, 2);
	ck_assert_uint_eq(a.le, 0);
	a = parse_hex("802A0080000002AABB0000", true, &ok);
	ck_assert(ok);
	ck_assert_uint_eq(a.lc, 2);
	ck_assert_mem_eq(a.data, "\xAA\xBB", 2);
	ck_assert_uint_eq(a.le, 65536);
	parse_hex("00B0000000FFFF", false, &ok);
	ck_assert(!ok);
}
END_TEST

START_TEST(parse_malformed)
{
	bool ok;

	parse_hex("00B000", true, &ok);
	ck_assert(!ok);
	parse_hex("00B000000000", true, &ok);
	ck_assert(!ok);
	parse_hex("00A4020C03000A", true, &ok);
	ck_assert(!ok);
	parse_hex("00A4020C01000A0000", true, &ok);
	ck_assert(!ok);
	parse_hex("00A4020C000003000A", true, &ok);
	ck_assert(!ok);
	parse_hex("00A4020C000000000A", true, &ok);
	ck_assert(!ok);
}
END_TEST

/* Writes lines with the log functions into a fresh file and returns its
 * contents (caller frees). */
static char *log_lines(void (*write_lines)(FILE *))
{
	char path[] = "/tmp/vcard-log-test.XXXXXX";
	int fd = mkstemp(path);
	FILE *log;
	char *text = calloc(1, 65536);
	FILE *in;

	ck_assert_int_ge(fd, 0);
	close(fd);
	log = apdu_log_open(path);
	ck_assert_ptr_nonnull(log);
	write_lines(log);
	fclose(log);
	in = fopen(path, "r");
	ck_assert_ptr_nonnull(in);
	ck_assert_uint_gt(fread(text, 1, 65535, in), 0);
	fclose(in);
	unlink(path);
	return text;
}

static void write_select_and_event(FILE *log)
{
	static const uint8_t select[] = {
		0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
	};

	apdu_log_event(log, "power-on");
	apdu_log_command(log, select, sizeof(select));
	apdu_log_response(log, (const uint8_t *)"\x6A\x82", 2);
	apdu_log_event(log, "removed");
}

START_TEST(log_line_format)
{
	static const char *const pattern =
		"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z E power-on\n"
		"[0-9-]{10}T[0-9:]{8}\\.[0-9]{6}Z C 00A4040C0AD392F000260100000001\n"
		"[0-9-]{10}T[0-9:]{8}\\.[0-9]{6}Z R 6A82\n"
		"[0-9-]{10}T[0-9:]{8}\\.[0-9]{6}Z E removed\n$";
	char *text = log_lines(write_select_and_event);
	regex_t re;

	ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(regexec(&re, text, 0, NULL, 0) == 0, "log was:\n%s", text);
	regfree(&re);
	free(text);
}
END_TEST

static void write_pin_commands(FILE *log)
{
	static const char *const commands[] = {
		"002000800431323334",
		"0020008004313233340A",
		"00200080",
		"00200080000004" "31323334",
		"0020008005313233",
		"0024018006414243313233",
		"00A4020C020018",
	};
	uint8_t raw[64];

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		apdu_log_command(log, raw, hex_to_bytes(commands[i], raw, sizeof(raw)));
}

START_TEST(log_masks_pin_bytes)
{
	static const char *const expected[] = {
		" C 0020008004********\n",
		" C 0020008004********0A\n",
		" C 00200080\n",
		" C 00200080000004********\n",
		/* malformed: all after the header */
		" C 00200080********\n",
		" C 0024018006************\n",
		" C 00A4020C020018\n",
	};
	char *text = log_lines(write_pin_commands);
	char *line = text;

	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		char *end = strchr(line, '\n');

		ck_assert_ptr_nonnull(end);
		ck_assert_msg(strncmp(line + 27, expected[i], strlen(expected[i])) == 0,
			      "line %zu: %.*s", i, (int)(end - line), line);
		/* After the time stamp, whose digits may read "3132" themselves. */
		*end = '\0';
		ck_assert_ptr_null(strstr(line + 27, "3132"));
		line = end + 1;
	}
	free(text);
}
END_TEST

START_TEST(log_null_is_silent)
{
	apdu_log_command(NULL, (const uint8_t *)"\x00\xA4\x00\x0C", 4);
	apdu_log_response(NULL, (const uint8_t *)"\x90\x00", 2);
	apdu_log_event(NULL, "reset");
}
END_TEST

Suite *apdu_suite(void)
{
	Suite *s = suite_create("apdu");
	TCase *tc = tcase_create("apdu");

	tcase_add_test(tc, parse_short_cases);
	tcase_add_test(tc, parse_extended_cases);
	tcase_add_test(tc, parse_malformed);
	tcase_add_test(tc, log_line_format);
	tcase_add_test(tc, log_masks_pin_bytes);
	tcase_add_test(tc, log_null_is_silent);
	suite_add_tcase(s, tc);
	return s;
}
