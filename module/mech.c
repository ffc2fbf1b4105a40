/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mechanism table and the host's half of signing.  The card does the
 * PKCS#1 v1.5 padding and the RSA private operation; the host hashes,
 * builds the DigestInfo (with OpenSSL, not from hand-written prefixes) and
 * checks the card's answer against the certificate's public key. */
#include "mech.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "libctx.h"

/* PKCS#1 v1.5 needs 11 bytes of padding: k - 11 bytes of content. */
#define RAW_MAX (JPKI_RSA_BYTES - 11)

/* The card can only sign; CKF_DECRYPT or CKF_VERIFY would be a lie. */
#define SIGN_FLAGS (CKF_SIGN | CKF_HW)

static const struct mech_row mech_table[] = {
	{ CKM_RSA_PKCS,        NULL,     SIGN_FLAGS },
	{ CKM_SHA1_RSA_PKCS,   "SHA1",   SIGN_FLAGS },
	{ CKM_SHA256_RSA_PKCS, "SHA256", SIGN_FLAGS },
	{ CKM_SHA384_RSA_PKCS, "SHA384", SIGN_FLAGS },
	{ CKM_SHA512_RSA_PKCS, "SHA512", SIGN_FLAGS },
};

#define MECH_COUNT (sizeof mech_table / sizeof mech_table[0])

const struct mech_row *
mech_find (CK_MECHANISM_TYPE type)
{
	size_t i;

	for (i = 0; i < MECH_COUNT; i++) {
		if (mech_table[i].type == type)
			return &mech_table[i];
	}
	return NULL;
}

CK_RV
mech_list (CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	CK_RV rv = CKR_OK;
	size_t i;

	if (count == NULL) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	if (list != NULL && *count < MECH_COUNT) {
		rv = CKR_BUFFER_TOO_SMALL;
	} else if (list != NULL) {
		for (i = 0; i < MECH_COUNT; i++)
			list[i] = mech_table[i].type;
	}
	*count = MECH_COUNT;
out:
	return rv;
}

void
mech_info (const struct mech_row *row, CK_MECHANISM_INFO *info)
{
	info->ulMinKeySize = JPKI_RSA_BITS;
	info->ulMaxKeySize = JPKI_RSA_BITS;
	info->flags = row->flags;
}

CK_RV
sign_op_init (struct sign_op *op, const struct mech_row *mech)
{
	EVP_MD *md = NULL;
	CK_RV rv;

	memset (op, 0, sizeof *op);
	if (mech == NULL) {
		rv = CKR_MECHANISM_INVALID;
		goto out;
	}
	if (mech->digest != NULL) {
		OSSL_LIB_CTX *ctx = module_libctx ();
		md = ctx != NULL ? EVP_MD_fetch (ctx, mech->digest, NULL) : NULL;
		if (md == NULL) {
			rv = CKR_FUNCTION_FAILED;
			goto out;
		}
		op->md = EVP_MD_CTX_new ();
		if (op->md == NULL) {
			rv = CKR_HOST_MEMORY;
			goto out;
		}
		/* The context keeps its own reference to md. */
		if (!EVP_DigestInit_ex (op->md, md, NULL)) {
			rv = CKR_FUNCTION_FAILED;
			goto out;
		}
	}
	op->mech = mech;
	rv = CKR_OK;
out:
	EVP_MD_free (md);
	if (rv != CKR_OK)
		sign_op_clear (op);
	return rv;
}

CK_RV
sign_op_update (struct sign_op *op, const uint8_t *data, size_t len)
{
	CK_RV rv;

	if (op->mech == NULL) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
		goto out;
	}
	if (data == NULL && len != 0) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	if (op->md != NULL) {
		rv = EVP_DigestUpdate (op->md, data, len) ? CKR_OK : CKR_FUNCTION_FAILED;
		goto out;
	}
	/* Raw data: keep accepting past the limit, the final step reports
	 * CKR_DATA_LEN_RANGE. */
	if (op->too_long || len > RAW_MAX - op->raw_len) {
		op->too_long = true;
	} else if (len != 0) {
		memcpy (op->raw + op->raw_len, data, len);
		op->raw_len += len;
	}
	rv = CKR_OK;
out:
	return rv;
}

/* DER DigestInfo of the hash so far.  A copy of the context is finished,
 * so that op stays usable and a second call gives the same bytes. */
