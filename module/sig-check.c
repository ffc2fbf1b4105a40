/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The card's signature checked against the certificate's public key, for
 * PKCS#1 v1.5 and for the PSS the card makes (mech.h). */
#include "sig-check.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "libctx.h"
#include "mech.h"

/* What both checks begin with: an error mark, which check_end pops, and a
 * context for public_key; NULL when sig is not as long as the key or the
 * context cannot be made. */
static EVP_PKEY_CTX *
check_begin (EVP_PKEY *public_key, const uint8_t *sig, size_t sig_len)
{
	OSSL_LIB_CTX *libctx;
	int key_size;

	/* A bad signature is an answer, not an error for the application's
	 * OpenSSL error queue. */
	ERR_set_mark ();
	if (public_key == NULL || sig == NULL)
		return NULL;
	key_size = EVP_PKEY_get_size (public_key);
	if (key_size <= 0 || sig_len != (size_t) key_size)
		return NULL;
	/* In the application's context the check could be routed to a
	 * provider that sits on this very module. */
	libctx = module_libctx ();
	if (libctx == NULL)
		return NULL;
	return EVP_PKEY_CTX_new_from_pkey (libctx, public_key, NULL);
}

static bool
check_end (EVP_PKEY_CTX *ctx, bool ok)
{
	EVP_PKEY_CTX_free (ctx);
	ERR_pop_to_mark ();
	return ok;
}

bool
signature_matches (EVP_PKEY *public_key, const uint8_t *card_input, size_t input_len,
                   const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY_CTX *ctx;
	unsigned char *recovered = NULL;
	size_t recovered_len = sig_len;
	bool ok = false;

	if (card_input == NULL || input_len == 0)
		return false;
	ctx = check_begin (public_key, sig, sig_len);
	if (ctx == NULL || EVP_PKEY_verify_recover_init (ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) <= 0)
		goto out;
	recovered = OPENSSL_malloc (recovered_len);
	if (recovered == NULL ||
	    EVP_PKEY_verify_recover (ctx, recovered, &recovered_len, sig, sig_len) <= 0)
		goto out;
	ok = recovered_len == input_len &&
	     CRYPTO_memcmp (recovered, card_input, input_len) == 0;
out:
	OPENSSL_free (recovered);
	return check_end (ctx, ok);
}

bool
pss_signature_matches (EVP_PKEY *public_key, const uint8_t *hash, size_t hash_len,
                       const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY_CTX *ctx;
	EVP_MD *sha256 = NULL;
	bool ok = false;

	if (hash == NULL || hash_len != MECH_PSS_HASH_LEN)
		return false;
	ctx = check_begin (public_key, sig, sig_len);
	if (ctx == NULL)
		goto out;
	/* check_begin made ctx: the module's context is there. */
	sha256 = EVP_MD_fetch (module_libctx (), "SHA256", NULL);
	/* An explicit salt length: OpenSSL then refuses any other. */
	if (sha256 == NULL || EVP_PKEY_verify_init (ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md (ctx, sha256) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md (ctx, sha256) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen (ctx, MECH_PSS_SALT_LEN) <= 0)
		goto out;
	ok = EVP_PKEY_verify (ctx, sig, sig_len, hash, hash_len) == 1;
out:
	EVP_MD_free (sha256);
	return check_end (ctx, ok);
}
