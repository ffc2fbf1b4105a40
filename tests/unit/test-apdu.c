/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* APDU encoding (short, extended, the Le edge values, refusals) and the
 * status-word table, row by row. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"

/* Marks out so that a write past the encoded length shows. */
#define FILL 0xA5

/* The longest command ISO 7816-4 allows: header, extended Lc, data, Le. */
#define APDU_MAX_COMMAND (4 + 3 + 65535 + 3)

static uint8_t out[APDU_MAX_COMMAND + 16];

/* Hex of the first n bytes, "00A4040C". */
static const char *
hex (const uint8_t *p, size_t n)
{
	static char buf[2 * 64 + 1];
	size_t i;

	ck_assert_uint_le (n, 64);
	for (i = 0; i < n; i++)
		snprintf (buf + 2 * i, 3, "%02X", p[i]);
	buf[2 * n] = '\0';
	return buf;
}

static size_t
encode (uint8_t ins, const uint8_t *data, size_t data_len, size_t le, size_t cap)
{
	struct apdu apdu = { 0x00, ins, 0x01, 0x02, data, data_len, le };

	memset (out, FILL, sizeof out);
	return apdu_encode (&apdu, out, cap);
}

START_TEST (test_encode_case1)
{
	ck_assert_uint_eq (encode (0x20, NULL, 0, 0, sizeof out), 4);
	ck_assert_str_eq (hex (out, 5), "00200102A5");
}
END_TEST

START_TEST (test_encode_case2_short)
{
	ck_assert_uint_eq (encode (0xB0, NULL, 0, 4, sizeof out), 5);
	ck_assert_str_eq (hex (out, 6), "00B0010204A5");
	ck_assert_uint_eq (encode (0xB0, NULL, 0, 255, sizeof out), 5);
	ck_assert_str_eq (hex (out, 5), "00B00102FF");
}
END_TEST

START_TEST (test_encode_le_256_is_00)
{
	ck_assert_uint_eq (encode (0xB0, NULL, 0, 256, sizeof out), 5);
	ck_assert_str_eq (hex (out, 6), "00B0010200A5");
}
END_TEST

START_TEST (test_encode_case3_short)
{
	static const uint8_t fid[] = { 0x00, 0x0A };

	ck_assert_uint_eq (encode (0xA4, fid, 2, 0, sizeof out), 7);
	ck_assert_str_eq (hex (out, 8), "00A4010202000AA5");
}
END_TEST

START_TEST (test_encode_case4_short)
{
	static const uint8_t d[] = { 0x30, 0x31, 0x32 };

	ck_assert_uint_eq (encode (0x2A, d, 3, 256, sizeof out), 9);
	ck_assert_str_eq (hex (out, 10), "002A01020330313200A5");
}
END_TEST

START_TEST (test_encode_case4_short_limits)
{
	uint8_t d[255];
	size_t n;

	memset (d, 0x11, sizeof d);
	n = encode (0x2A, d, 255, 256, sizeof out);
	ck_assert_uint_eq (n, 4 + 1 + 255 + 1);
	ck_assert_uint_eq (out[4], 0xFF);
	ck_assert_uint_eq (out[5], 0x11);
	ck_assert_uint_eq (out[259], 0x11);
	ck_assert_uint_eq (out[260], 0x00);
	ck_assert_uint_eq (out[261], FILL);
}
END_TEST

START_TEST (test_encode_le_257_extended)
{
	ck_assert_uint_eq (encode (0xB0, NULL, 0, 257, sizeof out), 7);
	ck_assert_str_eq (hex (out, 8), "00B00102000101A5");
}
END_TEST

START_TEST (test_encode_le_65535_extended)
{
	ck_assert_uint_eq (encode (0xB0, NULL, 0, 65535, sizeof out), 7);
	ck_assert_str_eq (hex (out, 7), "00B0010200FFFF");
}
END_TEST

START_TEST (test_encode_le_65536_is_0000)
{
	ck_assert_uint_eq (encode (0xB0, NULL, 0, 65536, sizeof out), 7);
	ck_assert_str_eq (hex (out, 8), "00B00102000000A5");
}
END_TEST

