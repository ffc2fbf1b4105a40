/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* COMPUTE DIGITAL SIGNATURE, 80 2A P1 P2, checked with the public keys:
 * every scheme (P1) with both keys, by SELECT and by short EF id (P2),
 * input lengths, and the status words of each card generation. */
#include <string.h>

#include <openssl/rsa.h>

#include "test-fixture.h"

static const struct fixture_spec adult;
static const struct fixture_spec minor = { .no_sign = true };

#define SIGN_HELLO "802A00800568656C6C6F00"
/* 32 bytes, the size of a SHA-256 hash */
#define HASH32 "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"

static const char message[] = "document to sign";

/* DER DigestInfo prefix for SHA-256 (RFC 8017 section 9.2, note 1). */
static const uint8_t sha256_prefix[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
	0x01, 0x05, 0x00, 0x04, 0x20,
};

/* 80 2A P1 P2, Lc, data, Le asking for 256: short up to 255 bytes of
 * data, extended beyond.  Returns the APDU's length. */
static size_t sign_apdu(uint8_t *apdu, uint8_t p1, uint8_t p2, const uint8_t *data, size_t len)
{
	size_t n = 0;

	apdu[n++] = 0x80;
	apdu[n++] = 0x2A;
	apdu[n++] = p1;
	apdu[n++] = p2;
	if (len <= 255) {
		apdu[n++] = (uint8_t)len;
		memcpy(apdu + n, data, len);
		n += len;
		apdu[n++] = 0x00;
	} else {
		apdu[n++] = 0x00;
		apdu[n++] = (uint8_t)(len >> 8);
		apdu[n++] = (uint8_t)len;
		memcpy(apdu + n, data, len);
		n += len;
		apdu[n++] = 0x01;
		apdu[n++] = 0x00;
	}
	return n;
}

static void sha256(const void *data, size_t len, uint8_t *hash)
{
	ck_assert_int_eq(EVP_Digest(data, len, hash, NULL, EVP_sha256(), NULL), 1);
}

/* Undoes a PKCS#1 v1.5 signature with the public key; returns the
 * recovered length, 0 when it does not open. */
static size_t recover(enum credential cred, const uint8_t *sig, size_t sig_len, uint8_t *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(fixture_key(cred), NULL);
	size_t out_len = 256;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_PKEY_verify_recover_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
	if (EVP_PKEY_verify_recover(ctx, out, &out_len, sig, sig_len) <= 0)
		out_len = 0;
	EVP_PKEY_CTX_free(ctx);
	return out_len;
}

/* sha256WithRSAEncryption (salt_len 0) or RSASSA-PSS with SHA-256,
 * MGF1-SHA-256 and exactly salt_len bytes of salt. */
static bool verify_sha256(enum credential cred, int salt_len, const uint8_t *msg, size_t msg_len,
			  const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	bool ok;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, fixture_key(cred)), 1);
	if (salt_len > 0) {
		ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
		ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()), 1);
		ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_len), 1);
	}
	ok = EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* How a P1 scheme's signature of `message` is checked. */
enum check {
	CHECK_BARE_HASH,        /* PKCS#1 v1.5 that recovers the bare SHA-256 */
	CHECK_PKCS1,            /* sha256WithRSAEncryption */
	CHECK_PSS,              /* RSASSA-PSS, salt 32, MGF1-SHA-256 */
};

/* What the host sends for `message`. */
enum input {
	INPUT_DIGEST_INFO,
	INPUT_HASH,
	INPUT_MESSAGE,
};

static const struct scheme_row {
	uint8_t p1;
	enum input input;
	enum check check;
} scheme_rows[] = {
	{ 0x00, INPUT_DIGEST_INFO, CHECK_PKCS1 },
	{ 0x01, INPUT_MESSAGE, CHECK_BARE_HASH },
	{ 0x02, INPUT_HASH, CHECK_PKCS1 },
	{ 0x03, INPUT_MESSAGE, CHECK_PKCS1 },
	{ 0x04, INPUT_HASH, CHECK_PSS },
	{ 0x05, INPUT_MESSAGE, CHECK_PSS },
};
#define SCHEME_ROWS (int)(sizeof(scheme_rows) / sizeof(scheme_rows[0]))

