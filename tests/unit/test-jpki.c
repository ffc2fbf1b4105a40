/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JPKI protocol against a scripted stand-in transport: each test
 * lists the exact APDUs it expects and the card's canned answers, and
 * checks that all of them, and no others, were sent. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jpki.h"
#include "log.h"

#define MAX_STEPS 64
#define HEX_MAX 1024

#define SELECT_AP "00A4040C0AD392F000260100000001"
#define SELECT_EF(fid) "00A4020C02" fid
#define EMPTY_VERIFY "00200080"
#define SELECT_MF "00A4000C023F00"
#define SELECT_MF_PLAIN "00A40000"
#define OK "9000"

struct step {
	char *cmd;                            /* expected command, hex */
	uint8_t *resp;                        /* canned answer, SW included */
	size_t resp_len;
	enum jpki_transport_result result;
};

static struct {
	struct step steps[MAX_STEPS];
	size_t count, pos;
} script;

static struct jpki_card *card;

static const char *
hex_of (const uint8_t *p, size_t n)
{
	static char buf[2 * HEX_MAX + 1];
	size_t i;

	ck_assert_uint_le (n, HEX_MAX);
	for (i = 0; i < n; i++)
		snprintf (buf + 2 * i, 3, "%02X", p[i]);
	buf[2 * n] = '\0';
	return buf;
}

static size_t
bytes_of (const char *hex, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	for (; *hex != '\0'; hex += 2) {
		ck_assert_int_eq (sscanf (hex, "%2x", &v), 1);
		out[n++] = (uint8_t) v;
	}
	return n;
}

static struct step *
add_step (const char *cmd)
{
	struct step *st;

	ck_assert_uint_lt (script.count, MAX_STEPS);
	st = &script.steps[script.count++];
	st->cmd = strdup (cmd);
	st->result = JPKI_TRANSPORT_OK;
	return st;
}

/* The card answers data then sw. */
static void
expect_data (const char *cmd, const uint8_t *data, size_t len, uint16_t sw)
{
	struct step *st = add_step (cmd);

	st->resp = malloc (len + 2);
	if (len > 0)
		memcpy (st->resp, data, len);
	st->resp[len] = (uint8_t) (sw >> 8);
	st->resp[len + 1] = (uint8_t) sw;
	st->resp_len = len + 2;
}

/* The card answers resp (hex, SW included; may be too short). */
static void
expect (const char *cmd, const char *resp)
{
	struct step *st = add_step (cmd);

	st->resp = malloc (strlen (resp) / 2 + 1);
	st->resp_len = bytes_of (resp, st->resp);
}

static void
expect_transport (const char *cmd, enum jpki_transport_result result)
{
	add_step (cmd)->result = result;
}

static const char *
read_cmd (size_t offset, size_t le)
{
	static char buf[32];

	if (le <= 256)
		snprintf (buf, sizeof buf, "00B0%04zX%02zX", offset, le & 0xFF);
	else
		snprintf (buf, sizeof buf, "00B0%04zX00%04zX", offset, le & 0xFFFF);
	return buf;
}

static void
expect_read (size_t offset, size_t le, const uint8_t *data, size_t len, uint16_t sw)
{
	expect_data (read_cmd (offset, le), data, len, sw);
}

/* Checks the command against the script; copies at most *resp_len bytes
 * of the answer but reports its whole length, as a careless transport
 * could, so that the card layer's own bound is tested. */
static enum jpki_transport_result
scripted_transmit (void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len)
{
	struct step *st;

	ck_assert_ptr_eq (ctx, &script);
	ck_assert_msg (script.pos < script.count, "unexpected APDU %s", hex_of (cmd, cmd_len));
	st = &script.steps[script.pos++];
	ck_assert_str_eq (hex_of (cmd, cmd_len), st->cmd);
	if (st->result != JPKI_TRANSPORT_OK)
		return st->result;
	memcpy (resp, st->resp, st->resp_len < *resp_len ? st->resp_len : *resp_len);
	*resp_len = st->resp_len;
	return JPKI_TRANSPORT_OK;
}

static void
assert_all_sent (void)
{
	ck_assert_msg (script.pos == script.count, "%zu APDUs sent, %zu expected",
	               script.pos, script.count);
}

static void
setup (void)
{
	struct jpki_transport transport = { scripted_transmit, &script };

	memset (&script, 0, sizeof script);
	card = jpki_card_new (&transport);
	ck_assert_ptr_nonnull (card);
	jpki_transaction_begin (card);
}

static void
teardown (void)
{
	size_t i;

	jpki_card_free (card);
	for (i = 0; i < script.count; i++) {
		free (script.steps[i].cmd);
		free (script.steps[i].resp);
	}
	memset (&script, 0, sizeof script);
}

