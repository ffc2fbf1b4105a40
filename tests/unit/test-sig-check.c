/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The check of the card's signature (sig-check.h), PKCS#1 v1.5 and PSS,
 * against signatures made here as a card would make them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>

#include "alloc-fail.h"
#include "card-input.h"
#include "sig-check.h"

static EVP_PKEY *rsa_key;
static EVP_PKEY *other_key;

static void
keys_setup (void)
{
	rsa_key = EVP_RSA_gen (2048);
	other_key = EVP_RSA_gen (2048);
	ck_assert_ptr_nonnull (rsa_key);
	ck_assert_ptr_nonnull (other_key);
}

static void
keys_teardown (void)
{
	EVP_PKEY_free (rsa_key);
	EVP_PKEY_free (other_key);
}

/* What the card does: PKCS#1 v1.5 type 1 padding and the private operation. */
static size_t
card_sign (EVP_PKEY *key, const uint8_t *input, size_t len, uint8_t *sig, size_t cap)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey (NULL, key, NULL);
	size_t sig_len = cap;

	ck_assert_ptr_nonnull (ctx);
	ck_assert_int_eq (EVP_PKEY_sign_init (ctx), 1);
	ck_assert_int_gt (EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING), 0);
	ck_assert_int_eq (EVP_PKEY_sign (ctx, sig, &sig_len, input, len), 1);
	EVP_PKEY_CTX_free (ctx);
	return sig_len;
}

START_TEST (signature_checks)
{
	uint8_t input[JPKI_RSA_BYTES], other[JPKI_RSA_BYTES];
	uint8_t sig[JPKI_RSA_BYTES + 1], other_sig[JPKI_RSA_BYTES];
	size_t input_len = 0, other_len = 0, sig_len;
	uint8_t zeros[JPKI_RSA_BYTES] = { 0 };
	uint8_t ones[JPKI_RSA_BYTES];

	ck_assert_int_eq (card_input_of (CKM_SHA256_RSA_PKCS, "abc", 3, input, &input_len), CKR_OK);
	ck_assert_int_eq (card_input_of (CKM_SHA256_RSA_PKCS, "abd", 3, other, &other_len), CKR_OK);
	sig_len = card_sign (rsa_key, input, input_len, sig, sizeof sig);
	ck_assert_uint_eq (sig_len, 256);

	ck_assert (signature_matches (rsa_key, input, input_len, sig, sig_len));

	/* Wrong lengths. */
	ck_assert (!signature_matches (rsa_key, input, input_len, sig, 255));
	ck_assert (!signature_matches (rsa_key, input, input_len, sig + 1, 255));
	sig[256] = 0;
	ck_assert (!signature_matches (rsa_key, input, input_len, sig, 257));
	ck_assert (!signature_matches (rsa_key, input, input_len, sig, 0));

	/* The input must match in length as well as content. */
	ck_assert (!signature_matches (rsa_key, input, input_len - 1, sig, sig_len));
	ck_assert (!signature_matches (rsa_key, input, input_len + 1, sig, sig_len));
	ck_assert (!signature_matches (rsa_key, other, other_len, sig, sig_len));
	ck_assert (!signature_matches (rsa_key, input, 0, sig, sig_len));

	/* Another key, or no key. */
	ck_assert (!signature_matches (other_key, input, input_len, sig, sig_len));
	ck_assert (!signature_matches (NULL, input, input_len, sig, sig_len));

	/* A signature over other data. */
	card_sign (rsa_key, other, other_len, other_sig, sizeof other_sig);
	ck_assert (!signature_matches (rsa_key, input, input_len, other_sig, sizeof other_sig));
	ck_assert (signature_matches (rsa_key, other, other_len, other_sig, sizeof other_sig));

	/* All zeros; all ones (above the modulus). */
	ck_assert (!signature_matches (rsa_key, input, input_len, zeros, sizeof zeros));
	memset (ones, 0xFF, sizeof ones);
	ck_assert (!signature_matches (rsa_key, input, input_len, ones, sizeof ones));

	/* Any single flipped bit. */
	sig[0] ^= 0x01;
	ck_assert (!signature_matches (rsa_key, input, input_len, sig, sig_len));
	sig[0] ^= 0x01;
	sig[128] ^= 0x10;
	ck_assert (!signature_matches (rsa_key, input, input_len, sig, sig_len));
	sig[128] ^= 0x10;
	sig[255] ^= 0x80;
	ck_assert (!signature_matches (rsa_key, input, input_len, sig, sig_len));
	sig[255] ^= 0x80;
	ck_assert (signature_matches (rsa_key, input, input_len, sig, sig_len));

	/* A bad signature is an answer, not an OpenSSL error left behind. */
	ERR_clear_error ();
	ck_assert (!signature_matches (rsa_key, input, input_len, zeros, sizeof zeros));
	ck_assert (!signature_matches (rsa_key, input, input_len, ones, sizeof ones));
	ck_assert (!signature_matches (other_key, input, input_len, sig, sig_len));
	ck_assert_uint_eq (ERR_peek_error (), 0);
}
END_TEST