static size_t make_input(enum input input, uint8_t *out)
{
	switch (input) {
	case INPUT_DIGEST_INFO:
		memcpy(out, sha256_prefix, sizeof(sha256_prefix));
		sha256(message, strlen(message), out + sizeof(sha256_prefix));
		return sizeof(sha256_prefix) + 32;
	case INPUT_HASH:
		sha256(message, strlen(message), out);
		return 32;
	case INPUT_MESSAGE:
		memcpy(out, message, strlen(message));
		return strlen(message);
	}
	return 0;
}

static bool signature_checks(enum check check, enum credential cred, const uint8_t *sig)
{
	const uint8_t *msg = (const uint8_t *)message;
	uint8_t hash[32], recovered[256];

	switch (check) {
	case CHECK_BARE_HASH:
		sha256(message, strlen(message), hash);
		return recover(cred, sig, 256, recovered) == 32 && memcmp(recovered, hash, 32) == 0;
	case CHECK_PKCS1:
		return verify_sha256(cred, 0, msg, strlen(message), sig, 256);
	case CHECK_PSS:
		/* OpenSSL checks the salt's length when told one: 20 must fail. */
		return verify_sha256(cred, 32, msg, strlen(message), sig, 256)
		       && !verify_sha256(cred, 20, msg, strlen(message), sig, 256);
	}
	return false;
}

/* Each scheme x each key x key selected (P2 80) or named (P2 80|id). */
START_TEST(every_scheme_signs)
{
	const struct scheme_row *row = &scheme_rows[_i % SCHEME_ROWS];
	enum credential cred = (_i / SCHEME_ROWS) % 2 ? CREDENTIAL_SIGN : CREDENTIAL_AUTH;
	bool named = _i / (SCHEME_ROWS * 2);
	const char *pin = cred == CREDENTIAL_AUTH ? FIXTURE_AUTH_PIN : FIXTURE_SIGN_PIN;
	uint16_t key_fid = credential_specs[cred].key_fid;
	struct vcard *card = fixture_open_card(&adult, NULL);
	uint8_t input[64], apdu[80];
	size_t len = make_input(row->input, input);

	verify_pin(card, cred, pin);
	if (!named)
		select_ef(card, key_fid);
	len = sign_apdu(apdu, row->p1, named ? (uint8_t)(0x80 | key_fid) : 0x80, input, len);
	ck_assert_uint_eq(send_bytes(card, apdu, len), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 256);
	ck_assert_msg(signature_checks(row->check, cred, fixture_response),
		      "P1 %02X key %04X named %d: signature does not verify", row->p1, key_fid, named);
	ck_assert_msg(!signature_checks(row->check, 1 - cred, fixture_response),
		      "P1 %02X: verifies with the other key", row->p1);
	vcard_close(card);
}
END_TEST

/* PSS has a random salt: the same hash signs differently each time. */
START_TEST(pss_is_randomised)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	uint8_t first[256];

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	ck_assert_uint_eq(send_hex(card, "802A0497" "20" HASH32 "00"), 0x9000);
	memcpy(first, fixture_response, 256);
	ck_assert_uint_eq(send_hex(card, "802A0497" "20" HASH32 "00"), 0x9000);
	ck_assert_mem_ne(first, fixture_response, 256);
	vcard_close(card);
}
END_TEST