/* A fake DER SEQUENCE of total bytes: 30 82 LL LL and a pattern. */
static uint8_t *
make_cert (size_t total)
{
	uint8_t *c = malloc (total);
	size_t i;

	c[0] = 0x30;
	c[1] = 0x82;
	c[2] = (uint8_t) ((total - 4) >> 8);
	c[3] = (uint8_t) (total - 4);
	for (i = 4; i < total; i++)
		c[i] = (uint8_t) (i * 7 + 3);
	return c;
}

/* Reads file and checks that it gives back cert. */
static void
assert_reads_cert (enum jpki_file file, const uint8_t *cert, size_t total)
{
	uint8_t *der = NULL;
	size_t len = 0;

	ck_assert_int_eq (jpki_read_certificate (card, file, &der, &len), JPKI_OK);
	ck_assert_uint_eq (len, total);
	ck_assert_mem_eq (der, cert, total);
	free (der);
}

static void
assert_cert_refused (enum jpki_file file, enum jpki_result expected)
{
	uint8_t *der = (uint8_t *) "junk";
	size_t len = 77;

	ck_assert_int_eq (jpki_read_certificate (card, file, &der, &len), expected);
	ck_assert_ptr_null (der);
	ck_assert_uint_eq (len, 0);
}

/* ---- selection state ---- */

START_TEST (test_ap_selected_once_per_transaction)
{
	char label[33];
	bool has_sign = false;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0006"), OK);
	/* "JPKIAPICCTOKEN2" and 17 spaces. */
	expect (read_cmd (0, 32), "4A504B494150494343544F4B454E32" "2020202020202020202020202020202020"
	                          "9000");
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F9000");
	/* Next transaction: someone else may have selected something. */
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "009000");

	ck_assert_int_eq (jpki_read_token_info (card, label, sizeof label), JPKI_OK);
	ck_assert_str_eq (label, "JPKIAPICCTOKEN2");
	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_OK);
	ck_assert (has_sign);
	jpki_transaction_begin (card);
	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_OK);
	ck_assert (!has_sign);
	assert_all_sent ();
}
END_TEST

START_TEST (test_ef_not_reselected_when_current)
{
	uint8_t *cert = make_cert (200);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 196, cert + 4, 196, 0x9000);
	/* Same EF again: no SELECT. */
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 196, cert + 4, 196, 0x9000);
	/* Another EF, then back: both selected. */
	expect (SELECT_EF ("000B"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 196, cert + 4, 196, 0x9000);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 196, cert + 4, 196, 0x9000);

	assert_reads_cert (JPKI_FILE_AUTH_CERT, cert, 200);
	assert_reads_cert (JPKI_FILE_AUTH_CERT, cert, 200);
	assert_reads_cert (JPKI_FILE_AUTH_CA_CERT, cert, 200);
	assert_reads_cert (JPKI_FILE_AUTH_CERT, cert, 200);
	assert_all_sent ();
	free (cert);
}
END_TEST

START_TEST (test_select_ap_failure_is_not_jpki)
{
	expect (SELECT_AP, "6A82");
	expect (SELECT_AP, "6D00");
	expect (SELECT_AP, OK);

	ck_assert_int_eq (jpki_select_application (card), JPKI_NOT_JPKI);
	ck_assert_int_eq (jpki_select_application (card), JPKI_NOT_JPKI);
	ck_assert_int_eq (jpki_select_application (card), JPKI_OK);
	ck_assert_int_eq (jpki_select_application (card), JPKI_OK);   /* no APDU */
	assert_all_sent ();
}
END_TEST

/* A failed SELECT EF leaves no EF current: the next call selects again. */
START_TEST (test_failed_ef_select_forgotten)
{
	bool has_sign = true;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0008"), "6A82");
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F8F9000");   /* two bytes for Le 1 */

	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_NOT_FOUND);
	ck_assert (!has_sign);
	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_BAD_RESPONSE);
	assert_all_sent ();
}
END_TEST

/* ---- certificates ---- */

START_TEST (test_cert_header_then_one_extended_read)
{
	uint8_t *cert = make_cert (1500);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect (read_cmd (0, 4), "308205D89000");
	expect_data ("00B000040005D8", cert + 4, 1496, 0x9000);

	assert_reads_cert (JPKI_FILE_AUTH_CERT, cert, 1500);
	assert_all_sent ();
	free (cert);
}
END_TEST

static void
expect_short_reads (const uint8_t *cert, size_t from, size_t total)
{
	size_t off, n;

	for (off = from; off < total; off += n) {
		n = total - off < 256 ? total - off : 256;
		expect_read (off, n, cert + off, n, 0x9000);
	}
}

/* 67 00 to an extended read: short reads, and no extended read again. */
START_TEST (test_cert_fallback_to_short_reads_remembered)
{
	uint8_t *cert = make_cert (1500);
	uint8_t *ca = make_cert (300);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect ("00B000040005D8", "6700");
	expect_short_reads (cert, 4, 1500);   /* 256 x 5 + 216 */
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000B"), OK);
	expect_read (0, 4, ca, 4, 0x9000);
	expect_short_reads (ca, 4, 300);

	assert_reads_cert (JPKI_FILE_AUTH_CERT, cert, 1500);
	ck_assert_uint_eq (script.pos, 10);
	ck_assert_str_eq (script.steps[9].cmd, "00B00504D8");
	jpki_transaction_begin (card);   /* remembered across transactions */
	assert_reads_cert (JPKI_FILE_AUTH_CA_CERT, ca, 300);
	assert_all_sent ();
	free (cert);
	free (ca);
}
END_TEST

