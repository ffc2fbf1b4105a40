/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cert_parse against certificates made here with OpenSSL's C API: every
 * extracted field is compared with what was put in. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "alloc-fail.h"
#include "cert.h"

/* Made once, in the parent, before the tests fork. */
static EVP_PKEY *rsa_key;
static X509_NAME *subject_name;
static X509_NAME *issuer_name;
static uint8_t *rsa_der;
static size_t rsa_der_len;

/* Serial 0x8A0102: the high bit set, so DER needs a leading zero. */
static const uint8_t serial_der[] = { 0x02, 0x04, 0x00, 0x8A, 0x01, 0x02 };

static X509_NAME *
make_name (const char *o, const char *cn)
{
	X509_NAME *name = X509_NAME_new ();

	ck_assert_ptr_nonnull (name);
	ck_assert_int_eq (X509_NAME_add_entry_by_txt (name, "C", MBSTRING_ASC,
	                  (const unsigned char *) "JP", -1, -1, 0), 1);
	ck_assert_int_eq (X509_NAME_add_entry_by_txt (name, "O", MBSTRING_ASC,
	                  (const unsigned char *) o, -1, -1, 0), 1);
	ck_assert_int_eq (X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8,
	                  (const unsigned char *) cn, -1, -1, 0), 1);
	return name;
}

/* A certificate for key, signed by signer, as malloc'd DER. */
static uint8_t *
make_cert (EVP_PKEY *key, EVP_PKEY *signer, const char *not_before, const char *not_after,
           size_t *der_len)
{
	X509 *x = X509_new ();
	BIGNUM *bn = NULL;
	unsigned char *der = NULL;
	int len;

	ck_assert_ptr_nonnull (x);
	ck_assert_int_eq (X509_set_version (x, X509_VERSION_3), 1);
	ck_assert_int_ne (BN_hex2bn (&bn, "8A0102"), 0);
	ck_assert_ptr_nonnull (BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (x)));
	ck_assert_int_eq (X509_set_subject_name (x, subject_name), 1);
	ck_assert_int_eq (X509_set_issuer_name (x, issuer_name), 1);
	ck_assert_int_eq (ASN1_TIME_set_string_X509 (X509_getm_notBefore (x), not_before), 1);
	ck_assert_int_eq (ASN1_TIME_set_string_X509 (X509_getm_notAfter (x), not_after), 1);
	ck_assert_int_eq (X509_set_pubkey (x, key), 1);
	ck_assert_int_gt (X509_sign (x, signer, EVP_sha256 ()), 0);
	len = i2d_X509 (x, &der);
	ck_assert_int_gt (len, 0);
	*der_len = (size_t) len;
	BN_free (bn);
	X509_free (x);
	return der;
}

static void
setup (void)
{
	rsa_key = EVP_RSA_gen (2048);
	ck_assert_ptr_nonnull (rsa_key);
	subject_name = make_name ("JPKI test", "Holder \xe5\x90\x8d");
	issuer_name = make_name ("JPKI", "JPKI for user authentication");
	rsa_der = make_cert (rsa_key, rsa_key, "20240131000000Z", "20291231235959Z", &rsa_der_len);
}

static void
teardown (void)
{
	OPENSSL_free (rsa_der);
	X509_NAME_free (subject_name);
	X509_NAME_free (issuer_name);
	EVP_PKEY_free (rsa_key);
}

static void
assert_blob_eq (const struct blob *blob, const uint8_t *data, size_t len)
{
	ck_assert_ptr_nonnull (blob->data);
	ck_assert_uint_eq (blob->len, len);
	ck_assert_mem_eq (blob->data, data, len);
}

/* i2d of an X509_NAME, for comparison. */
static void
assert_name_eq (const struct blob *blob, const X509_NAME *name)
{
	unsigned char *der = NULL;
	int len = i2d_X509_NAME (name, &der);

	ck_assert_int_gt (len, 0);
	assert_blob_eq (blob, der, (size_t) len);
	OPENSSL_free (der);
}

START_TEST (fields)
{
	struct cert_info *cert = cert_parse (rsa_der, rsa_der_len);

	ck_assert_ptr_nonnull (cert);
	/* A copy, byte for byte. */
	assert_blob_eq (&cert->der, rsa_der, rsa_der_len);
	ck_assert_ptr_ne (cert->der.data, rsa_der);

	assert_name_eq (&cert->subject, subject_name);
	assert_name_eq (&cert->issuer, issuer_name);
	ck_assert_uint_ne (cert->subject.len, cert->issuer.len);
	assert_blob_eq (&cert->serial, serial_der, sizeof serial_der);

	ck_assert_mem_eq (cert->not_before, "20240131", 8);
	ck_assert_mem_eq (cert->not_after, "20291231", 8);

	ck_assert_ptr_nonnull (cert->public_key);
	ck_assert_int_eq (EVP_PKEY_eq (cert->public_key, rsa_key), 1);
	cert_free (cert);
}
END_TEST