/* --pss-salt-len: a card that signs PSS with another salt length. */
START_TEST(pss_other_salt_length)
{
	struct vcard_options opt = { .pss_salt_len = 20 };
	struct vcard *card = fixture_open_card(&adult, &opt);
	const uint8_t *msg = (const uint8_t *)message;
	uint8_t apdu[64], hash[32];
	size_t len;

	sha256(message, strlen(message), hash);
	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	len = sign_apdu(apdu, 0x04, 0x97, hash, sizeof(hash));
	ck_assert_uint_eq(send_bytes(card, apdu, len), 0x9000);
	ck_assert(verify_sha256(CREDENTIAL_AUTH, 20, msg, strlen(message), fixture_response, 256));
	ck_assert(!verify_sha256(CREDENTIAL_AUTH, 32, msg, strlen(message), fixture_response, 256));
	vcard_close(card);
}
END_TEST

/* P2 80 after SELECT and P2 80|id give the same bytes, and naming the
 * key leaves the current EF as it was. */
START_TEST(named_key_same_as_selected)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	uint8_t by_select[256];

	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	select_ef(card, 0x001A);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x9000);
	memcpy(by_select, fixture_response, 256);
	select_ef(card, 0x0001);
	ck_assert_uint_eq(send_hex(card, "802A009A0568656C6C6F00"), 0x9000);
	ck_assert_mem_eq(by_select, fixture_response, 256);
	ck_assert_uint_eq(send_hex(card, "00B0000004"), 0x9000);
	vcard_close(card);
}
END_TEST

/* Input lengths per scheme; beyond 255 bytes the APDU is extended. */
static const struct length_row {
	uint8_t p1;
	size_t len;
	uint16_t sw;
} length_rows[] = {
	{ 0x00, 1, 0x9000 }, { 0x00, 245, 0x9000 }, { 0x00, 246, 0x6700 },
	{ 0x01, 1, 0x9000 }, { 0x01, 255, 0x9000 }, { 0x01, 256, 0x6700 },
	{ 0x02, 31, 0x6700 }, { 0x02, 32, 0x9000 }, { 0x02, 33, 0x6700 },
	{ 0x03, 1, 0x9000 }, { 0x03, 255, 0x9000 }, { 0x03, 256, 0x6700 },
	{ 0x04, 1, 0x6700 }, { 0x04, 31, 0x6700 }, { 0x04, 32, 0x9000 }, { 0x04, 33, 0x6700 },
	{ 0x05, 1, 0x9000 }, { 0x05, 255, 0x9000 }, { 0x05, 256, 0x6700 },
};

START_TEST(input_lengths)
{
	const struct length_row *row = &length_rows[_i];
	struct vcard *card = fixture_open_card(&adult, NULL);
	uint8_t data[300], apdu[320];
	size_t len;
	uint16_t sw;

	memset(data, 0x5C, sizeof(data));
	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	len = sign_apdu(apdu, row->p1, 0x97, data, row->len);
	sw = send_bytes(card, apdu, len);
	ck_assert_msg(sw == row->sw, "P1 %02X, %zu bytes: %04X, want %04X", row->p1, row->len, sw,
		      row->sw);
	ck_assert_uint_eq(fixture_response_len, row->sw == 0x9000 ? 256 : 0);
	vcard_close(card);
}
END_TEST

/* What each card generation answers, in the order it checks. */
enum pins { NO_PIN, AUTH_PIN, SIGN_PIN };