START_TEST (test_cert_fallback_after_6Cxx)
{
	uint8_t *cert = make_cert (600);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0002"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect (read_cmd (4, 596), "6C00");
	expect_short_reads (cert, 4, 600);

	assert_reads_cert (JPKI_FILE_SIGN_CA_CERT, cert, 600);
	assert_all_sent ();
	free (cert);
}
END_TEST

/* 6C xx to a short read: asked again with Le xx. */
START_TEST (test_short_read_6Cxx_retries_with_its_le)
{
	uint8_t *cert = make_cert (600);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0002"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect (read_cmd (4, 596), "6700");
	expect (read_cmd (4, 256), "6C80");
	expect_read (4, 128, cert + 4, 128, 0x9000);
	expect_read (132, 128, cert + 132, 128, 0x9000);
	expect_read (260, 128, cert + 260, 128, 0x9000);
	expect_read (388, 128, cert + 388, 128, 0x9000);
	expect_read (516, 84, cert + 516, 84, 0x9000);

	assert_reads_cert (JPKI_FILE_SIGN_CA_CERT, cert, 600);
	assert_all_sent ();
	free (cert);
}
END_TEST

START_TEST (test_cert_6Cxx_not_shrinking_is_refused)
{
	uint8_t *cert = make_cert (600);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0002"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect (read_cmd (4, 596), "6700");
	expect (read_cmd (4, 256), "6C80");
	expect (read_cmd (4, 128), "6C80");

	assert_cert_refused (JPKI_FILE_SIGN_CA_CERT, JPKI_BAD_RESPONSE);
	assert_all_sent ();
	free (cert);
}
END_TEST

/* 62 82 with everything needed is fine, in both read modes. */
START_TEST (test_cert_end_of_file)
{
	uint8_t *cert = make_cert (1500);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0001"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 1496, cert + 4, 1496, 0x6282);
	expect_read (0, 4, cert, 4, 0x9000);
	expect ("00B000040005D8", "6700");
	expect_read (4, 256, cert + 4, 256, 0x9000);
	expect_read (260, 256, cert + 260, 256, 0x9000);
	expect_read (516, 256, cert + 516, 256, 0x9000);
	expect_read (772, 256, cert + 772, 256, 0x9000);
	expect_read (1028, 256, cert + 1028, 256, 0x9000);
	expect_read (1284, 216, cert + 1284, 216, 0x6282);

	assert_reads_cert (JPKI_FILE_SIGN_CERT, cert, 1500);
	assert_reads_cert (JPKI_FILE_SIGN_CERT, cert, 1500);
	assert_all_sent ();
	free (cert);
}
END_TEST

/* A 90 00 read with less than asked: the next read goes on from there. */
START_TEST (test_cert_partial_read_continues)
{
	uint8_t *cert = make_cert (1500);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 1496, cert + 4, 1000, 0x9000);
	expect_read (1004, 496, cert + 1004, 496, 0x9000);

	assert_reads_cert (JPKI_FILE_AUTH_CERT, cert, 1500);
	assert_all_sent ();
	free (cert);
}
END_TEST

START_TEST (test_cert_needs_sign_pin)
{
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0001"), OK);
	expect (read_cmd (0, 4), "6982");

	assert_cert_refused (JPKI_FILE_SIGN_CERT, JPKI_SECURITY_STATUS);
	assert_all_sent ();
}
END_TEST

/* Hostile headers: each answered once, refused without further reads. */
static const char *bad_headers[] = {
	"318205D89000",   /* not a SEQUENCE */
	"308005D89000",   /* indefinite length */
	"308300059000",   /* three length bytes */
	"308420009000",
	"30821FFD9000",   /* 8193 bytes: over the limit */
	"FFFFFFFF9000",   /* erased EF */
	"000000009000",
	"3002" "6282",    /* end of file inside the header */
	"300101029000",   /* short form: 3 bytes in all */
	"300000009000",
	"308205D8" "6A82",
	"90",             /* no status word */
	"",
};

START_TEST (test_cert_bad_header)
{
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect (read_cmd (0, 4), bad_headers[_i]);

	assert_cert_refused (JPKI_FILE_AUTH_CERT,
	                     strcmp (bad_headers[_i], "308205D86A82") == 0 ? JPKI_NOT_FOUND
	                                                                   : JPKI_BAD_RESPONSE);
	assert_all_sent ();
}
END_TEST

