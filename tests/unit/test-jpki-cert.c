/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Certificate reads of the JPKI protocol against a scripted stand-in
 * transport (script-transport.h): extended and short reads, the fall-back
 * from one to the other, and hostile answers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-cert.h"
#include "jpki.h"
#include "script-transport.h"

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

/* ---- certificate reads, scripted ---- */

/* One exchange of a certificate read: the command (NULL: READ BINARY of
 * le bytes at offset) and the card's answer: resp (hex, SW included), or
 * else n bytes of the certificate from offset (0: le bytes) then sw; or,
 * with fail set, the transport failing. */
struct read_step {
	const char *cmd;
	size_t offset, le;
	const char *resp;
	size_t n;
	uint16_t sw;
	enum jpki_transport_result fail;
};

#define SELECT_STEPS(fid) { SELECT_AP, .resp = OK }, { SELECT_EF (fid), .resp = OK }
#define READ(o, l) { .offset = (o), .le = (l), .sw = 0x9000 }
#define READ_SW(o, l, count, status) { .offset = (o), .le = (l), .n = (count), .sw = (status) }
#define READ_ANSWERED(o, l, answer) { .offset = (o), .le = (l), .resp = (answer) }
#define READ_FAILS(o, l, result) { .offset = (o), .le = (l), .fail = (result) }

/* A certificate of size bytes (make_cert; 0: none), the exchanges the
 * card layer must make, and what its reads of files give, in order
 * (JPKI_OK: the whole certificate). */
static const struct {
	const char *name;
	size_t size;
	struct read_step steps[16];
	struct {
		enum jpki_file file;
		enum jpki_result result;
	} reads[4];
	int read_count;
} cert_reads[] = {
	{ "header, then one extended read", 1500, {
		SELECT_STEPS ("000A"),
		READ_ANSWERED (0, 4, "308205D89000"),
		READ (4, 1496),
	}, { { JPKI_FILE_AUTH_CERT, JPKI_OK } }, 1 },
	{ "EF not selected again while current", 200, {
		SELECT_STEPS ("000A"),
		READ (0, 4), READ (4, 196),
		/* Same EF again: no SELECT. */
		READ (0, 4), READ (4, 196),
		/* Another EF, then back: both selected. */
		{ SELECT_EF ("000B"), .resp = OK },
		READ (0, 4), READ (4, 196),
		{ SELECT_EF ("000A"), .resp = OK },
		READ (0, 4), READ (4, 196),
	}, { { JPKI_FILE_AUTH_CERT, JPKI_OK }, { JPKI_FILE_AUTH_CERT, JPKI_OK },
	     { JPKI_FILE_AUTH_CA_CERT, JPKI_OK }, { JPKI_FILE_AUTH_CERT, JPKI_OK } }, 4 },
	{ "6C xx to an extended read: short reads", 600, {
		SELECT_STEPS ("0002"),
		READ (0, 4),
		READ_ANSWERED (4, 596, "6C00"),
		READ (4, 256), READ (260, 256), READ (516, 84),
	}, { { JPKI_FILE_SIGN_CA_CERT, JPKI_OK } }, 1 },
	/* 6C xx to a short read: asked again with Le xx. */
	{ "6C xx to a short read: its Le", 600, {
		SELECT_STEPS ("0002"),
		READ (0, 4),
		READ_ANSWERED (4, 596, "6700"),
		READ_ANSWERED (4, 256, "6C80"),
		READ (4, 128), READ (132, 128), READ (260, 128), READ (388, 128), READ (516, 84),
	}, { { JPKI_FILE_SIGN_CA_CERT, JPKI_OK } }, 1 },
	{ "6C xx not shrinking is refused", 600, {
		SELECT_STEPS ("0002"),
		READ (0, 4),
		READ_ANSWERED (4, 596, "6700"),
		READ_ANSWERED (4, 256, "6C80"),
		READ_ANSWERED (4, 128, "6C80"),
	}, { { JPKI_FILE_SIGN_CA_CERT, JPKI_BAD_RESPONSE } }, 1 },
	/* 62 82 with everything needed is fine, in both read modes. */
	{ "end of file", 1500, {
		SELECT_STEPS ("0001"),
		READ (0, 4),
		READ_SW (4, 1496, 1496, 0x6282),
		READ (0, 4),
		READ_ANSWERED (4, 1496, "6700"),
		READ (4, 256), READ (260, 256), READ (516, 256), READ (772, 256), READ (1028, 256),
		READ_SW (1284, 216, 216, 0x6282),
	}, { { JPKI_FILE_SIGN_CERT, JPKI_OK }, { JPKI_FILE_SIGN_CERT, JPKI_OK } }, 2 },
	/* A 90 00 read with less than asked: the next read goes on from there. */
	{ "partial read continues", 1500, {
		SELECT_STEPS ("000A"),
		READ (0, 4),
		READ_SW (4, 1496, 1000, 0x9000),
		READ (1004, 496),
	}, { { JPKI_FILE_AUTH_CERT, JPKI_OK } }, 1 },
	{ "needs the sign PIN", 0, {
		SELECT_STEPS ("0001"),
		READ_ANSWERED (0, 4, "6982"),
	}, { { JPKI_FILE_SIGN_CERT, JPKI_SECURITY_STATUS } }, 1 },
	/* The header promises more than the EF holds. */
	{ "shorter than the header says", 1500, {
		SELECT_STEPS ("000A"),
		READ (0, 4),
		READ_SW (4, 1496, 100, 0x6282),
	}, { { JPKI_FILE_AUTH_CERT, JPKI_BAD_RESPONSE } }, 1 },
	/* 90 00 with no data would loop for ever if it were accepted. */
	{ "empty read refused", 1500, {
		SELECT_STEPS ("000A"),
		READ (0, 4),
		READ_ANSWERED (4, 1496, OK),
		READ_ANSWERED (0, 4, OK),
	}, { { JPKI_FILE_AUTH_CERT, JPKI_BAD_RESPONSE }, { JPKI_FILE_AUTH_CERT, JPKI_BAD_RESPONSE } }, 2 },
	/* Only a transport failure of an extended read is the reader's limit:
	 * one of a short read, or a removal or reset, ends the read. */
	{ "short read transport failure not retried", 600, {
		SELECT_STEPS ("000A"),
		READ (0, 4),
		READ_FAILS (4, 596, JPKI_TRANSPORT_FAILED),
		SELECT_STEPS ("000A"),
		READ_FAILS (4, 256, JPKI_TRANSPORT_FAILED),
		SELECT_STEPS ("000A"),
		READ (0, 4),
		READ_FAILS (4, 256, JPKI_TRANSPORT_REMOVED),
	}, { { JPKI_FILE_AUTH_CERT, JPKI_TRANSPORT_ERROR }, { JPKI_FILE_AUTH_CERT, JPKI_CARD_REMOVED } },
	  2 },
	/* A removal during an extended read is no reason to give extended reads up. */
	{ "reset keeps extended reads", 600, {
		SELECT_STEPS ("000A"),
		READ (0, 4),
		READ_FAILS (4, 596, JPKI_TRANSPORT_RESET),
		SELECT_STEPS ("000A"),
		READ (0, 4),
		READ (4, 596),
	}, { { JPKI_FILE_AUTH_CERT, JPKI_CARD_RESET }, { JPKI_FILE_AUTH_CERT, JPKI_OK } }, 2 },
};