static const struct status_row {
	enum vcard_generation generation;
	const struct fixture_spec *spec;
	enum pins pins;
	uint16_t selected;      /* key EF selected before; 0: the JPKI AP only, 1: the MF (reset) */
	const char *apdu;
	uint16_t sw;
} status_rows[] = {
	/* current: P1/P2, the key, its PIN, then the data */
	{ VCARD_GENERATION_CURRENT, &adult, NO_PIN, 0, "802A0497", 0x6982 },
	{ VCARD_GENERATION_CURRENT, &adult, NO_PIN, 0, "802A049A", 0x6982 },
	{ VCARD_GENERATION_CURRENT, &adult, NO_PIN, 0, "802AFF97", 0x6A86 },
	{ VCARD_GENERATION_CURRENT, &adult, NO_PIN, 0x0017, "802A0480" "20" HASH32 "00", 0x6982 },
	{ VCARD_GENERATION_CURRENT, &adult, AUTH_PIN, 0, "802A0497", 0x6700 },
	{ VCARD_GENERATION_CURRENT, &adult, AUTH_PIN, 0, "802A049A" "20" HASH32 "00", 0x6982 },
	{ VCARD_GENERATION_CURRENT, &adult, AUTH_PIN, 0x001A, "802A0097" "05" "68656C6C6F" "00", 0x9000 },
	{ VCARD_GENERATION_CURRENT, &adult, AUTH_PIN, 0, "802A0480" "20" HASH32 "00", 0x6986 },
	{ VCARD_GENERATION_CURRENT, &adult, NO_PIN, 1, "802A0497" "20" HASH32 "00", 0x6A82 },
	{ VCARD_GENERATION_CURRENT, &adult, AUTH_PIN, 0, "802A0697" "20" HASH32 "00", 0x6A86 },
	{ VCARD_GENERATION_CURRENT, &adult, AUTH_PIN, 0, "802AFF97" "20" HASH32 "00", 0x6A86 },
	{ VCARD_GENERATION_CURRENT, &adult, AUTH_PIN, 0x0017, "802A0081" "05" "68656C6C6F" "00", 0x6A86 },
	{ VCARD_GENERATION_CURRENT, &adult, AUTH_PIN, 0x0017, "802A0000" "05" "68656C6C6F" "00", 0x6A86 },
	{ VCARD_GENERATION_CURRENT, &adult, AUTH_PIN, 0, "802A008A" "05" "68656C6C6F" "00", 0x6A86 },
	{ VCARD_GENERATION_CURRENT, &adult, AUTH_PIN, 0, "802A0098" "05" "68656C6C6F" "00", 0x6A86 },
	{ VCARD_GENERATION_CURRENT, &minor, AUTH_PIN, 0, "802A049A", 0x6A82 },
	{ VCARD_GENERATION_CURRENT, &minor, NO_PIN, 0, "802A0497", 0x6982 },
	/* older: P1/P2 before anything else */
	{ VCARD_GENERATION_OLDER, &adult, NO_PIN, 0, "802A0497", 0x6A86 },
	{ VCARD_GENERATION_OLDER, &adult, NO_PIN, 0x0017, "802A0480" "20" HASH32 "00", 0x6A86 },
	{ VCARD_GENERATION_OLDER, &adult, AUTH_PIN, 0x0017, "802A0480" "20" HASH32 "00", 0x6A86 },
	{ VCARD_GENERATION_OLDER, &adult, AUTH_PIN, 0x0017, "802A0180" "05" "68656C6C6F" "00", 0x6A86 },
	{ VCARD_GENERATION_OLDER, &adult, AUTH_PIN, 0, "802A0097" "05" "68656C6C6F" "00", 0x6A86 },
	{ VCARD_GENERATION_OLDER, &adult, NO_PIN, 0x0017, SIGN_HELLO, 0x6982 },
	{ VCARD_GENERATION_OLDER, &adult, AUTH_PIN, 0x0017, SIGN_HELLO, 0x9000 },
	/* 6982-first: no PIN, 69 82 for anything; then as the older card */
	{ VCARD_GENERATION_6982_FIRST, &adult, NO_PIN, 0, "802A0497", 0x6982 },
	{ VCARD_GENERATION_6982_FIRST, &adult, NO_PIN, 0, "802AFFFF", 0x6982 },
	{ VCARD_GENERATION_6982_FIRST, &adult, AUTH_PIN, 0, "802A0497", 0x6A86 },
	{ VCARD_GENERATION_6982_FIRST, &adult, AUTH_PIN, 0x0017, "802A0480" "20" HASH32 "00", 0x6A86 },
	{ VCARD_GENERATION_6982_FIRST, &adult, AUTH_PIN, 0, "802A0097" "05" "68656C6C6F" "00", 0x6A86 },
	{ VCARD_GENERATION_6982_FIRST, &adult, AUTH_PIN, 0x001A, SIGN_HELLO, 0x6982 },
	{ VCARD_GENERATION_6982_FIRST, &adult, SIGN_PIN, 0x001A, SIGN_HELLO, 0x9000 },
	{ VCARD_GENERATION_6982_FIRST, &adult, AUTH_PIN, 0x0017, SIGN_HELLO, 0x9000 },
};

