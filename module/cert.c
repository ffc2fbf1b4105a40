/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* X.509 certificate values for PKCS#11 attributes.  OpenSSL does all the
 * ASN.1; this file only copies its results into blobs.  Every blob is
 * allocated by OpenSSL and freed (wiped first) in cert_free. */
#include "cert.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "libctx.h"

/* Takes over an i2d_* result: buf (OpenSSL-allocated) and its length. */
static bool
blob_take (struct blob *blob, unsigned char *buf, int len)
{
	if (buf == NULL || len <= 0) {
		OPENSSL_free (buf);
		return false;
	}
	blob->data = buf;
	blob->len = (size_t) len;
	return true;
}

static void
blob_clear (struct blob *blob)
{
	OPENSSL_clear_free (blob->data, blob->len);
	blob->data = NULL;
	blob->len = 0;
}

static bool
copy_name (struct blob *blob, const X509_NAME *name)
{
	unsigned char *buf = NULL;
	int len;

	if (name == NULL)
		return false;
	len = i2d_X509_NAME (name, &buf);
	return blob_take (blob, buf, len);
}

/* A big-endian unsigned value of the key; *bits gets its size in bits. */
static bool
copy_key_param (struct blob *blob, const EVP_PKEY *pkey, const char *param, unsigned long *bits)
{
	BIGNUM *bn = NULL;
	unsigned char *buf = NULL;
	int len;
	bool ok = false;

	if (!EVP_PKEY_get_bn_param (pkey, param, &bn))
		goto out;
	len = BN_num_bytes (bn);
	if (len <= 0)
		goto out;
	buf = OPENSSL_malloc ((size_t) len);
	if (buf == NULL)
		goto out;
	if (BN_bn2bin (bn, buf) != len)
		goto out;
	if (bits != NULL)
		*bits = (unsigned long) BN_num_bits (bn);
	blob->data = buf;
	blob->len = (size_t) len;
	buf = NULL;
	ok = true;
out:
	OPENSSL_free (buf);
	BN_free (bn);
	return ok;
}

/* CK_DATE text: 8 characters YYYYMMDD, no terminator. */
static bool
copy_date (char out[8], const ASN1_TIME *t)
{
	struct tm tm;
	char text[16];
	int year;

	if (t == NULL || !ASN1_TIME_to_tm (t, &tm))
		return false;
	year = tm.tm_year + 1900;
	if (year < 0 || year > 9999)
		return false;
	if (snprintf (text, sizeof text, "%04d%02d%02d", year, tm.tm_mon + 1, tm.tm_mday) != 8)
		return false;
	memcpy (out, text, 8);
	return true;
}

/* The attribute values PKCS#11 wants, each in its own DER or big-endian form. */
static bool
copy_fields (struct cert_info *cert, X509 *x509, EVP_PKEY *pkey)
{
	unsigned char *buf;
	int len;

	if (!copy_name (&cert->subject, X509_get_subject_name (x509)))
		return false;
	if (!copy_name (&cert->issuer, X509_get_issuer_name (x509)))
		return false;

	buf = NULL;
	len = i2d_ASN1_INTEGER (X509_get0_serialNumber (x509), &buf);
	if (!blob_take (&cert->serial, buf, len))
		return false;

	buf = NULL;
	len = i2d_X509_PUBKEY (X509_get_X509_PUBKEY (x509), &buf);
	if (!blob_take (&cert->spki, buf, len))
		return false;

	if (!copy_key_param (&cert->modulus, pkey, OSSL_PKEY_PARAM_RSA_N, &cert->modulus_bits))
		return false;
	if (!copy_key_param (&cert->exponent, pkey, OSSL_PKEY_PARAM_RSA_E, NULL))
		return false;

	if (!copy_date (cert->not_before, X509_get0_notBefore (x509)))
		return false;
	if (!copy_date (cert->not_after, X509_get0_notAfter (x509)))
		return false;
	return true;
}

struct cert_info *
cert_parse (const uint8_t *der, size_t der_len)
{
	struct cert_info *cert = NULL;
	OSSL_LIB_CTX *ctx;
	X509 *x509 = NULL;
	EVP_PKEY *pkey;
	const unsigned char *p = der;
	bool ok = false;

	/* Leave the application's OpenSSL error queue as we found it. */
	ERR_set_mark ();
	if (der == NULL || der_len == 0 || der_len > LONG_MAX)
		goto out;

	/* Decoded in the module's context, so is the public key in it. */
	ctx = module_libctx ();
	if (ctx == NULL)
		goto out;
	x509 = X509_new_ex (ctx, NULL);
	if (x509 == NULL || d2i_X509 (&x509, &p, (long) der_len) == NULL)
		goto out;
	/* The caller gives exactly the certificate: anything after it means
	 * the length was wrong. */
	if (p != der + der_len)
		goto out;

	pkey = X509_get0_pubkey (x509);
	if (pkey == NULL || !EVP_PKEY_is_a (pkey, "RSA"))
		goto out;

	cert = OPENSSL_zalloc (sizeof *cert);
	if (cert == NULL)
		goto out;

	cert->der.data = OPENSSL_memdup (der, der_len);
	if (cert->der.data == NULL)
		goto out;
	cert->der.len = der_len;

	if (!copy_fields (cert, x509, pkey))
		goto out;

	if (!EVP_PKEY_up_ref (pkey))
		goto out;
	cert->public_key = pkey;

	ok = true;
out:
	X509_free (x509);
	if (!ok) {
		cert_free (cert);
		cert = NULL;
	}
	ERR_pop_to_mark ();
	return cert;
}

bool
cert_fingerprint (const struct cert_info *cert, const char *digest, uint8_t *out, size_t out_len)
{
	return cert != NULL && module_digest (digest, cert->der.data, cert->der.len, out, out_len);
}

void
cert_free (struct cert_info *cert)
{
	if (cert == NULL)
		return;
	/* The signature certificate carries name, address and birth date. */
	blob_clear (&cert->der);
	blob_clear (&cert->subject);
	blob_clear (&cert->issuer);
	blob_clear (&cert->serial);
	blob_clear (&cert->spki);
	blob_clear (&cert->modulus);
	blob_clear (&cert->exponent);
	EVP_PKEY_free (cert->public_key);
	OPENSSL_clear_free (cert, sizeof *cert);
}
