/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mechanism table and the host's half of signing: hashing and the
 * DigestInfo (the check of the card's signature: sig-check.h). */
#ifndef JPKI_MECH_H
#define JPKI_MECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>
#include <openssl/evp.h>

#define JPKI_RSA_BITS 2048
#define JPKI_RSA_BYTES (JPKI_RSA_BITS / 8)

/* The PSS the card makes (P1 04): SHA-256, MGF1-SHA-256, 32 bytes of salt. */
#define MECH_PSS_HASH_LEN 32
#define MECH_PSS_SALT_LEN 32

enum mech_padding {
	MECH_PKCS1,              /* PKCS#1 v1.5: the card gets a DigestInfo or raw data */
	MECH_PSS,                /* RSASSA-PSS: the card gets the SHA-256 hash */
};

struct mech_row {
	CK_MECHANISM_TYPE type;
	const char *digest;      /* OpenSSL digest name the host hashes with; NULL: the caller's data */
	enum mech_padding padding;
	CK_FLAGS flags;
};

/* The user's word on PSS, read at C_Initialize: the p11-kit module option
 * "x-init-reserved: pss=off" (p11-kit hands it over as pReserved) or
 * "pss=on"; NULL or "" says nothing.  False, with a log line, for any
 * other text. */
bool mech_configure (const char *reserved);
/* The user's word on PSS: JPKI_PKCS11_PSS=off (or 0, no, false) in the
 * environment, or =on (1, yes, true), over the module option; AUTO when
 * neither says anything.  OFF: never offered, the card not asked.  ON:
 * offered also on a card that would not say without a PIN. */
enum mech_pss_choice { MECH_PSS_OFF, MECH_PSS_AUTO, MECH_PSS_ON };
enum mech_pss_choice mech_pss_choice (void);

/* with_pss: whether the card can make PSS signatures; without, the PSS
 * rows are not there. */
const struct mech_row *mech_find (CK_MECHANISM_TYPE type, bool with_pss);
/* C_GetMechanismList semantics: list NULL gives the count;
 * CKR_BUFFER_TOO_SMALL with *count set when it does not fit. */
CK_RV mech_list (CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count, bool with_pss);
/* C_GetMechanismInfo for one row. */
void mech_info (const struct mech_row *row, CK_MECHANISM_INFO *info);
/* C_SignInit's mechanism parameters: none for PKCS#1 v1.5; for PSS a
 * CK_RSA_PKCS_PSS_PARAMS of exactly what the card makes.  Anything else
 * is CKR_MECHANISM_PARAM_INVALID. */
CK_RV mech_check_params (const struct mech_row *row, CK_VOID_PTR param, CK_ULONG param_len);

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
 * k-11 bytes, else CKR_DATA_LEN_RANGE); for PSS the SHA-256 hash (the
 * caller's, which must be 32 bytes, else CKR_DATA_LEN_RANGE).  out holds
 * JPKI_RSA_BYTES. */
CK_RV sign_op_card_input (struct sign_op *op, uint8_t *out, size_t *out_len);
void sign_op_clear (struct sign_op *op);

#endif