START_TEST(status_words)
{
	const struct status_row *row = &status_rows[_i];
	struct vcard_options opt = { .generation = row->generation };
	struct vcard *card = fixture_open_card(row->spec, &opt);
	uint16_t sw;

	if (row->pins == AUTH_PIN)
		verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	if (row->pins == SIGN_PIN)
		verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	if (row->selected == 1)
		vcard_reset(card);
	else if (row->selected == 0)
		ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	else
		select_ef(card, row->selected);
	sw = send_hex(card, row->apdu);
	ck_assert_msg(sw == row->sw, "row %d (%s): %04X, want %04X", _i, row->apdu, sw, row->sw);
	if (sw != 0x9000)
		ck_assert_uint_eq(fixture_response_len, 0);
	vcard_close(card);
}
END_TEST

START_TEST(sign_raw_data_is_padded_as_given)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	uint8_t recovered[256];

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 256);
	ck_assert_uint_eq(recover(CREDENTIAL_AUTH, fixture_response, 256, recovered), 5);
	ck_assert_mem_eq(recovered, "hello", 5);
	/* no data at all */
	ck_assert_uint_eq(send_hex(card, "802A008000"), 0x6700);
	vcard_close(card);
}
END_TEST

START_TEST(sign_needs_the_whole_signature_asked_for)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, "802A00800568656C6C6F"), 0x6700);
	ck_assert_uint_eq(send_hex(card, "802A00800568656C6C6F80"), 0x6700);
	ck_assert_uint_eq(send_hex(card, "802A0497" "20" HASH32), 0x6700);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x9000);
	vcard_close(card);
}
END_TEST

START_TEST(sign_extended_encoding)
{
	struct vcard_options off = { .no_extended_apdu = true };
	struct vcard *card = fixture_open_card(&adult, NULL);
	uint8_t recovered[256];

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, "802A0080000005" "68656C6C6F" "0100"), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 256);
	ck_assert_uint_eq(recover(CREDENTIAL_AUTH, fixture_response, 256, recovered), 5);
	ck_assert_uint_eq(send_hex(card, "802A0080000005" "68656C6C6F" "0000"), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 256);
	ck_assert_uint_eq(send_hex(card, "802A0080000005" "68656C6C6F" "00FF"), 0x6700);
	vcard_close(card);

	card = fixture_open_card(&adult, &off);
	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, "802A0080000005" "68656C6C6F" "0100"), 0x6700);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x9000);
	vcard_close(card);
}
END_TEST

/* A faulty card answers 90 00 with a wrong signature, PSS included. */
START_TEST(sign_faults)
{
	struct vcard_options opt = { .signature_fault = VCARD_SIGNATURE_ZEROS };
	uint8_t recovered[256], zeros[256] = { 0 };
	const char *apdu = _i ? "802A0497" "20" HASH32 "00" : SIGN_HELLO;
	struct vcard *card;

	for (int fault = VCARD_SIGNATURE_ZEROS; fault <= VCARD_SIGNATURE_FLIPPED; fault++) {
		opt.signature_fault = (enum vcard_signature_fault)fault;
		card = fixture_open_card(&adult, &opt);
		verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
		select_ef(card, 0x0017);
		ck_assert_uint_eq(send_hex(card, apdu), 0x9000);
		if (fault == VCARD_SIGNATURE_SHORT) {
			ck_assert_uint_eq(fixture_response_len, 255);
		} else {
			ck_assert_uint_eq(fixture_response_len, 256);
			ck_assert_int_ne(recover(CREDENTIAL_AUTH, fixture_response, 256, recovered), 5);
		}
		if (fault == VCARD_SIGNATURE_ZEROS)
			ck_assert_mem_eq(fixture_response, zeros, 256);
		vcard_close(card);
	}
}
END_TEST