/* The other header forms are accepted. */
START_TEST (test_cert_short_header_forms)
{
	static const uint8_t c1[] = { 0x30, 0x81, 0x81, 0xAA };
	uint8_t c2[6] = { 0x30, 0x04, 0x01, 0x02, 0x03, 0x04 };
	uint8_t big[132];

	memcpy (big, c1, 4);
	memset (big + 4, 0x5A, sizeof big - 4);
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, big, 4, 0x9000);
	expect_read (4, 128, big + 4, 128, 0x9000);
	expect_read (0, 4, c2, 4, 0x9000);
	expect_read (4, 2, c2 + 4, 2, 0x9000);

	assert_reads_cert (JPKI_FILE_AUTH_CERT, big, sizeof big);
	assert_reads_cert (JPKI_FILE_AUTH_CERT, c2, sizeof c2);
	assert_all_sent ();
}
END_TEST

/* The header promises more than the EF holds. */
START_TEST (test_cert_shorter_than_header_says)
{
	uint8_t *cert = make_cert (1500);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 1496, cert + 4, 100, 0x6282);

	assert_cert_refused (JPKI_FILE_AUTH_CERT, JPKI_BAD_RESPONSE);
	assert_all_sent ();
	free (cert);
}
END_TEST

START_TEST (test_cert_read_answers_too_many_bytes)
{
	uint8_t *cert = make_cert (1500);
	uint8_t extra[1600];

	memset (extra, 0x77, sizeof extra);
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 1496, extra, 1497, 0x9000);
	expect_read (0, 4, cert, 5, 0x9000);

	assert_cert_refused (JPKI_FILE_AUTH_CERT, JPKI_BAD_RESPONSE);
	assert_cert_refused (JPKI_FILE_AUTH_CERT, JPKI_BAD_RESPONSE);
	assert_all_sent ();
	free (cert);
}
END_TEST

/* 90 00 with no data would loop for ever if it were accepted. */
START_TEST (test_cert_empty_read_refused)
{
	uint8_t *cert = make_cert (1500);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect (read_cmd (4, 1496), OK);
	expect (read_cmd (0, 4), OK);

	assert_cert_refused (JPKI_FILE_AUTH_CERT, JPKI_BAD_RESPONSE);
	assert_cert_refused (JPKI_FILE_AUTH_CERT, JPKI_BAD_RESPONSE);
	assert_all_sent ();
	free (cert);
}
END_TEST

/* An answer longer than the card layer's buffer: the transport reports
 * its length, the card layer must not believe it. */
START_TEST (test_cert_answer_longer_than_buffer)
{
	size_t huge = 70000;
	uint8_t *junk = calloc (1, huge);
	uint8_t *cert = make_cert (1500);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 1496, junk, huge, 0x9000);

	assert_cert_refused (JPKI_FILE_AUTH_CERT, JPKI_BAD_RESPONSE);
	assert_all_sent ();
	free (junk);
	free (cert);
}
END_TEST

START_TEST (test_cert_bad_file)
{
	assert_cert_refused ((enum jpki_file) 42, JPKI_BAD_INPUT);
	assert_all_sent ();
}
END_TEST

/* ---- small EFs ---- */

START_TEST (test_token_info_trimmed)
{
	char label[40];

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0006"), OK);
	/* "JPKI" 01 "AP" 7F "TOKEN 2", spaces and NULs, end of file. */
	expect (read_cmd (0, 32), "4A504B4901415050" "7F544F4B454E2032" "20200020" "6282");
	expect (read_cmd (0, 32), "202020" "9000");
	expect (read_cmd (0, 32), "9000");

	memset (label, 'x', sizeof label);
	ck_assert_int_eq (jpki_read_token_info (card, label, 33), JPKI_OK);
	ck_assert_str_eq (label, "JPKIAPPTOKEN 2");
	ck_assert_int_eq (jpki_read_token_info (card, label, 33), JPKI_OK);
	ck_assert_str_eq (label, "");
	ck_assert_int_eq (jpki_read_token_info (card, label, 33), JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_read_token_info (card, label, 32), JPKI_BAD_INPUT);
	assert_all_sent ();
}
END_TEST

START_TEST (test_token_info_full_and_too_long)
{
	char label[33];
	char answer[2 * 33 + 5];
	char expected[33];
	size_t i;

	for (i = 0; i < 32; i++) {
		snprintf (answer + 2 * i, 3, "%02X", 'A' + (unsigned) (i % 26));
		expected[i] = (char) ('A' + i % 26);
	}
	expected[32] = '\0';
	strcpy (answer + 64, "9000");
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0006"), OK);
	expect (read_cmd (0, 32), answer);
	strcpy (answer + 64, "419000");   /* 33 bytes for Le 32 */
	expect (read_cmd (0, 32), answer);

	ck_assert_int_eq (jpki_read_token_info (card, label, sizeof label), JPKI_OK);
	ck_assert_str_eq (label, expected);
	ck_assert_int_eq (jpki_read_token_info (card, label, sizeof label), JPKI_BAD_RESPONSE);
	assert_all_sent ();
}
END_TEST

