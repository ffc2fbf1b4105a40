/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module's own OpenSSL library context.  The application may load
 * providers into OpenSSL's default context (pkcs11-provider, even on top of
 * this module): nothing the module computes may be routed through them. */
#ifndef JPKI_LIBCTX_H
#define JPKI_LIBCTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

/* The context, made on first use with only the default provider and without
 * reading any OpenSSL configuration; NULL when it cannot be made.  Callers
 * must fail on NULL: a NULL context means OpenSSL's default one. */
OSSL_LIB_CTX *module_libctx (void);
/* Frees the context once nothing made in it is left (C_Finalize); the next
 * module_libctx makes a new one. */
void module_libctx_free (void);

/* The first out_len bytes of data's digest (an OpenSSL name: "SHA256"),
 * computed in the module's context. */
bool module_digest (const char *digest, const uint8_t *data, size_t len, uint8_t *out,
                    size_t out_len);

#endif