START_TEST(sign_needs_key_ef)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x6986);
	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x6986);
	select_ef(card, 0x000A);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x6986);
	ck_assert_uint_eq(send_hex(card, "00A4000C"), 0x9000);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x6986);
	vcard_close(card);
}
END_TEST

START_TEST(sign_needs_matching_pin)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x6982);
	select_ef(card, 0x001A);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x6982);
	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	select_ef(card, 0x001A);
	ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x6982);
	ck_assert_uint_eq(send_hex(card, "802A049A" "20" HASH32 "00"), 0x6982);
	vcard_close(card);
}
END_TEST

START_TEST(one_login_many_signatures)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	uint8_t first[256], recovered[256];

	verify_pin(card, CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
	for (int i = 0; i < 5; i++) {
		select_ef(card, 0x0001);
		ck_assert_uint_eq(send_hex(card, "00B0000004"), 0x9000);
		select_ef(card, 0x001A);
		ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x9000);
		ck_assert_uint_eq(recover(CREDENTIAL_SIGN, fixture_response, 256, recovered), 5);
		/* PKCS#1 v1.5 signatures are deterministic */
		if (i == 0)
			memcpy(first, fixture_response, 256);
		else
			ck_assert_mem_eq(first, fixture_response, 256);
	}
	vcard_close(card);
}
END_TEST

START_TEST(generation_names)
{
	enum vcard_generation g = VCARD_GENERATION_OLDER;

	ck_assert(vcard_parse_generation("current", &g));
	ck_assert_int_eq(g, VCARD_GENERATION_CURRENT);
	ck_assert(vcard_parse_generation("older", &g));
	ck_assert_int_eq(g, VCARD_GENERATION_OLDER);
	ck_assert(vcard_parse_generation("6982-first", &g));
	ck_assert_int_eq(g, VCARD_GENERATION_6982_FIRST);
	ck_assert(!vcard_parse_generation("", &g));
	ck_assert(!vcard_parse_generation("Older", &g));
	ck_assert(!vcard_parse_generation("6982", &g));
	ck_assert_int_eq(g, VCARD_GENERATION_6982_FIRST);
}
END_TEST

#define ROWS(table) (int)(sizeof(table) / sizeof(table[0]))

Suite *card_sign_suite(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("sign");

	tcase_add_loop_test(tc, every_scheme_signs, 0, SCHEME_ROWS * 2 * 2);
	tcase_add_test(tc, pss_is_randomised);
	tcase_add_test(tc, pss_other_salt_length);
	tcase_add_test(tc, named_key_same_as_selected);
	tcase_add_loop_test(tc, input_lengths, 0, ROWS(length_rows));
	tcase_add_loop_test(tc, status_words, 0, ROWS(status_rows));
	tcase_add_test(tc, sign_raw_data_is_padded_as_given);
	tcase_add_test(tc, sign_needs_the_whole_signature_asked_for);
	tcase_add_test(tc, sign_extended_encoding);
	tcase_add_test(tc, sign_needs_key_ef);
	tcase_add_test(tc, sign_needs_matching_pin);
	tcase_add_test(tc, one_login_many_signatures);
	tcase_add_loop_test(tc, sign_faults, 0, 2);
	tcase_add_test(tc, generation_names);
	suite_add_tcase(s, tc);
	return s;
}