/* ---- PIN tries ---- */

static const struct {
	const char *answer;
	enum jpki_result result;
	int tries;
} tries_rows[] = {
	{ "63C3", JPKI_OK, 3 },
	{ "63C5", JPKI_OK, 5 },
	{ "63C0", JPKI_PIN_BLOCKED, 0 },
	{ "6983", JPKI_PIN_BLOCKED, 0 },
	{ "6984", JPKI_PIN_BLOCKED, 0 },
	{ "9000", JPKI_OK, -1 },
	{ "6300", JPKI_BAD_RESPONSE, -1 },   /* 63 without C: no count */
	{ "6983" "00", JPKI_BAD_RESPONSE, -1 },   /* SW 8300 after a data byte */
	{ "6A86", JPKI_BAD_RESPONSE, -1 },
	{ "6982", JPKI_BAD_RESPONSE, -1 },
};

START_TEST (test_pin_tries)
{
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0018"), OK);
	expect (EMPTY_VERIFY, tries_rows[_i].answer);

	ck_assert_int_eq (jpki_pin_tries (card, JPKI_KEY_AUTH, &tries), tries_rows[_i].result);
	ck_assert_int_eq (tries, tries_rows[_i].tries);
	assert_all_sent ();
}
END_TEST

START_TEST (test_pin_tries_no_pin)
{
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("001B"), "6A82");

	ck_assert_int_eq (jpki_pin_tries (card, JPKI_KEY_SIGN, &tries), JPKI_NOT_FOUND);
	ck_assert_int_eq (tries, -1);
	assert_all_sent ();
}
END_TEST

/* ---- VERIFY ---- */

START_TEST (test_verify_outcomes)
{
	static const uint8_t pin[] = "1234";
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0018"), OK);
	expect ("002000800431323334", "63C2");
	expect ("002000800431323334", "63C0");
	expect ("002000800431323334", "6983");
	expect ("002000800431323334", "6982");
	expect ("002000800431323334", OK);

	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, pin, 4, &tries), JPKI_PIN_INCORRECT);
	ck_assert_int_eq (tries, 2);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, pin, 4, &tries), JPKI_PIN_BLOCKED);
	ck_assert_int_eq (tries, 0);
	tries = 99;
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, pin, 4, &tries), JPKI_PIN_BLOCKED);
	ck_assert_int_eq (tries, 0);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, pin, 4, &tries),
	                  JPKI_SECURITY_STATUS);
	ck_assert_int_eq (tries, -1);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, pin, 4, NULL), JPKI_OK);
	assert_all_sent ();
}
END_TEST

START_TEST (test_verify_sign_pin)
{
	static const uint8_t pin[] = "ABC123";
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("001B"), OK);
	expect ("0020008006414243313233", OK);

	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_SIGN, pin, 6, &tries), JPKI_OK);
	ck_assert_int_eq (tries, -1);
	assert_all_sent ();
}
END_TEST

/* Lengths the card never sees: an empty PIN would be the tries query. */
START_TEST (test_verify_bad_input)
{
	static uint8_t long_pin[256];
	int tries = 99;

	memset (long_pin, '1', sizeof long_pin);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, long_pin, 0, &tries), JPKI_BAD_INPUT);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, long_pin, 256, &tries),
	                  JPKI_BAD_INPUT);
	ck_assert_int_eq (jpki_verify_pin (card, JPKI_KEY_AUTH, NULL, 4, &tries), JPKI_BAD_INPUT);
	assert_all_sent ();
}
END_TEST

/* ---- CHANGE REFERENCE DATA ---- */

START_TEST (test_change_pin)
{
	static const uint8_t old_pin[] = "ABC123", new_pin[] = "NEW4567";
	int tries = 99;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("001B"), OK);
	expect ("0020008006414243313233", OK);
	expect ("00240180074E455734353637", OK);
	/* Refused new PIN. */
	expect ("0020008006414243313233", OK);
	expect ("00240180074E455734353637", "6A80");
	/* Wrong old PIN: no CHANGE sent. */
	expect ("0020008006414243313233", "63C4");

	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_SIGN, old_pin, 6, new_pin, 7, &tries),
	                  JPKI_OK);
	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_SIGN, old_pin, 6, new_pin, 7, &tries),
	                  JPKI_PIN_REJECTED);
	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_SIGN, old_pin, 6, new_pin, 7, &tries),
	                  JPKI_PIN_INCORRECT);
	ck_assert_int_eq (tries, 4);
	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_SIGN, old_pin, 6, new_pin, 0, &tries),
	                  JPKI_BAD_INPUT);
	assert_all_sent ();
}
END_TEST

START_TEST (test_change_pin_not_verified)
{
	static const uint8_t old_pin[] = "1234", new_pin[] = "5678";

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0018"), OK);
	expect ("002000800431323334", OK);
	expect ("002401800435363738", "6982");

	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_AUTH, old_pin, 4, new_pin, 4, NULL),
	                  JPKI_SECURITY_STATUS);
	assert_all_sent ();
}
END_TEST

