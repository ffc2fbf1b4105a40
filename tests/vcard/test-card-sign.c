/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* COMPUTE DIGITAL SIGNATURE, checked with the public keys. */
#include <string.h>

#include <openssl/rsa.h>

#include "test-fixture.h"

static const struct fixture_spec adult;

#define SIGN_HELLO "802A00800568656C6C6F00"

/* DER DigestInfo prefix for SHA-256 (RFC 8017 section 9.2, note 1). */
static const uint8_t sha256_prefix[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
	0x01, 0x05, 0x00, 0x04, 0x20,
};

/* Builds 80 2A 00 80 Lc data 00 in apdu; returns its length. */
static size_t sign_apdu(uint8_t *apdu, const uint8_t *data, size_t len)
{
	apdu[0] = 0x80;
	apdu[1] = 0x2A;
	apdu[2] = 0x00;
	apdu[3] = 0x80;
	apdu[4] = (uint8_t)len;
	memcpy(apdu + 5, data, len);
	apdu[5 + len] = 0x00;
	return 6 + len;
}

/* Undoes the signature with the public key; returns the recovered length. */
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

static bool verify_sha256(enum credential cred, const uint8_t *msg, size_t msg_len,
			  const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, fixture_key(cred)), 1);
	ok = EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

static void sign_sha256_digestinfo(enum credential cred, const char *pin)
{
	static const char msg[] = "document to sign";
	struct vcard *card = fixture_open_card(&adult, NULL);
	uint8_t digest_info[sizeof(sha256_prefix) + 32];
	uint8_t apdu[64];
	size_t len;

	memcpy(digest_info, sha256_prefix, sizeof(sha256_prefix));
	EVP_Digest(msg, strlen(msg), digest_info + sizeof(sha256_prefix), NULL, EVP_sha256(), NULL);
	len = sign_apdu(apdu, digest_info, sizeof(digest_info));

	verify_pin(card, cred, pin);
	select_ef(card, credential_specs[cred].key_fid);
	ck_assert_uint_eq(send_bytes(card, apdu, len), 0x9000);
	ck_assert_uint_eq(fixture_response_len, 256);
	ck_assert(verify_sha256(cred, (const uint8_t *)msg, strlen(msg), fixture_response, 256));
	/* and not with the other key */
	ck_assert(!verify_sha256(1 - cred, (const uint8_t *)msg, strlen(msg), fixture_response, 256));
	vcard_close(card);
}

START_TEST(sign_digestinfo_with_auth_key)
{
	sign_sha256_digestinfo(CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
}
END_TEST

START_TEST(sign_digestinfo_with_sign_key)
{
	sign_sha256_digestinfo(CREDENTIAL_SIGN, FIXTURE_SIGN_PIN);
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
	vcard_close(card);
}
END_TEST

START_TEST(sign_input_length_limits)
{
	struct vcard *card = fixture_open_card(&adult, NULL);
	uint8_t data[246], apdu[256], recovered[256];
	size_t len;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i + 1);
	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	select_ef(card, 0x0017);
	len = sign_apdu(apdu, data, 245);
	ck_assert_uint_eq(send_bytes(card, apdu, len), 0x9000);
	ck_assert_uint_eq(recover(CREDENTIAL_AUTH, fixture_response, 256, recovered), 245);
	ck_assert_mem_eq(recovered, data, 245);
	len = sign_apdu(apdu, data, 246);
	ck_assert_uint_eq(send_bytes(card, apdu, len), 0x6700);
	ck_assert_uint_eq(fixture_response_len, 0);
	len = sign_apdu(apdu, data, 1);
	ck_assert_uint_eq(send_bytes(card, apdu, len), 0x9000);
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

/* A faulty card answers 90 00 with a wrong signature. */
START_TEST(sign_faults)
{
	struct vcard_options opt = { .signature_fault = VCARD_SIGNATURE_ZEROS };
	uint8_t recovered[256], zeros[256] = { 0 };
	struct vcard *card;

	for (int fault = VCARD_SIGNATURE_ZEROS; fault <= VCARD_SIGNATURE_FLIPPED; fault++) {
		opt.signature_fault = (enum vcard_signature_fault)fault;
		card = fixture_open_card(&adult, &opt);
		verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
		select_ef(card, 0x0017);
		ck_assert_uint_eq(send_hex(card, SIGN_HELLO), 0x9000);
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

START_TEST(sign_wrong_p1_p2)
{
	struct vcard *card = fixture_open_card(&adult, NULL);

	verify_pin(card, CREDENTIAL_AUTH, FIXTURE_AUTH_PIN);
	select_ef(card, 0x0017);
	ck_assert_uint_eq(send_hex(card, "802A01800568656C6C6F00"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, "802A009A0568656C6C6F00"), 0x6A86);
	ck_assert_uint_eq(send_hex(card, "802A9E9A0568656C6C6F00"), 0x6A86);
	vcard_close(card);
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

Suite *card_sign_suite(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("sign");

	tcase_add_test(tc, sign_digestinfo_with_auth_key);
	tcase_add_test(tc, sign_digestinfo_with_sign_key);
	tcase_add_test(tc, sign_raw_data_is_padded_as_given);
	tcase_add_test(tc, sign_input_length_limits);
	tcase_add_test(tc, sign_needs_the_whole_signature_asked_for);
	tcase_add_test(tc, sign_extended_encoding);
	tcase_add_test(tc, sign_wrong_p1_p2);
	tcase_add_test(tc, sign_needs_key_ef);
	tcase_add_test(tc, sign_needs_matching_pin);
	tcase_add_test(tc, one_login_many_signatures);
	tcase_add_test(tc, sign_faults);
	suite_add_tcase(s, tc);
	return s;
}