START_TEST (test_encode_data_256_extended)
{
	uint8_t d[256];
	size_t n;

	memset (d, 0x22, sizeof d);
	n = encode (0x2A, d, sizeof d, 0, sizeof out);
	ck_assert_uint_eq (n, 4 + 3 + 256);
	ck_assert_str_eq (hex (out, 8), "002A010200010022");
	ck_assert_uint_eq (out[n - 1], 0x22);
	ck_assert_uint_eq (out[n], FILL);
}
END_TEST

/* Case 4E: 00 Lc1 Lc2 data Le1 Le2, with no second 00 before Le. */
START_TEST (test_encode_case4_extended)
{
	uint8_t d[300];
	size_t n;

	memset (d, 0x33, sizeof d);
	n = encode (0x2A, d, sizeof d, 256, sizeof out);
	ck_assert_uint_eq (n, 4 + 3 + 300 + 2);
	ck_assert_str_eq (hex (out, 8), "002A010200012C33");
	ck_assert_str_eq (hex (out + n - 3, 4), "330100A5");
}
END_TEST

/* Short data with a long Le goes extended as a whole. */
START_TEST (test_encode_short_data_long_le)
{
	static const uint8_t d[] = { 0x44 };

	ck_assert_uint_eq (encode (0x2A, d, 1, 65536, sizeof out), 4 + 3 + 1 + 2);
	ck_assert_str_eq (hex (out, 11), "002A0102000001440000A5");
}
END_TEST

START_TEST (test_encode_refusals)
{
	static uint8_t big[65536];

	/* Lengths that fit no encoding. */
	ck_assert_uint_eq (encode (0x2A, big, 65536, 0, sizeof out), 0);
	ck_assert_uint_eq (encode (0xB0, NULL, 0, 65537, sizeof out), 0);
	/* Data length without data. */
	ck_assert_uint_eq (encode (0x2A, NULL, 3, 0, sizeof out), 0);
	/* Buffer one byte short, and exactly right. */
	ck_assert_uint_eq (encode (0xB0, NULL, 0, 4, 4), 0);
	ck_assert_uint_eq (out[0], FILL);
	ck_assert_uint_eq (encode (0xB0, NULL, 0, 4, 5), 5);
	ck_assert_uint_eq (encode (0xB0, NULL, 0, 65536, 6), 0);
	ck_assert_uint_eq (encode (0xB0, NULL, 0, 65536, 7), 7);
	ck_assert_uint_eq (encode (0x2A, big, 65535, 65536, APDU_MAX_COMMAND), APDU_MAX_COMMAND - 1);
	ck_assert_uint_eq (encode (0x2A, big, 65535, 65536, APDU_MAX_COMMAND - 2), 0);
}
END_TEST

/* Status table: sw, meaning, the count SW2 carries. */
static const struct {
	uint16_t sw;
	enum sw_meaning meaning;
	int count;
} status_rows[] = {
	{ 0x9000, SW_OK, -1 },
	{ 0x6282, SW_END_OF_FILE, -1 },
	{ 0x6281, SW_WARNING, -1 },
	{ 0x6300, SW_WARNING, -1 },
	{ 0x6381, SW_WARNING, -1 },
	{ 0x63B3, SW_WARNING, -1 },   /* high nibble not C: not a try count */
	{ 0x63D2, SW_WARNING, -1 },
	{ 0x63C0, SW_PIN_WRONG, 0 },
	{ 0x63C3, SW_PIN_WRONG, 3 },
	{ 0x63CF, SW_PIN_WRONG, 15 },
	{ 0x6983, SW_PIN_BLOCKED, -1 },  /* SW2 83 is no count */
	{ 0x6984, SW_PIN_BLOCKED, -1 },
	{ 0x6982, SW_SECURITY_STATUS, -1 },
	{ 0x6986, SW_NO_CURRENT_EF, -1 },
	{ 0x6A82, SW_FILE_NOT_FOUND, -1 },
	{ 0x6700, SW_WRONG_LENGTH, -1 },
	{ 0x6C00, SW_WRONG_LE, 0 },
	{ 0x6C10, SW_WRONG_LE, 16 },
	{ 0x6A86, SW_WRONG_PARAMETERS, -1 },
	{ 0x6B00, SW_WRONG_PARAMETERS, -1 },
	{ 0x6A80, SW_WRONG_DATA, -1 },
	{ 0x6D00, SW_NOT_SUPPORTED, -1 },
	{ 0x6E00, SW_NOT_SUPPORTED, -1 },
	{ 0x6F00, SW_OTHER_ERROR, -1 },
	{ 0x6985, SW_OTHER_ERROR, -1 },
	{ 0x6A81, SW_OTHER_ERROR, -1 },
	{ 0x9001, SW_OTHER_ERROR, -1 },
	{ 0x6103, SW_OTHER_ERROR, -1 },
	{ 0x0000, SW_OTHER_ERROR, -1 },
	{ 0xC363, SW_OTHER_ERROR, -1 },  /* bytes swapped: not 63 C3 */
};