/* ---- COMPUTE DIGITAL SIGNATURE ---- */

static const char digest_info[] =
	"3031300D060960864801650304020105000420"
	"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";

START_TEST (test_sign)
{
	uint8_t di[51], sig[300], expected[256];
	size_t sig_len = 0, i;
	char cmd[2 * 64 + 16];

	ck_assert_uint_eq (bytes_of (digest_info, di), 51);
	for (i = 0; i < sizeof expected; i++)
		expected[i] = (uint8_t) (255 - i);
	snprintf (cmd, sizeof cmd, "802A008033%s00", digest_info);
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0017"), OK);
	expect_data (cmd, expected, 256, 0x9000);
	expect_data (cmd, expected, 256, 0x9000);   /* key EF still current */
	expect (SELECT_EF ("001A"), OK);
	expect_data (cmd, expected, 255, 0x9000);

	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_AUTH, di, 51, sig, sizeof sig, &sig_len), JPKI_OK);
	ck_assert_uint_eq (sig_len, 256);
	ck_assert_mem_eq (sig, expected, 256);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_AUTH, di, 51, sig, 256, &sig_len), JPKI_OK);
	ck_assert_uint_eq (sig_len, 256);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, di, 51, sig, 256, &sig_len), JPKI_OK);
	ck_assert_uint_eq (sig_len, 255);
	assert_all_sent ();
}
END_TEST

START_TEST (test_sign_refusals)
{
	uint8_t data[246], sig[256], answer[260];
	size_t sig_len = 99;
	char cmd[16];

	memset (data, 0x41, sizeof data);
	memset (answer, 0x42, sizeof answer);
	snprintf (cmd, sizeof cmd, "802A00800141" "00");
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("001A"), OK);
	expect (cmd, "6982");
	expect_data (cmd, answer, 257, 0x9000);   /* more than Le */
	expect_data (cmd, answer, 256, 0x9000);   /* more than sig_cap */
	expect (cmd, OK);                         /* no signature at all */
	expect_data (cmd, answer, 256, 0x6282);

	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 1, sig, 256, &sig_len),
	                  JPKI_SECURITY_STATUS);
	ck_assert_uint_eq (sig_len, 0);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 1, sig, 256, &sig_len),
	                  JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 1, sig, 128, &sig_len),
	                  JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 1, sig, 256, &sig_len),
	                  JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 1, sig, 256, &sig_len),
	                  JPKI_BAD_RESPONSE);
	ck_assert_uint_eq (sig_len, 0);
	/* Input lengths the card never sees. */
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 0, sig, 256, &sig_len),
	                  JPKI_BAD_INPUT);
	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_SIGN, data, 246, sig, 256, &sig_len),
	                  JPKI_BAD_INPUT);
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
	expect (SELECT_EF ("0017"), OK);
	st = add_step ("");
	free (st->cmd);
	st->cmd = malloc (2 * (4 + 1 + 245 + 1) + 1);
	strcpy (st->cmd, "802A0080F5");
	memset (st->cmd + 10, 'A', 2 * 245);
	for (size_t i = 0; i < 245; i++)
		st->cmd[10 + 2 * i] = '5';
	strcpy (st->cmd + 10 + 2 * 245, "00");
	st->resp = calloc (1, 258);
	st->resp[256] = 0x90;
	st->resp_len = 258;

	ck_assert_int_eq (jpki_sign (card, JPKI_KEY_AUTH, data, 245, sig, 256, &sig_len), JPKI_OK);
	ck_assert_uint_eq (sig_len, 256);
	assert_all_sent ();
}
END_TEST

/* ---- logout ---- */

START_TEST (test_clear_security_state)
{
	bool has_sign;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F9000");
	expect (SELECT_MF, OK);
	/* The application is no longer selected: selected again. */
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0008"), OK);
	expect (read_cmd (0, 1), "8F9000");

	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_OK);
	ck_assert_int_eq (jpki_clear_security_state (card), JPKI_OK);
	ck_assert_int_eq (jpki_read_certificate_presence (card, &has_sign), JPKI_OK);
	ck_assert (has_sign);
	assert_all_sent ();
}
END_TEST

START_TEST (test_clear_security_state_fallback)
{
	expect (SELECT_MF, "6A86");
	expect (SELECT_MF_PLAIN, OK);
	expect (SELECT_MF, "6A82");
	expect (SELECT_MF_PLAIN, "6A82");
	expect (SELECT_MF, "6D00");
	expect (SELECT_MF, "6982");

	ck_assert_int_eq (jpki_clear_security_state (card), JPKI_OK);
	ck_assert_int_eq (jpki_clear_security_state (card), JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_clear_security_state (card), JPKI_BAD_RESPONSE);
	ck_assert_int_eq (jpki_clear_security_state (card), JPKI_BAD_RESPONSE);
	assert_all_sent ();
}
END_TEST

/* ---- transport failures ---- */

