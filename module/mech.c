/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mechanism table and the host's half of signing.  The card does the
 * padding (PKCS#1 v1.5 or PSS) and the RSA private operation; the host
 * hashes and builds the DigestInfo (with OpenSSL, not from hand-written
 * prefixes); sig-check.c checks the card's answer. */
#include "mech.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "libctx.h"
#include "log.h"

/* PKCS#1 v1.5 needs 11 bytes of padding: k - 11 bytes of content. */
#define RAW_MAX (JPKI_RSA_BYTES - 11)

/* The card can only sign; CKF_DECRYPT or CKF_VERIFY would be a lie. */
#define SIGN_FLAGS (CKF_SIGN | CKF_HW)

static const struct mech_row mech_table[] = {
	{ CKM_RSA_PKCS,            NULL,     MECH_PKCS1, SIGN_FLAGS },
	{ CKM_SHA1_RSA_PKCS,       "SHA1",   MECH_PKCS1, SIGN_FLAGS },
	{ CKM_SHA256_RSA_PKCS,     "SHA256", MECH_PKCS1, SIGN_FLAGS },
	{ CKM_SHA384_RSA_PKCS,     "SHA384", MECH_PKCS1, SIGN_FLAGS },
	{ CKM_SHA512_RSA_PKCS,     "SHA512", MECH_PKCS1, SIGN_FLAGS },
	/* The card takes a SHA-256 hash: the caller's, or the host's. */
	{ CKM_RSA_PKCS_PSS,        NULL,     MECH_PSS,   SIGN_FLAGS },
	{ CKM_SHA256_RSA_PKCS_PSS, "SHA256", MECH_PSS,   SIGN_FLAGS },
};

#define MECH_COUNT (sizeof mech_table / sizeof mech_table[0])

/* -1: the module option said nothing; else its pss= value. */
static int pss_option = -1;

/* 1 on, 0 off, -1 neither. */
static int
parse_switch (const char *text)
{
	static const char *const on[] = { "on", "1", "yes", "true" };
	static const char *const off[] = { "off", "0", "no", "false" };
	size_t i;

	for (i = 0; i < sizeof on / sizeof on[0]; i++) {
		if (strcasecmp (text, on[i]) == 0)
			return 1;
		if (strcasecmp (text, off[i]) == 0)
			return 0;
	}
	return -1;
}

bool
mech_configure (const char *reserved)
{
	pss_option = -1;
	if (reserved == NULL || reserved[0] == '\0')
		return true;
	if (strncmp (reserved, "pss=", 4) == 0 && parse_switch (reserved + 4) >= 0) {
		pss_option = parse_switch (reserved + 4);
		LOG ("module option %s", reserved);
		return true;
	}
	LOG ("module option (x-init-reserved) not understood: want pss=on or pss=off");
	return false;
}

enum mech_pss_choice
mech_pss_choice (void)
{
	const char *env = getenv ("JPKI_PKCS11_PSS");
	int value = pss_option;

	if (env != NULL && env[0] != '\0') {
		value = parse_switch (env);
		if (value < 0) {
			LOG ("JPKI_PKCS11_PSS=%s not understood (on or off): PSS off", env);
			value = 0;
		}
	}
	return value < 0 ? MECH_PSS_AUTO : value ? MECH_PSS_ON : MECH_PSS_OFF;
}

static bool
row_offered (const struct mech_row *row, bool with_pss)
{
	return row->padding != MECH_PSS || with_pss;
}

const struct mech_row *
mech_find (CK_MECHANISM_TYPE type, bool with_pss)
{
	size_t i;

	for (i = 0; i < MECH_COUNT; i++) {
		if (mech_table[i].type == type && row_offered (&mech_table[i], with_pss))
			return &mech_table[i];
	}
	return NULL;
}

CK_RV
mech_list (CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count, bool with_pss)
{
	CK_ULONG offered = 0;
	CK_RV rv = CKR_OK;
	size_t i;

	if (count == NULL) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	for (i = 0; i < MECH_COUNT; i++)
		offered += row_offered (&mech_table[i], with_pss);
	if (list != NULL && *count < offered) {
		rv = CKR_BUFFER_TOO_SMALL;
	} else if (list != NULL) {
		CK_ULONG n = 0;

		for (i = 0; i < MECH_COUNT; i++) {
			if (row_offered (&mech_table[i], with_pss))
				list[n++] = mech_table[i].type;
		}
	}
	*count = offered;
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
mech_check_params (const struct mech_row *row, CK_VOID_PTR param, CK_ULONG param_len)
{
	const CK_RSA_PKCS_PSS_PARAMS *pss = param;

	if (row->padding == MECH_PKCS1) {
		if (param == NULL && param_len == 0)
			return CKR_OK;
		LOG ("mechanism 0x%lx takes no parameter (got %lu bytes)", row->type, param_len);
		return CKR_MECHANISM_PARAM_INVALID;
	}
	if (param == NULL || param_len != sizeof *pss) {
		LOG ("mechanism 0x%lx needs CK_RSA_PKCS_PSS_PARAMS (%zu bytes), got %lu bytes%s",
		     row->type, sizeof *pss, param_len, param == NULL ? " and no pointer" : "");
		return CKR_MECHANISM_PARAM_INVALID;
	}
	/* The card's PSS is fixed: the caller must ask for exactly that. */
	if (pss->hashAlg != CKM_SHA256 || pss->mgf != CKG_MGF1_SHA256 ||
	    pss->sLen != MECH_PSS_SALT_LEN) {
		LOG ("PSS parameters hashAlg 0x%lx mgf 0x%lx sLen %lu: the card makes only "
		     "SHA-256, MGF1-SHA-256, salt %d", pss->hashAlg, pss->mgf, pss->sLen,
		     MECH_PSS_SALT_LEN);
		return CKR_MECHANISM_PARAM_INVALID;
	}
	return CKR_OK;
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

/* The hash so far.  A copy of the context is finished, so that op stays
 * usable and a second call gives the same bytes. */
static CK_RV
running_hash (struct sign_op *op, unsigned char *hash, unsigned int *hash_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
	CK_RV rv;

	if (ctx == NULL)
		rv = CKR_HOST_MEMORY;
	else if (!EVP_MD_CTX_copy_ex (ctx, op->md) || !EVP_DigestFinal_ex (ctx, hash, hash_len))
		rv = CKR_FUNCTION_FAILED;
	else
		rv = CKR_OK;
	EVP_MD_CTX_free (ctx);
	return rv;
}

/* DER DigestInfo of the hash so far. */
static CK_RV
digest_info (struct sign_op *op, uint8_t *out, size_t *out_len)
{
	X509_SIG *sig = NULL;
	X509_ALGOR *alg;
	ASN1_OCTET_STRING *digest;
	const EVP_MD *md;
	unsigned char hash[EVP_MAX_MD_SIZE];
	unsigned int hash_len = 0;
	unsigned char *p;
	int len;
	CK_RV rv;

	rv = running_hash (op, hash, &hash_len);
	if (rv != CKR_OK)
		goto out;
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
	OPENSSL_cleanse (hash, sizeof hash);
	return rv;
}

/* PSS: the card gets the bare hash, the host's or the caller's. */
static CK_RV
pss_hash (struct sign_op *op, uint8_t *out, size_t *out_len)
{
	unsigned int hash_len = 0;
	CK_RV rv;

	if (op->md == NULL) {
		if (op->too_long || op->raw_len != MECH_PSS_HASH_LEN)
			return CKR_DATA_LEN_RANGE;
		memcpy (out, op->raw, op->raw_len);
		*out_len = op->raw_len;
		return CKR_OK;
	}
	rv = running_hash (op, out, &hash_len);
	if (rv == CKR_OK && hash_len != MECH_PSS_HASH_LEN)
		rv = CKR_FUNCTION_FAILED;
	if (rv == CKR_OK)
		*out_len = hash_len;
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
	if (op->mech->padding == MECH_PSS) {
		rv = pss_hash (op, out, out_len);
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