/* A signature that starts with a zero byte is, as a number, also a 255-byte
 * string and, with a zero in front, a 257-byte one: only the length check
 * refuses those. */
START_TEST (signature_length_exact)
{
	uint8_t input[JPKI_RSA_BYTES], sig[JPKI_RSA_BYTES + 1];
	size_t input_len, sig_len = 0;
	unsigned int n;

	for (n = 0; n < 20000; n++) {
		input_len = (size_t) snprintf ((char *) input, sizeof input, "message %u", n);
		sig_len = card_sign (rsa_key, input, input_len, sig + 1, JPKI_RSA_BYTES);
		if (sig[1] == 0)
			break;
	}
	ck_assert_uint_eq (sig_len, 256);
	ck_assert_uint_eq (sig[1], 0);
	ck_assert (signature_matches (rsa_key, input, input_len, sig + 1, 256));
	ck_assert (!signature_matches (rsa_key, input, input_len, sig + 2, 255));
	sig[0] = 0;
	ck_assert (!signature_matches (rsa_key, input, input_len, sig, 257));
}
END_TEST

/* A check under every allocation failing in turn: false and no leak
 * (ASan, valgrind), until it comes out true. */
static void
assert_survives_allocation_failures (bool (*check) (EVP_PKEY *, const uint8_t *, size_t,
                                                    const uint8_t *, size_t),
                                     const uint8_t *input, size_t input_len, const uint8_t *sig,
                                     size_t sig_len)
{
	bool ok = false;
	long n;

	ck_assert (check (rsa_key, input, input_len, sig, sig_len));
	for (n = 0; n < 100000 && !ok; n++) {
		alloc_countdown = n;
		ok = check (rsa_key, input, input_len, sig, sig_len);
		alloc_countdown = -1;
	}
	ck_assert (ok);
	ck_assert_int_gt (n, 2);
}

START_TEST (signature_allocation_failures)
{
	uint8_t input[JPKI_RSA_BYTES], sig[JPKI_RSA_BYTES];
	size_t input_len = 0, sig_len;

	ck_assert_int_eq (card_input_of (CKM_SHA384_RSA_PKCS, "abc", 3, input, &input_len), CKR_OK);
	sig_len = card_sign (rsa_key, input, input_len, sig, sizeof sig);
	assert_survives_allocation_failures (signature_matches, input, input_len, sig, sig_len);
}
END_TEST

/* What a card does for PSS: salt_len bytes of salt, MGF1 with mgf_md. */
static size_t
card_sign_pss (EVP_PKEY *key, const uint8_t *hash, int salt_len, const EVP_MD *mgf_md, uint8_t *sig)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey (NULL, key, NULL);
	size_t sig_len = JPKI_RSA_BYTES;

	ck_assert_ptr_nonnull (ctx);
	ck_assert_int_eq (EVP_PKEY_sign_init (ctx), 1);
	ck_assert_int_gt (EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PSS_PADDING), 0);
	ck_assert_int_gt (EVP_PKEY_CTX_set_signature_md (ctx, EVP_sha256 ()), 0);
	ck_assert_int_gt (EVP_PKEY_CTX_set_rsa_mgf1_md (ctx, mgf_md), 0);
	ck_assert_int_gt (EVP_PKEY_CTX_set_rsa_pss_saltlen (ctx, salt_len), 0);
	ck_assert_int_eq (EVP_PKEY_sign (ctx, sig, &sig_len, hash, 32), 1);
	EVP_PKEY_CTX_free (ctx);
	return sig_len;
}

