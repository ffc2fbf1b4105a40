/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* X.509 certificate values for PKCS#11 attributes, parsed with OpenSSL. */
#ifndef JPKI_CERT_H
#define JPKI_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

struct blob {
	uint8_t *data;
	size_t len;
};

struct cert_info {
	struct blob der;        /* the certificate */
	struct blob subject;    /* DER Name */
	struct blob issuer;     /* DER Name */
	struct blob serial;     /* DER INTEGER, as CKA_SERIAL_NUMBER wants */
	struct blob spki;       /* DER SubjectPublicKeyInfo */
	struct blob modulus;    /* big-endian, no leading zero */
	struct blob exponent;   /* big-endian */
	unsigned long modulus_bits;
	char not_before[8];     /* YYYYMMDD, as CK_DATE */
	char not_after[8];
	EVP_PKEY *public_key;
};

/* Parses a DER certificate (copied); NULL when it is not one or is not RSA. */
struct cert_info *cert_parse (const uint8_t *der, size_t der_len);
/* The first out_len bytes of the certificate's digest (an OpenSSL name such
 * as "SHA256"); false when out_len exceeds the digest or it fails. */
bool cert_fingerprint (const struct cert_info *cert, const char *digest, uint8_t *out,
                       size_t out_len);
/* Accepts NULL; wipes the certificate bytes (personal data) before freeing. */
void cert_free (struct cert_info *cert);

#endif
