/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The profile's certificates ("auth.crt", "sign-ca.crt", ...) and
 * signatures checked with OpenSSL against their keys. */
#ifndef JPKI_TEST_CERT_H
#define JPKI_TEST_CERT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

/* A certificate from the profile: NULL when absent. */
X509 *cert_load (const char *name);
/* Its DER (OPENSSL_free); the case fails when it is absent. */
unsigned char *cert_der (const char *name, size_t *len);
/* Its RSA modulus, big-endian without leading zeros (free). */
unsigned char *cert_modulus (const char *name, size_t *len);
/* True when sig is a valid signature by the certificate's key of data
 * under mech (CKM_RSA_PKCS: data is what was padded). */
bool sig_verify (const char *cert_name, CK_MECHANISM_TYPE mech, const unsigned char *data,
                 size_t len, const unsigned char *sig, size_t sig_len);

#endif