static const struct {
	enum jpki_transport_result transport;
	enum jpki_result result;
} transport_rows[] = {
	{ JPKI_TRANSPORT_RESET, JPKI_CARD_RESET },
	{ JPKI_TRANSPORT_REMOVED, JPKI_CARD_REMOVED },
	{ JPKI_TRANSPORT_FAILED, JPKI_TRANSPORT_ERROR },
};

/* Any transport failure makes the selection unknown, even inside the
 * same transaction. */
START_TEST (test_transport_failure)
{
	uint8_t *cert = make_cert (300);
	int tries = 99;
	uint8_t *der = NULL;
	size_t len = 0;

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_transport (read_cmd (4, 296), transport_rows[_i].transport);
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0018"), OK);
	expect_transport (EMPTY_VERIFY, transport_rows[_i].transport);
	expect_transport (SELECT_AP, transport_rows[_i].transport);
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 296, cert + 4, 296, 0x9000);

	ck_assert_int_eq (jpki_read_certificate (card, JPKI_FILE_AUTH_CERT, &der, &len),
	                  transport_rows[_i].result);
	ck_assert_ptr_null (der);
	ck_assert_int_eq (jpki_pin_tries (card, JPKI_KEY_AUTH, &tries), transport_rows[_i].result);
	ck_assert_int_eq (tries, -1);
	ck_assert_int_eq (jpki_select_application (card), transport_rows[_i].result);
	assert_reads_cert (JPKI_FILE_AUTH_CERT, cert, 300);
	assert_all_sent ();
	free (cert);
}
END_TEST

/* A transport failure is not a reason to give up extended reads. */
START_TEST (test_transport_failure_keeps_extended)
{
	uint8_t *cert = make_cert (600);

	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_transport (read_cmd (4, 596), JPKI_TRANSPORT_FAILED);
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("000A"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 596, cert + 4, 596, 0x9000);

	assert_cert_refused (JPKI_FILE_AUTH_CERT, JPKI_TRANSPORT_ERROR);
	assert_reads_cert (JPKI_FILE_AUTH_CERT, cert, 600);
	assert_all_sent ();
	free (cert);
}
END_TEST

/* ---- logging ---- */

static char *
slurp (const char *path)
{
	FILE *f = fopen (path, "r");
	char *text = calloc (1, 65536);
	size_t n;

	ck_assert_ptr_nonnull (f);
	n = fread (text, 1, 65535, f);
	text[n] = '\0';
	fclose (f);
	return text;
}

static char log_path[64];

static void
log_start (void)
{
	int fd;

	strcpy (log_path, "/tmp/test-jpki-log-XXXXXX");
	fd = mkstemp (log_path);
	ck_assert_int_ge (fd, 0);
	close (fd);
	setenv ("JPKI_PKCS11_DEBUG", log_path, 1);
	jpki_log_open ();
	ck_assert (jpki_log_enabled);
}

/* The log's text, to free. */
static char *
log_stop (void)
{
	char *text;

	jpki_log_close ();
	ck_assert (!jpki_log_enabled);
	unsetenv ("JPKI_PKCS11_DEBUG");
	text = slurp (log_path);
	unlink (log_path);
	return text;
}

/* The log shows every APDU but no PIN byte. */
START_TEST (test_log_masks_pins)
{
	static const uint8_t old_pin[] = "ABC123", new_pin[] = "XYZ789";
	char *text;

	log_start ();
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("001B"), OK);
	expect ("0020008006414243313233", OK);
	expect ("002401800658595A373839", OK);
	ck_assert_int_eq (jpki_change_pin (card, JPKI_KEY_SIGN, old_pin, 6, new_pin, 6, NULL),
	                  JPKI_OK);
	text = log_stop ();
	ck_assert_ptr_nonnull (strstr (text, "jpki-pkcs11: jpki.c:"));
	ck_assert_ptr_nonnull (strstr (text, "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"));
	ck_assert_ptr_nonnull (strstr (text, "00 20 00 80 06 ** ** ** ** ** **\n"));
	ck_assert_ptr_nonnull (strstr (text, "00 24 01 80 06 ** ** ** ** ** **\n"));
	ck_assert_ptr_null (strstr (text, "41 42 43"));
	ck_assert_ptr_null (strstr (text, "58 59 5A"));
	ck_assert_ptr_null (strstr (text, "ABC123"));
	assert_all_sent ();
	free (text);
}
END_TEST

/* Certificates are not dumped (the signature one is personal data);
 * small EFs are. */