START_TEST (key_values)
{
	struct cert_info *cert = cert_parse (rsa_der, rsa_der_len);
	static const uint8_t e[] = { 0x01, 0x00, 0x01 };
	unsigned char *spki = NULL;
	uint8_t n[256];
	BIGNUM *bn = NULL;
	int len;

	ck_assert_ptr_nonnull (cert);
	ck_assert_uint_eq (cert->modulus_bits, 2048);
	ck_assert_uint_eq (cert->modulus.len, 256);
	ck_assert_int_eq (EVP_PKEY_get_bn_param (rsa_key, OSSL_PKEY_PARAM_RSA_N, &bn), 1);
	ck_assert_int_eq (BN_bn2binpad (bn, n, sizeof n), 256);
	ck_assert_uint_ge (n[0], 0x80);
	assert_blob_eq (&cert->modulus, n, sizeof n);
	assert_blob_eq (&cert->exponent, e, sizeof e);

	len = i2d_PUBKEY (rsa_key, &spki);
	ck_assert_int_gt (len, 256);
	assert_blob_eq (&cert->spki, spki, (size_t) len);
	/* SEQUENCE { SEQUENCE { rsaEncryption, NULL } ... */
	ck_assert_uint_eq (cert->spki.data[0], 0x30);

	OPENSSL_free (spki);
	BN_free (bn);
	cert_free (cert);
}
END_TEST

/* Dates from 2050 on are GeneralizedTime in X.509; both must work. */
START_TEST (generalized_time)
{
	size_t len;
	uint8_t *der = make_cert (rsa_key, rsa_key, "19991231120000Z", "20550601120000Z", &len);
	struct cert_info *cert = cert_parse (der, len);

	ck_assert_ptr_nonnull (cert);
	ck_assert_mem_eq (cert->not_before, "19991231", 8);
	ck_assert_mem_eq (cert->not_after, "20550601", 8);
	cert_free (cert);
	OPENSSL_free (der);
}
END_TEST

START_TEST (truncated)
{
	ck_assert_ptr_null (cert_parse (rsa_der, rsa_der_len - 1));
	ck_assert_ptr_null (cert_parse (rsa_der, rsa_der_len / 2));
	ck_assert_ptr_null (cert_parse (rsa_der, 4));
	ck_assert_ptr_null (cert_parse (rsa_der, 1));
	ck_assert_ptr_null (cert_parse (rsa_der, 0));
	ck_assert_ptr_null (cert_parse (NULL, 0));
	ck_assert_ptr_null (cert_parse (NULL, 100));
}
END_TEST

START_TEST (trailing_bytes)
{
	uint8_t *longer = malloc (rsa_der_len + 16);
	struct cert_info *cert;

	ck_assert_ptr_nonnull (longer);
	memcpy (longer, rsa_der, rsa_der_len);
	memset (longer + rsa_der_len, 0, 16);
	ck_assert_ptr_null (cert_parse (longer, rsa_der_len + 1));
	ck_assert_ptr_null (cert_parse (longer, rsa_der_len + 16));
	/* The exact length still parses. */
	cert = cert_parse (longer, rsa_der_len);
	ck_assert_ptr_nonnull (cert);
	cert_free (cert);
	free (longer);
}
END_TEST

START_TEST (garbage)
{
	static const uint8_t zeros[64];
	/* A header claiming 0x0300 bytes over too few. */
	static const uint8_t header_only[] = { 0x30, 0x82, 0x03, 0x00, 0x30, 0x82 };
	uint8_t noise[512];
	uint8_t *bent;
	size_t i;

	ck_assert_ptr_null (cert_parse (zeros, sizeof zeros));
	ck_assert_ptr_null (cert_parse (header_only, sizeof header_only));
	for (i = 0; i < sizeof noise; i++)
		noise[i] = (uint8_t) (i * 151 + 7);
	ck_assert_ptr_null (cert_parse (noise, sizeof noise));

	/* The right bytes with the outer tag broken. */
	bent = malloc (rsa_der_len);
	ck_assert_ptr_nonnull (bent);
	memcpy (bent, rsa_der, rsa_der_len);
	bent[0] = 0x31;
	ck_assert_ptr_null (cert_parse (bent, rsa_der_len));
	free (bent);
}
END_TEST

