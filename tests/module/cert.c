/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The profile's certificates, read with OpenSSL, and signatures checked
 * against their keys. */
#include "cert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "card-state.h"

X509 *
cert_load (const char *name)
{
	char path[4096];
	X509 *x;
	FILE *f;

	snprintf (path, sizeof path, "%s/%s", card_profile (), name);
	f = fopen (path, "r");
	if (f == NULL)
		return NULL;
	x = PEM_read_X509 (f, NULL, NULL, NULL);
	fclose (f);
	return x;
}

unsigned char *
cert_der (const char *name, size_t *len)
{
	X509 *x = cert_load (name);
	unsigned char *der = NULL;
	int n;

	ck_assert_msg (x != NULL, "cannot read %s from the profile", name);
	n = i2d_X509 (x, &der);
	X509_free (x);
	ck_assert_int_gt (n, 0);
	*len = (size_t) n;
	return der;
}

unsigned char *
cert_modulus (const char *name, size_t *len)
{
	X509 *x = cert_load (name);
	BIGNUM *n = NULL;
	unsigned char *out;

	ck_assert_ptr_nonnull (x);
	ck_assert (EVP_PKEY_get_bn_param (X509_get0_pubkey (x), OSSL_PKEY_PARAM_RSA_N, &n) == 1);
	*len = (size_t) BN_num_bytes (n);
	out = malloc (*len);
	ck_assert_ptr_nonnull (out);
	BN_bn2bin (n, out);
	BN_free (n);
	X509_free (x);
	return out;
}

static const EVP_MD *
mech_md (CK_MECHANISM_TYPE mech)
{
	switch (mech) {
	case CKM_SHA1_RSA_PKCS: return EVP_sha1 ();
	case CKM_SHA256_RSA_PKCS: return EVP_sha256 ();
	case CKM_SHA384_RSA_PKCS: return EVP_sha384 ();
	case CKM_SHA512_RSA_PKCS: return EVP_sha512 ();
	}
	return NULL;
}

bool
sig_verify (const char *cert_name, CK_MECHANISM_TYPE mech, const unsigned char *data,
            size_t len, const unsigned char *sig, size_t sig_len)
{
	X509 *x = cert_load (cert_name);
	EVP_PKEY *key;
	bool ok = false;

	if (x == NULL)
		return false;
	key = X509_get0_pubkey (x);
	if (key == NULL || sig_len != SIG_LEN)
		goto out;
	if (mech == CKM_RSA_PKCS) {
		unsigned char rec[SIG_LEN];
		size_t rec_len = sizeof rec;
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new (key, NULL);
		ok = ctx != NULL && EVP_PKEY_verify_recover_init (ctx) == 1 &&
		     EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) == 1 &&
		     EVP_PKEY_verify_recover (ctx, rec, &rec_len, sig, sig_len) == 1 &&
		     rec_len == len && memcmp (rec, data, len) == 0;
		EVP_PKEY_CTX_free (ctx);
	} else {
		EVP_MD_CTX *md = EVP_MD_CTX_new ();
		ok = md != NULL && mech_md (mech) != NULL &&
		     EVP_DigestVerifyInit (md, NULL, mech_md (mech), NULL, key) == 1 &&
		     EVP_DigestVerify (md, sig, sig_len, data, len) == 1;
		EVP_MD_CTX_free (md);
	}
out:
	X509_free (x);
	return ok;
}