START_TEST (pss_signature_checks)
{
	uint8_t hash[JPKI_RSA_BYTES], other[JPKI_RSA_BYTES], digest_info[JPKI_RSA_BYTES];
	uint8_t sig[JPKI_RSA_BYTES + 1], wrong[JPKI_RSA_BYTES];
	size_t hash_len = 0, other_len = 0, di_len = 0;
	static const int other_salts[] = { 0, 20, 31, 33, 64, 222 };
	size_t i;

	ck_assert_int_eq (card_input_of (CKM_SHA256_RSA_PKCS_PSS, "abc", 3, hash, &hash_len), CKR_OK);
	ck_assert_int_eq (card_input_of (CKM_SHA256_RSA_PKCS_PSS, "abd", 3, other, &other_len), CKR_OK);
	ck_assert_uint_eq (card_sign_pss (rsa_key, hash, 32, EVP_sha256 (), sig), 256);
	ck_assert (pss_signature_matches (rsa_key, hash, hash_len, sig, 256));

	/* A card that signs with another salt length: refused. */
	for (i = 0; i < sizeof other_salts / sizeof other_salts[0]; i++) {
		card_sign_pss (rsa_key, hash, other_salts[i], EVP_sha256 (), wrong);
		ck_assert_msg (!pss_signature_matches (rsa_key, hash, hash_len, wrong, 256),
		               "salt %d accepted", other_salts[i]);
	}
	/* Another MGF. */
	card_sign_pss (rsa_key, hash, 32, EVP_sha1 (), wrong);
	ck_assert (!pss_signature_matches (rsa_key, hash, hash_len, wrong, 256));
	/* A PKCS#1 v1.5 signature of the same hash is no PSS one, nor the reverse. */
	ck_assert_int_eq (card_input_of (CKM_SHA256_RSA_PKCS, "abc", 3, digest_info, &di_len), CKR_OK);
	card_sign (rsa_key, digest_info, di_len, wrong, sizeof wrong);
	ck_assert (!pss_signature_matches (rsa_key, hash, hash_len, wrong, 256));
	ck_assert (!signature_matches (rsa_key, digest_info, di_len, sig, 256));
	ck_assert (!signature_matches (rsa_key, hash, hash_len, sig, 256));

	/* Other key, other hash, wrong lengths. */
	ck_assert (!pss_signature_matches (other_key, hash, hash_len, sig, 256));
	ck_assert (!pss_signature_matches (NULL, hash, hash_len, sig, 256));
	ck_assert (!pss_signature_matches (rsa_key, other, other_len, sig, 256));
	ck_assert (!pss_signature_matches (rsa_key, hash, 31, sig, 256));
	ck_assert (!pss_signature_matches (rsa_key, hash, 33, sig, 256));
	ck_assert (!pss_signature_matches (rsa_key, NULL, 32, sig, 256));
	ck_assert (!pss_signature_matches (rsa_key, hash, hash_len, sig, 255));
	sig[256] = 0;
	ck_assert (!pss_signature_matches (rsa_key, hash, hash_len, sig, 257));
	ck_assert (!pss_signature_matches (rsa_key, hash, hash_len, NULL, 256));

	/* Any single flipped bit. */
	sig[0] ^= 0x01;
	ck_assert (!pss_signature_matches (rsa_key, hash, hash_len, sig, 256));
	sig[0] ^= 0x01;
	sig[200] ^= 0x40;
	ck_assert (!pss_signature_matches (rsa_key, hash, hash_len, sig, 256));
	sig[200] ^= 0x40;
	ck_assert (pss_signature_matches (rsa_key, hash, hash_len, sig, 256));

	/* A bad signature is an answer, not an OpenSSL error left behind. */
	ERR_clear_error ();
	ck_assert (!pss_signature_matches (rsa_key, hash, hash_len, wrong, 256));
	ck_assert (!pss_signature_matches (other_key, hash, hash_len, sig, 256));
	ck_assert_uint_eq (ERR_peek_error (), 0);
}
END_TEST

START_TEST (pss_signature_allocation_failures)
{
	uint8_t hash[JPKI_RSA_BYTES], sig[JPKI_RSA_BYTES];
	size_t hash_len = 0;

	ck_assert_int_eq (card_input_of (CKM_SHA256_RSA_PKCS_PSS, "abc", 3, hash, &hash_len), CKR_OK);
	card_sign_pss (rsa_key, hash, 32, EVP_sha256 (), sig);
	assert_survives_allocation_failures (pss_signature_matches, hash, hash_len, sig, 256);
}
END_TEST

START_TEST (signature_raw_input)
{
	static const uint8_t hello[] = "hello";
	uint8_t input[JPKI_RSA_BYTES], sig[JPKI_RSA_BYTES];
	size_t input_len = 0, sig_len;

	ck_assert_int_eq (card_input_of (CKM_RSA_PKCS, hello, 5, input, &input_len), CKR_OK);
	ck_assert_uint_eq (input_len, 5);
	sig_len = card_sign (rsa_key, input, input_len, sig, sizeof sig);
	ck_assert (signature_matches (rsa_key, input, input_len, sig, sig_len));
	ck_assert (!signature_matches (rsa_key, (const uint8_t *) "hellp", 5, sig, sig_len));
	ck_assert (!signature_matches (rsa_key, (const uint8_t *) "hell", 4, sig, sig_len));
}
END_TEST

static Suite *
sig_check_suite (void)
{
	Suite *s = suite_create ("sig-check");
	TCase *tc;

	tc = tcase_create ("signature");
	tcase_add_unchecked_fixture (tc, keys_setup, keys_teardown);
	tcase_set_timeout (tc, 60);
	tcase_add_test (tc, signature_checks);
	tcase_add_test (tc, signature_length_exact);
	tcase_add_test (tc, signature_raw_input);
	tcase_add_test (tc, signature_allocation_failures);
	tcase_add_test (tc, pss_signature_checks);
	tcase_add_test (tc, pss_signature_allocation_failures);
	suite_add_tcase (s, tc);
	return s;
}

int
main (void)
{
	return alloc_fail_run_suite (sig_check_suite);
}
