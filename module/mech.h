/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mechanism table and the host's half of signing: hashing, the
 * DigestInfo, and checking the card's signature before releasing it. */
#ifndef JPKI_MECH_H
#define JPKI_MECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>
#include <openssl/evp.h>

#define JPKI_RSA_BITS 2048
#define JPKI_RSA_BYTES (JPKI_RSA_BITS / 8)

struct mech_row {
	CK_MECHANISM_TYPE type;
	const char *digest;      /* OpenSSL digest name; NULL: raw CKM_RSA_PKCS */
	CK_FLAGS flags;
};

const struct mech_row *mech_find (CK_MECHANISM_TYPE type);
/* C_GetMechanismList semantics: list NULL gives the count;
 * CKR_BUFFER_TOO_SMALL with *count set when it does not fit. */
CK_RV mech_list (CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count);
/* C_GetMechanismInfo for one row. */
void mech_info (const struct mech_row *row, CK_MECHANISM_INFO *info);

/* A signature in progress: the data (raw) or the running hash. */
struct sign_op {
	const struct mech_row *mech;
	EVP_MD_CTX *md;          /* hashing mechanisms */
	uint8_t raw[JPKI_RSA_BYTES];
	size_t raw_len;          /* CKM_RSA_PKCS: data collected so far */
	bool too_long;           /* raw data past k-11: CKR_DATA_LEN_RANGE at the end */
};

CK_RV sign_op_init (struct sign_op *op, const struct mech_row *mech);
CK_RV sign_op_update (struct sign_op *op, const uint8_t *data, size_t len);
/* What the card must sign: the DER DigestInfo, or the raw data (at most
 * k-11 bytes, else CKR_DATA_LEN_RANGE).  out holds JPKI_RSA_BYTES. */
CK_RV sign_op_card_input (struct sign_op *op, uint8_t *out, size_t *out_len);
void sign_op_clear (struct sign_op *op);

/* True when sig is a valid PKCS#1 v1.5 signature of card_input (the
 * DigestInfo or raw data) under public_key: one RSA public operation. */
bool signature_matches (EVP_PKEY *public_key, const uint8_t *card_input, size_t input_len,
                        const uint8_t *sig, size_t sig_len);

#endif
