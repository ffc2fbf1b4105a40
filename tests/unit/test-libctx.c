/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module's OpenSSL work runs in its own library context: with every
 * fetch from the default context made to fail, and with a configuration
 * that loads another provider there, certificates, digests, DigestInfo and
 * the signature check still work, in a context that ignored the file. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "cert.h"
#include "libctx.h"
#include "mech.h"
#include "sig-check.h"

/* Made in the default context before it is disabled. */
static uint8_t *cert_der;
static size_t cert_der_len;
static uint8_t digest_info[JPKI_RSA_BYTES];
static size_t digest_info_len;
static uint8_t sig[JPKI_RSA_BYTES];
static uint8_t cert_sha256[32];

/* DER prefix of a SHA-256 DigestInfo (RFC 8017, section 9.2, note 1). */
static const uint8_t sha256_prefix[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
	0x01, 0x05, 0x00, 0x04, 0x20,
};

static void
make_material (void)
{
	EVP_PKEY *key = EVP_RSA_gen (2048);
	X509 *x = X509_new ();
	EVP_PKEY_CTX *ctx;
	unsigned char *der = NULL;
	size_t sig_len = sizeof sig;
	int len;

	ck_assert_ptr_nonnull (key);
	ck_assert_ptr_nonnull (x);
	ck_assert_int_eq (ASN1_INTEGER_set (X509_get_serialNumber (x), 7), 1);
	ck_assert_int_eq (X509_NAME_add_entry_by_txt (X509_get_subject_name (x), "CN",
	                  MBSTRING_ASC, (const unsigned char *) "libctx", -1, -1, 0), 1);
	ck_assert_int_eq (X509_set_issuer_name (x, X509_get_subject_name (x)), 1);
	ck_assert_ptr_nonnull (X509_gmtime_adj (X509_getm_notBefore (x), 0));
	ck_assert_ptr_nonnull (X509_gmtime_adj (X509_getm_notAfter (x), 86400));
	ck_assert_int_eq (X509_set_pubkey (x, key), 1);
	ck_assert_int_gt (X509_sign (x, key, EVP_sha256 ()), 0);
	len = i2d_X509 (x, &der);
	ck_assert_int_gt (len, 0);
	cert_der = der;
	cert_der_len = (size_t) len;
	ck_assert_int_eq (EVP_Digest (der, cert_der_len, cert_sha256, NULL, EVP_sha256 (), NULL), 1);

	memcpy (digest_info, sha256_prefix, sizeof sha256_prefix);
	ck_assert_int_eq (EVP_Digest ("abc", 3, digest_info + sizeof sha256_prefix, NULL,
	                  EVP_sha256 (), NULL), 1);
	digest_info_len = sizeof sha256_prefix + 32;

	ctx = EVP_PKEY_CTX_new_from_pkey (NULL, key, NULL);
	ck_assert_ptr_nonnull (ctx);
	ck_assert_int_eq (EVP_PKEY_sign_init (ctx), 1);
	ck_assert_int_gt (EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING), 0);
	ck_assert_int_eq (EVP_PKEY_sign (ctx, sig, &sig_len, digest_info, digest_info_len), 1);
	ck_assert_uint_eq (sig_len, sizeof sig);
	EVP_PKEY_CTX_free (ctx);
	X509_free (x);
	EVP_PKEY_free (key);
}

static void
free_material (void)
{
	OPENSSL_free (cert_der);
}

/* Every part of the module that calls OpenSSL, once. */
static void
assert_module_computes (void)
{
	struct cert_info *cert = cert_parse (cert_der, cert_der_len);
	struct sign_op op;
	uint8_t input[JPKI_RSA_BYTES], fingerprint[8];
	size_t input_len = 0;

	ck_assert_ptr_nonnull (cert);
	ck_assert (cert_fingerprint (cert, "SHA256", fingerprint, sizeof fingerprint));
	ck_assert_mem_eq (fingerprint, cert_sha256, sizeof fingerprint);
	ck_assert_int_eq (sign_op_init (&op, mech_find (CKM_SHA256_RSA_PKCS, false)), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, (const uint8_t *) "abc", 3), CKR_OK);
	ck_assert_int_eq (sign_op_card_input (&op, input, &input_len), CKR_OK);
	sign_op_clear (&op);
	ck_assert_uint_eq (input_len, digest_info_len);
	ck_assert_mem_eq (input, digest_info, digest_info_len);
	ck_assert (signature_matches (cert->public_key, input, input_len, sig, sizeof sig));
	sig[10] ^= 1;
	ck_assert (!signature_matches (cert->public_key, input, input_len, sig, sizeof sig));
	sig[10] ^= 1;
	cert_free (cert);
}