START_TEST (test_cert_reads)
{
	uint8_t *cert = cert_reads[_i].size ? make_cert (cert_reads[_i].size) : NULL;

	for (int i = 0; i < N_ROWS (cert_reads[_i].steps); i++) {
		const struct read_step *st = &cert_reads[_i].steps[i];
		const char *cmd = st->cmd ? st->cmd : read_cmd (st->offset, st->le);

		if (st->cmd == NULL && st->le == 0)
			break;

		if (st->fail)
			expect_transport (cmd, st->fail);
		else if (st->resp)
			expect (cmd, st->resp);
		else
			expect_data (cmd, cert + st->offset, st->n ? st->n : st->le, st->sw);
	}
	for (int r = 0; r < cert_reads[_i].read_count; r++) {
		if (cert_reads[_i].reads[r].result == JPKI_OK)
			assert_reads_cert (cert_reads[_i].reads[r].file, cert, cert_reads[_i].size);
		else
			assert_cert_refused (cert_reads[_i].reads[r].file, cert_reads[_i].reads[r].result);
	}
	assert_all_sent ();
	free (cert);
}
END_TEST

static Suite *
jpki_cert_suite (void)
{
	Suite *s = suite_create ("jpki-cert");
	TCase *tc;

	tc = script_case (s, "certificate");
	tcase_add_test (tc, test_cert_fallback_to_short_reads_remembered);
	tcase_add_loop_test (tc, test_cert_bad_header, 0, N_ROWS (bad_headers));
	tcase_add_test (tc, test_cert_short_header_forms);
	tcase_add_test (tc, test_cert_read_answers_too_many_bytes);
	tcase_add_test (tc, test_cert_answer_longer_than_buffer);
	tcase_add_test (tc, test_cert_bad_file);
	tcase_add_loop_test (tc, test_cert_reads, 0, N_ROWS (cert_reads));
	return s;
}

int
main (void)
{
	SRunner *runner = srunner_create (jpki_cert_suite ());
	int failed;

	srunner_run_all (runner, CK_NORMAL);
	failed = srunner_ntests_failed (runner);
	srunner_free (runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