static CK_RV
digest_info (struct sign_op *op, uint8_t *out, size_t *out_len)
{
	EVP_MD_CTX *ctx = NULL;
	X509_SIG *sig = NULL;
	X509_ALGOR *alg;
	ASN1_OCTET_STRING *digest;
	const EVP_MD *md;
	unsigned char hash[EVP_MAX_MD_SIZE];
	unsigned int hash_len = 0;
	unsigned char *p;
	int len;
	CK_RV rv;

	ctx = EVP_MD_CTX_new ();
	if (ctx == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (!EVP_MD_CTX_copy_ex (ctx, op->md) || !EVP_DigestFinal_ex (ctx, hash, &hash_len)) {
		rv = CKR_FUNCTION_FAILED;
		goto out;
	}
	md = EVP_MD_CTX_get0_md (op->md);
	if (md == NULL) {
		rv = CKR_FUNCTION_FAILED;
		goto out;
	}

	sig = X509_SIG_new ();
	if (sig == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	X509_SIG_getm (sig, &alg, &digest);
	if (!X509_ALGOR_set0 (alg, OBJ_nid2obj (EVP_MD_get_type (md)), V_ASN1_NULL, NULL) ||
	    !ASN1_OCTET_STRING_set (digest, hash, (int) hash_len)) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}

	len = i2d_X509_SIG (sig, NULL);
	if (len <= 0 || len > RAW_MAX) {
		rv = CKR_FUNCTION_FAILED;
		goto out;
	}
	p = out;
	if (i2d_X509_SIG (sig, &p) != len) {
		rv = CKR_FUNCTION_FAILED;
		goto out;
	}
	*out_len = (size_t) len;
	rv = CKR_OK;
out:
	X509_SIG_free (sig);
	EVP_MD_CTX_free (ctx);
	OPENSSL_cleanse (hash, sizeof hash);
	return rv;
}

CK_RV
sign_op_card_input (struct sign_op *op, uint8_t *out, size_t *out_len)
{
	CK_RV rv;

	if (op->mech == NULL) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
		goto out;
	}
	if (out == NULL || out_len == NULL) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	if (op->md != NULL) {
		rv = digest_info (op, out, out_len);
		goto out;
	}
	/* Signing nothing makes no sense for PKCS#1 v1.5; refuse it too. */
	if (op->too_long || op->raw_len == 0 || op->raw_len > RAW_MAX) {
		rv = CKR_DATA_LEN_RANGE;
		goto out;
	}
	memcpy (out, op->raw, op->raw_len);
	*out_len = op->raw_len;
	rv = CKR_OK;
out:
	return rv;
}

void
sign_op_clear (struct sign_op *op)
{
	EVP_MD_CTX_free (op->md);
	OPENSSL_cleanse (op, sizeof *op);
}

bool
signature_matches (EVP_PKEY *public_key, const uint8_t *card_input, size_t input_len,
                   const uint8_t *sig, size_t sig_len)
{
	OSSL_LIB_CTX *libctx;
	EVP_PKEY_CTX *ctx = NULL;
	unsigned char *recovered = NULL;
	size_t recovered_len;
	int key_size;
	bool ok = false;

	/* A bad signature is an answer, not an error for the application's
	 * OpenSSL error queue. */
	ERR_set_mark ();
	if (public_key == NULL || card_input == NULL || input_len == 0 || sig == NULL)
		goto out;
	key_size = EVP_PKEY_get_size (public_key);
	if (key_size <= 0 || sig_len != (size_t) key_size)
		goto out;

	/* In the application's context the check could be routed to a
	 * provider that sits on this very module. */
	libctx = module_libctx ();
	if (libctx == NULL)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey (libctx, public_key, NULL);
	if (ctx == NULL)
		goto out;
	if (EVP_PKEY_verify_recover_init (ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) <= 0)
		goto out;

	recovered_len = (size_t) key_size;
	recovered = OPENSSL_malloc (recovered_len);
	if (recovered == NULL)
		goto out;
	if (EVP_PKEY_verify_recover (ctx, recovered, &recovered_len, sig, sig_len) <= 0)
		goto out;

	ok = recovered_len == input_len &&
	     CRYPTO_memcmp (recovered, card_input, input_len) == 0;
out:
	OPENSSL_free (recovered);
	EVP_PKEY_CTX_free (ctx);
	ERR_pop_to_mark ();
	return ok;
}