START_TEST (default_context_unusable)
{
	/* What an application's configuration may do: require a provider
	 * that has none of what the module needs. */
	ck_assert_int_eq (EVP_set_default_properties (NULL, "provider=jpki-test-absent"), 1);
	ck_assert_ptr_null (EVP_MD_fetch (NULL, "SHA256", NULL));
	assert_module_computes ();
}
END_TEST

START_TEST (configuration_not_read)
{
	/* The default context read the file: it has the base provider. */
	ck_assert_int_eq (OPENSSL_init_crypto (OPENSSL_INIT_LOAD_CONFIG, NULL), 1);
	ck_assert (OSSL_PROVIDER_available (NULL, "base"));
	ck_assert_ptr_nonnull (module_libctx ());
	ck_assert (OSSL_PROVIDER_available (module_libctx (), "default"));
	ck_assert (!OSSL_PROVIDER_available (module_libctx (), "base"));
	assert_module_computes ();
}
END_TEST

/* C_Finalize frees the context, a later C_Initialize gets a new one. */
START_TEST (freed_and_made_again)
{
	ck_assert_ptr_nonnull (module_libctx ());
	assert_module_computes ();
	module_libctx_free ();
	module_libctx_free ();
	ck_assert_ptr_nonnull (module_libctx ());
	assert_module_computes ();
	module_libctx_free ();
}
END_TEST

/* An application's exit ran OPENSSL_cleanup before its late C_Finalize:
 * the certificates and the context are then left alone, and nothing new
 * is made. */
START_TEST (after_openssl_cleanup)
{
	struct cert_info *cert = cert_parse (cert_der, cert_der_len);
	uint8_t fingerprint[8];

	ck_assert_ptr_nonnull (cert);
	OPENSSL_cleanup ();
	ck_assert_ptr_null (module_libctx ());
	ck_assert (!cert_fingerprint (cert, "SHA256", fingerprint, sizeof fingerprint));
	ck_assert_ptr_null (cert_parse (cert_der, cert_der_len));
	cert_free (cert);
	module_libctx_free ();
}
END_TEST

static Suite *
libctx_suite (void)
{
	Suite *s = suite_create ("libctx");
	TCase *tc = tcase_create ("isolation");

	tcase_add_unchecked_fixture (tc, make_material, free_material);
	tcase_set_timeout (tc, 60);
	tcase_add_test (tc, default_context_unusable);
	tcase_add_test (tc, configuration_not_read);
	tcase_add_test (tc, freed_and_made_again);
	tcase_add_test (tc, after_openssl_cleanup);
	suite_add_tcase (s, tc);
	return s;
}

/* Before OpenSSL reads its configuration: one that also loads "base". */
static bool
use_configuration (char *path)
{
	int fd = mkstemp (path);
	FILE *f = fd >= 0 ? fdopen (fd, "w") : NULL;

	if (f == NULL)
		return false;
	fputs ("openssl_conf = init\n[init]\nproviders = provs\n"
	       "[provs]\ndefault = on\nbase = on\n[on]\nactivate = 1\n", f);
	return fclose (f) == 0 && setenv ("OPENSSL_CONF", path, 1) == 0;
}

int
main (void)
{
	char conf[] = "/tmp/jpki-libctx-XXXXXX";
	SRunner *sr;
	int failed;

	if (!use_configuration (conf))
		return EXIT_FAILURE;

	sr = srunner_create (libctx_suite ());
	srunner_run_all (sr, CK_NORMAL);
	failed = srunner_ntests_failed (sr);
	srunner_free (sr);
	unlink (conf);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
