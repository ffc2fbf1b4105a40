/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* COMPUTE DIGITAL SIGNATURE, 80 2A P1 P2: P1 picks the scheme (table
 * below, after soltia48/myna-card's report of a real card), P2 80 signs
 * with the selected key EF, 80 | short EF id names the key. */
#include "card-private.h"

#include <string.h>

#include <openssl/rsa.h>

#define SIGNATURE_LEN 256
#define SHA256_LEN 32

enum padding {
	PAD_AS_GIVEN,   /* PKCS#1 v1.5 type 1 over the input as it is */
	PAD_DIGESTINFO, /* PKCS#1 v1.5 over DigestInfo(SHA-256, hash) */
	PAD_PSS,        /* RSASSA-PSS, MGF1-SHA-256 */
};

/* One row per P1 value the card knows. */
struct sign_scheme {
	uint8_t p1;
	size_t min_len, max_len;   /* input bytes */
	bool hash_first;           /* the card hashes the input with SHA-256 */
	enum padding padding;
};

static const struct sign_scheme schemes[] = {
	{ 0x00, 1, 256 - 11, false, PAD_AS_GIVEN },
	{ 0x01, 1, 255, true, PAD_AS_GIVEN },
	{ 0x02, SHA256_LEN, SHA256_LEN, false, PAD_DIGESTINFO },
	{ 0x03, 1, 255, true, PAD_DIGESTINFO },
	{ 0x04, SHA256_LEN, SHA256_LEN, false, PAD_PSS },
	{ 0x05, 1, 255, true, PAD_PSS },
};

#define SCHEME_COUNT (sizeof(schemes) / sizeof(schemes[0]))

static const struct sign_scheme *find_scheme(uint8_t p1, enum vcard_generation generation)
{
	/* The older card knows P1 00 only. */
	size_t count = generation == VCARD_GENERATION_CURRENT ? SCHEME_COUNT : 1;

	for (size_t i = 0; i < count; i++)
		if (schemes[i].p1 == p1)
			return &schemes[i];
	return NULL;
}

static bool setup_padding(EVP_PKEY_CTX *ctx, enum padding padding, int salt_len)
{
	switch (padding) {
	case PAD_AS_GIVEN:
		/* No digest set: OpenSSL pads the input as it is. */
		return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0;
	case PAD_DIGESTINFO:
		return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0
		       && EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0;
	case PAD_PSS:
		return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0
		       && EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0
		       && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0
		       && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt_len) > 0;
	}
	return false;
}

static uint16_t sign_with_scheme(const struct vcard *card, enum credential cred,
				 const struct sign_scheme *scheme, const uint8_t *data, size_t len,
				 struct response_data *out)
{
	uint16_t sw = SW_NO_DIAGNOSIS;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t hash[SHA256_LEN];
	size_t sig_len = out->cap;

	if (out->cap < SIGNATURE_LEN)
		goto out;
	if (scheme->hash_first) {
		if (!EVP_Digest(data, len, hash, NULL, EVP_sha256(), NULL))
			goto out;
		data = hash;
		len = sizeof(hash);
	}
	ctx = EVP_PKEY_CTX_new(card->profile.keys[cred], NULL);
	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0
	    || !setup_padding(ctx, scheme->padding, card->pss_salt_len)
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

/* The key P2 names: the selected key EF (80) or a key by short EF id. */
static uint16_t find_key(const struct vcard *card, uint8_t p2, enum credential *cred)
{
	if (p2 == 0x80)
		return card_current_ef_kind(card, cred) == EF_KIND_KEY ? SW_OK : SW_NO_CURRENT_EF;
	for (int i = 0; i < CREDENTIAL_COUNT; i++) {
		if (p2 != (0x80 | credential_specs[i].key_fid))
			continue;
		/* A short EF id is looked up in the current DF. */
		if (!card->jpki_selected || !card->profile.keys[i])
			return SW_NOT_FOUND;
		*cred = i;
		return SW_OK;
	}
	return SW_WRONG_P1P2;
}

static bool p2_known(uint8_t p2, enum vcard_generation generation)
{
	if (p2 == 0x80)
		return true;
	if (generation != VCARD_GENERATION_CURRENT)
		return false;
	for (int i = 0; i < CREDENTIAL_COUNT; i++)
		if (p2 == (0x80 | credential_specs[i].key_fid))
			return true;
	return false;
}

static bool any_pin_verified(const struct vcard *card)
{
	for (int i = 0; i < CREDENTIAL_COUNT; i++)
		if (card->verified[i])
			return true;
	return false;
}

uint16_t card_compute_signature(struct vcard *card, const struct command_apdu *cmd,
				struct response_data *out)
{
	const struct sign_scheme *scheme;
	enum credential cred;
	uint16_t sw;

	/* This card asks for a verified PIN before it reads P1 and P2. */
	if (card->generation == VCARD_GENERATION_6982_FIRST && !any_pin_verified(card))
		return SW_SECURITY_STATUS;
	scheme = find_scheme(cmd->p1, card->generation);
	if (!scheme || !p2_known(cmd->p2, card->generation))
		return SW_WRONG_P1P2;
	sw = find_key(card, cmd->p2, &cred);
	if (sw != SW_OK)
		return sw;
	/* A key whose PIN EF is absent (face-auth card) is never usable. */
	if (!card->verified[cred])
		return SW_SECURITY_STATUS;
	/* The whole signature must be asked for: Le 00, or extended >= 256. */
	if (cmd->lc < scheme->min_len || cmd->lc > scheme->max_len || cmd->le < SIGNATURE_LEN)
		return SW_WRONG_LENGTH;
	sw = sign_with_scheme(card, cred, scheme, cmd->data, cmd->lc, out);
	if (sw == SW_OK)
		spoil_signature(card->signature_fault, out);
	return sw;
}

bool vcard_parse_generation(const char *text, enum vcard_generation *generation)
{
	static const struct {
		const char *name;
		enum vcard_generation value;
	} names[] = {
		{ "current", VCARD_GENERATION_CURRENT },
		{ "older", VCARD_GENERATION_OLDER },
		{ "6982-first", VCARD_GENERATION_6982_FIRST },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(text, names[i].name) == 0) {
			*generation = names[i].value;
			return true;
		}
	}
	return false;
}