START_TEST (test_log_hides_certificate_data)
{
	uint8_t *cert = make_cert (300);
	char *text;

	memset (cert + 4, 0xEE, 296);
	log_start ();
	expect (SELECT_AP, OK);
	expect (SELECT_EF ("0001"), OK);
	expect_read (0, 4, cert, 4, 0x9000);
	expect_read (4, 296, cert + 4, 296, 0x9000);
	expect (SELECT_EF ("0006"), OK);
	expect (read_cmd (0, 32), "4A504B49" "9000");
	assert_reads_cert (JPKI_FILE_SIGN_CERT, cert, 300);
	ck_assert_int_eq (jpki_read_token_info (card, (char [33]) { 0 }, 33), JPKI_OK);
	text = log_stop ();

	ck_assert_ptr_nonnull (strstr (text, "00 B0 00 04 00 01 28\n"));
	ck_assert_ptr_nonnull (strstr (text, "answer: 9000, 296 data bytes"));
	ck_assert_ptr_null (strstr (text, "EE"));
	ck_assert_ptr_nonnull (strstr (text, "4A 50 4B 49\n"));
	assert_all_sent ();
	free (text);
	free (cert);
}
END_TEST

START_TEST (test_result_names)
{
	enum jpki_result r;
	size_t i, j;
	const char *names[JPKI_NO_MEMORY + 1];

	for (r = JPKI_OK; r <= JPKI_NO_MEMORY; r++) {
		names[r] = jpki_result_name (r);
		ck_assert_str_ne (names[r], "unknown");
	}
	for (i = 0; i <= JPKI_NO_MEMORY; i++)
		for (j = i + 1; j <= JPKI_NO_MEMORY; j++)
			ck_assert_str_ne (names[i], names[j]);
	ck_assert_ptr_null (jpki_card_new (NULL));
}
END_TEST

#define N_ROWS(a) (int) (sizeof (a) / sizeof ((a)[0]))

static TCase *
new_case (Suite *s, const char *name)
{
	TCase *tc = tcase_create (name);

	tcase_add_checked_fixture (tc, setup, teardown);
	suite_add_tcase (s, tc);
	return tc;
}

static Suite *
jpki_suite (void)
{
	Suite *s = suite_create ("jpki");
	TCase *tc;

	tc = new_case (s, "selection");
	tcase_add_test (tc, test_ap_selected_once_per_transaction);
	tcase_add_test (tc, test_ef_not_reselected_when_current);
	tcase_add_test (tc, test_select_ap_failure_is_not_jpki);
	tcase_add_test (tc, test_failed_ef_select_forgotten);

	tc = new_case (s, "certificate");
	tcase_add_test (tc, test_cert_header_then_one_extended_read);
	tcase_add_test (tc, test_cert_fallback_to_short_reads_remembered);
	tcase_add_test (tc, test_cert_fallback_after_6Cxx);
	tcase_add_test (tc, test_short_read_6Cxx_retries_with_its_le);
	tcase_add_test (tc, test_cert_6Cxx_not_shrinking_is_refused);
	tcase_add_test (tc, test_cert_end_of_file);
	tcase_add_test (tc, test_cert_partial_read_continues);
	tcase_add_test (tc, test_cert_needs_sign_pin);
	tcase_add_loop_test (tc, test_cert_bad_header, 0, N_ROWS (bad_headers));
	tcase_add_test (tc, test_cert_short_header_forms);
	tcase_add_test (tc, test_cert_shorter_than_header_says);
	tcase_add_test (tc, test_cert_read_answers_too_many_bytes);
	tcase_add_test (tc, test_cert_empty_read_refused);
	tcase_add_test (tc, test_cert_answer_longer_than_buffer);
	tcase_add_test (tc, test_cert_bad_file);

	tc = new_case (s, "small-efs");
	tcase_add_test (tc, test_token_info_trimmed);
	tcase_add_test (tc, test_token_info_full_and_too_long);

	tc = new_case (s, "pin");
	tcase_add_loop_test (tc, test_pin_tries, 0, N_ROWS (tries_rows));
	tcase_add_test (tc, test_pin_tries_no_pin);
	tcase_add_test (tc, test_verify_outcomes);
	tcase_add_test (tc, test_verify_sign_pin);
	tcase_add_test (tc, test_verify_bad_input);
	tcase_add_test (tc, test_change_pin);
	tcase_add_test (tc, test_change_pin_not_verified);

	tc = new_case (s, "sign");
	tcase_add_test (tc, test_sign);
	tcase_add_test (tc, test_sign_refusals);
	tcase_add_test (tc, test_sign_longest_input);

	tc = new_case (s, "logout");
	tcase_add_test (tc, test_clear_security_state);
	tcase_add_test (tc, test_clear_security_state_fallback);

	tc = new_case (s, "transport");
	tcase_add_loop_test (tc, test_transport_failure, 0, N_ROWS (transport_rows));
	tcase_add_test (tc, test_transport_failure_keeps_extended);

	tc = new_case (s, "misc");
	tcase_add_test (tc, test_log_masks_pins);
	tcase_add_test (tc, test_log_hides_certificate_data);
	tcase_add_test (tc, test_result_names);
	return s;
}

int
main (void)
{
	SRunner *runner = srunner_create (jpki_suite ());
	int failed;

	srunner_run_all (runner, CK_NORMAL);
	failed = srunner_ntests_failed (runner);
	srunner_free (runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