START_TEST (test_status_row)
{
	int count = 12345;
	enum sw_meaning m;

	m = apdu_status (status_rows[_i].sw, &count);
	ck_assert_msg (m == status_rows[_i].meaning, "SW %04X: meaning %d, expected %d",
	               status_rows[_i].sw, m, status_rows[_i].meaning);
	ck_assert_msg (count == status_rows[_i].count, "SW %04X: count %d, expected %d",
	               status_rows[_i].sw, count, status_rows[_i].count);
}
END_TEST

START_TEST (test_status_null_count)
{
	ck_assert_int_eq (apdu_status (0x63C2, NULL), SW_PIN_WRONG);
	ck_assert_int_eq (apdu_status (0x9000, NULL), SW_OK);
}
END_TEST

START_TEST (test_split_response)
{
	static const uint8_t r[] = { 0x01, 0x02, 0x03, 0x63, 0xC2 };
	size_t len = 999;
	uint16_t sw = 0;

	ck_assert (apdu_split_response (r, sizeof r, &len, &sw));
	ck_assert_uint_eq (len, 3);
	ck_assert_uint_eq (sw, 0x63C2);
	ck_assert (apdu_split_response (r + 3, 2, &len, &sw));
	ck_assert_uint_eq (len, 0);
	ck_assert_uint_eq (sw, 0x63C2);
	len = 999;
	sw = 0x1234;
	ck_assert (!apdu_split_response (r, 1, &len, &sw));
	ck_assert (!apdu_split_response (r, 0, &len, &sw));
	ck_assert (!apdu_split_response (NULL, 2, &len, &sw));
	ck_assert_uint_eq (len, 999);
	ck_assert_uint_eq (sw, 0x1234);
}
END_TEST

static Suite *
apdu_suite (void)
{
	Suite *s = suite_create ("apdu");
	TCase *tc = tcase_create ("encode");

	tcase_add_test (tc, test_encode_case1);
	tcase_add_test (tc, test_encode_case2_short);
	tcase_add_test (tc, test_encode_le_256_is_00);
	tcase_add_test (tc, test_encode_case3_short);
	tcase_add_test (tc, test_encode_case4_short);
	tcase_add_test (tc, test_encode_case4_short_limits);
	tcase_add_test (tc, test_encode_le_257_extended);
	tcase_add_test (tc, test_encode_le_65535_extended);
	tcase_add_test (tc, test_encode_le_65536_is_0000);
	tcase_add_test (tc, test_encode_data_256_extended);
	tcase_add_test (tc, test_encode_case4_extended);
	tcase_add_test (tc, test_encode_short_data_long_le);
	tcase_add_test (tc, test_encode_refusals);
	suite_add_tcase (s, tc);

	tc = tcase_create ("status");
	tcase_add_loop_test (tc, test_status_row, 0, sizeof status_rows / sizeof status_rows[0]);
	tcase_add_test (tc, test_status_null_count);
	tcase_add_test (tc, test_split_response);
	suite_add_tcase (s, tc);
	return s;
}

int
main (void)
{
	SRunner *runner = srunner_create (apdu_suite ());
	int failed;

	srunner_run_all (runner, CK_NORMAL);
	failed = srunner_ntests_failed (runner);
	srunner_free (runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
