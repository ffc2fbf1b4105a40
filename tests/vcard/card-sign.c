/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* COMPUTE DIGITAL SIGNATURE: PKCS#1 v1.5 type 1 over the data as given. */
#include "card-private.h"

#include <string.h>

#include <openssl/rsa.h>

/* PKCS#1 v1.5 padding needs 11 bytes of the 256-byte block. */
#define MAX_SIGN_INPUT (256 - 11)
#define SIGNATURE_LEN 256

static uint16_t sign_raw(EVP_PKEY *key, const uint8_t *data, size_t len,
			 struct response_data *out)
{
	uint16_t sw = SW_NO_DIAGNOSIS;
	EVP_PKEY_CTX *ctx = NULL;
	size_t sig_len = out->cap;

	if (out->cap < SIGNATURE_LEN)
		goto out;
	ctx = EVP_PKEY_CTX_new(key, NULL);
	/* No digest set: OpenSSL pads the input as it is, as the card does. */
	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0
	    || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0
	    || EVP_PKEY_sign(ctx, out->buf, &sig_len, data, len) <= 0
	    || sig_len != SIGNATURE_LEN)
		goto out;
	out->len = sig_len;
	sw = SW_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	return sw;
}

/* A faulty card still answers 90 00: only the host's check can tell. */
static void spoil_signature(enum vcard_signature_fault fault, struct response_data *out)
{
	switch (fault) {
	case VCARD_SIGNATURE_GOOD:
		break;
	case VCARD_SIGNATURE_ZEROS:
		memset(out->buf, 0, out->len);
		break;
	case VCARD_SIGNATURE_SHORT:
		out->len--;
		break;
	case VCARD_SIGNATURE_FLIPPED:
		out->buf[100] ^= 0x01;
		break;
	}
}

uint16_t card_compute_signature(struct vcard *card, const struct command_apdu *cmd,
				struct response_data *out)
{
	enum credential cred;

	if (cmd->p1 != 0x00 || cmd->p2 != 0x80)
		return SW_WRONG_P1P2;
	if (cmd->lc == 0)
		return SW_WRONG_LENGTH;
	if (card_current_ef_kind(card, &cred) != EF_KIND_KEY)
		return SW_NO_CURRENT_EF;
	/* A key whose PIN EF is absent (face-auth card) is never usable. */
	if (!card->verified[cred])
		return SW_SECURITY_STATUS;
	/* The whole signature must be asked for: Le 00, or extended >= 256. */
	if (cmd->lc > MAX_SIGN_INPUT || cmd->le < SIGNATURE_LEN)
		return SW_WRONG_LENGTH;
	uint16_t sw = sign_raw(card->profile.keys[cred], cmd->data, cmd->lc, out);
	if (sw == SW_OK)
		spoil_signature(card->signature_fault, out);
	return sw;
}
