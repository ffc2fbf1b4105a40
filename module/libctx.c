/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "libctx.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "log.h"

static pthread_mutex_t libctx_lock = PTHREAD_MUTEX_INITIALIZER;
static OSSL_LIB_CTX *libctx;
static OSSL_PROVIDER *default_provider;

/* False once OPENSSL_cleanup has run (at exit, possibly before a late
 * C_Finalize): OpenSSL's objects must then be left alone. */
static bool
openssl_running (void)
{
	return OPENSSL_init_crypto (0, NULL) == 1;
}

static void
libctx_free_libctxlocked (void)
{
	OSSL_PROVIDER_unload (default_provider);
	OSSL_LIB_CTX_free (libctx);
	default_provider = NULL;
	libctx = NULL;
}

OSSL_LIB_CTX *
module_libctx (void)
{
	OSSL_LIB_CTX *ctx;

	pthread_mutex_lock (&libctx_lock);
	if (!openssl_running ()) {
		ctx = NULL;
		goto out;
	}
	if (libctx == NULL) {
		ERR_set_mark ();
		/* A new context reads no configuration; loading "default"
		 * by name also turns off the fallback that would load it
		 * implicitly. */
		libctx = OSSL_LIB_CTX_new ();
		if (libctx != NULL)
			default_provider = OSSL_PROVIDER_load (libctx, "default");
		if (default_provider == NULL) {
			LOG ("cannot make an OpenSSL library context with the default provider");
			libctx_free_libctxlocked ();
		}
		ERR_pop_to_mark ();
	}
	ctx = libctx;
out:
	pthread_mutex_unlock (&libctx_lock);
	return ctx;
}

void
module_libctx_free (void)
{
	pthread_mutex_lock (&libctx_lock);
	if (libctx != NULL && openssl_running ())
		libctx_free_libctxlocked ();
	pthread_mutex_unlock (&libctx_lock);
}

bool
module_digest (const char *digest, const uint8_t *data, size_t len, uint8_t *out, size_t out_len)
{
	OSSL_LIB_CTX *ctx = module_libctx ();
	EVP_MD *md = NULL;
	unsigned char hash[EVP_MAX_MD_SIZE];
	unsigned int hash_len = 0;
	bool ok = false;

	ERR_set_mark ();
	if (ctx == NULL)
		goto out;
	md = EVP_MD_fetch (ctx, digest, NULL);
	if (md == NULL || !EVP_Digest (data, len, hash, &hash_len, md, NULL) || out_len > hash_len)
		goto out;
	memcpy (out, hash, out_len);
	ok = true;
out:
	EVP_MD_free (md);
	ERR_pop_to_mark ();
	return ok;
}
