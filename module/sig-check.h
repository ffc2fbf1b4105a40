/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The check of the card's signature against the certificate's public key,
 * made before a signature leaves the module. */
#ifndef JPKI_SIG_CHECK_H
#define JPKI_SIG_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* True when sig is a valid PKCS#1 v1.5 signature of card_input (the
 * DigestInfo or raw data) under public_key: one RSA public operation. */
bool signature_matches (EVP_PKEY *public_key, const uint8_t *card_input, size_t input_len,
                        const uint8_t *sig, size_t sig_len);
/* True when sig is an RSASSA-PSS signature of hash (SHA-256) under
 * public_key with MGF1-SHA-256 and exactly MECH_PSS_SALT_LEN bytes of
 * salt: one RSA public operation. */
bool pss_signature_matches (EVP_PKEY *public_key, const uint8_t *hash, size_t hash_len,
                            const uint8_t *sig, size_t sig_len);

#endif