/* A refused certificate leaves the application's OpenSSL error queue as it was. */
START_TEST (error_queue_untouched)
{
	static const uint8_t junk[] = { 0x30, 0x82, 0x01, 0x00, 0x02, 0x01 };

	ERR_clear_error ();
	ck_assert_ptr_null (cert_parse (junk, sizeof junk));
	ck_assert_ptr_null (cert_parse (rsa_der, rsa_der_len - 1));
	ck_assert_uint_eq (ERR_peek_error (), 0);

	ERR_raise (ERR_LIB_USER, 42);
	ck_assert_ptr_null (cert_parse (junk, sizeof junk));
	ck_assert_int_eq (ERR_GET_REASON (ERR_peek_last_error ()), 42);
	ck_assert_int_eq (ERR_GET_REASON (ERR_get_error ()), 42);
	ck_assert_uint_eq (ERR_peek_error (), 0);
}
END_TEST

START_TEST (ec_key_refused)
{
	EVP_PKEY *ec = EVP_EC_gen ("P-256");
	uint8_t *der;
	size_t len;

	ck_assert_ptr_nonnull (ec);
	/* An EC key in a certificate signed by the RSA key, and one self-signed. */
	der = make_cert (ec, rsa_key, "20240131000000Z", "20291231235959Z", &len);
	ck_assert_ptr_null (cert_parse (der, len));
	OPENSSL_free (der);
	der = make_cert (ec, ec, "20240131000000Z", "20291231235959Z", &len);
	ck_assert_ptr_null (cert_parse (der, len));
	OPENSSL_free (der);
	EVP_PKEY_free (ec);
}
END_TEST

/* RSA-PSS keys are RSA numbers too, but cannot make PKCS#1 v1.5
 * signatures: not a key this module can use. */
START_TEST (rsa_pss_key_refused)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name (NULL, "RSA-PSS", NULL);
	EVP_PKEY *pss = NULL;
	uint8_t *der;
	size_t len;

	ck_assert_ptr_nonnull (ctx);
	ck_assert_int_eq (EVP_PKEY_keygen_init (ctx), 1);
	ck_assert_int_gt (EVP_PKEY_CTX_set_rsa_keygen_bits (ctx, 1024), 0);
	ck_assert_int_eq (EVP_PKEY_generate (ctx, &pss), 1);
	der = make_cert (pss, rsa_key, "20240131000000Z", "20291231235959Z", &len);
	ck_assert_ptr_null (cert_parse (der, len));
	OPENSSL_free (der);
	EVP_PKEY_free (pss);
	EVP_PKEY_CTX_free (ctx);
}
END_TEST

/* Every allocation in turn fails: NULL without leaks (ASan, valgrind),
 * until enough succeed and the result is complete. */
START_TEST (allocation_failures)
{
	struct cert_info *cert = NULL;
	long n;

	/* OpenSSL's one-time set-up is not under test: do it first. */
	cert = cert_parse (rsa_der, rsa_der_len);
	ck_assert_ptr_nonnull (cert);
	cert_free (cert);
	cert = NULL;
	for (n = 0; n < 100000 && cert == NULL; n++) {
		alloc_countdown = n;
		cert = cert_parse (rsa_der, rsa_der_len);
		alloc_countdown = -1;
	}
	ck_assert_ptr_nonnull (cert);
	ck_assert_int_gt (n, 10);
	assert_blob_eq (&cert->der, rsa_der, rsa_der_len);
	assert_blob_eq (&cert->serial, serial_der, sizeof serial_der);
	ck_assert_uint_eq (cert->modulus.len, 256);
	ck_assert_mem_eq (cert->not_after, "20291231", 8);
	cert_free (cert);
}
END_TEST

START_TEST (free_null)
{
	cert_free (NULL);
}
END_TEST

static Suite *
cert_suite (void)
{
	Suite *s = suite_create ("cert");
	TCase *tc = tcase_create ("parse");

	tcase_add_unchecked_fixture (tc, setup, teardown);
	tcase_set_timeout (tc, 60);
	tcase_add_test (tc, fields);
	tcase_add_test (tc, key_values);
	tcase_add_test (tc, generalized_time);
	tcase_add_test (tc, truncated);
	tcase_add_test (tc, trailing_bytes);
	tcase_add_test (tc, garbage);
	tcase_add_test (tc, error_queue_untouched);
	tcase_add_test (tc, ec_key_refused);
	tcase_add_test (tc, rsa_pss_key_refused);
	tcase_add_test (tc, allocation_failures);
	tcase_add_test (tc, free_null);
	suite_add_tcase (s, tc);
	return s;
}

int
main (void)
{
	return alloc_fail_run_suite (cert_suite);
}
