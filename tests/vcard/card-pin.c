/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* VERIFY and CHANGE REFERENCE DATA on the PIN EF selected before. */
#include "card-private.h"

#include <string.h>

#include <openssl/crypto.h>

static uint16_t tries_left_sw(unsigned tries)
{
	return (uint16_t)(SW_TRIES_LEFT | (tries & 0x0F));
}

/* The counter goes to the profile at once so that tests can inspect it;
 * a failed write is reported as the card's memory failure. */
static uint16_t store_tries(struct vcard *card, enum credential cred, uint16_t sw)
{
	return profile_store_tries(&card->profile, cred) ? sw : SW_MEMORY_FAILURE;
}

static bool pin_matches(const struct profile_pin *pin, const uint8_t *value, size_t len)
{
	return len == pin->len && CRYPTO_memcmp(value, pin->value, len) == 0;
}

uint16_t card_verify(struct vcard *card, const struct command_apdu *cmd)
{
	struct profile_pin *pin;
	enum credential cred;

	if (cmd->p1 != 0x00 || cmd->p2 != 0x80)
		return SW_WRONG_P1P2;
	if (cmd->le != 0)
		return SW_WRONG_LENGTH;
	if (card_current_ef_kind(card, &cred) != EF_KIND_PIN)
		return SW_NO_CURRENT_EF;
	pin = &card->profile.pins[cred];
	if (pin->tries == 0)
		return SW_PIN_BLOCKED;

	if (cmd->lc == 0) {
		/* Tries left, without using one. */
		if (card->verified[cred]
		    && card->profile.empty_verify_after_login == EMPTY_VERIFY_9000)
			return SW_OK;
		return tries_left_sw(pin->tries);
	}

	if (pin_matches(pin, cmd->data, cmd->lc)) {
		pin->tries = credential_specs[cred].max_tries;
		card->verified[cred] = true;
		return store_tries(card, cred, SW_OK);
	}
	pin->tries--;
	card->verified[cred] = false;
	return store_tries(card, cred, tries_left_sw(pin->tries));
}

uint16_t card_change_reference_data(struct vcard *card, const struct command_apdu *cmd)
{
	struct profile_pin *pin;
	struct profile_pin old;
	enum credential cred;
	uint16_t sw;

	if (cmd->p1 != 0x01 || cmd->p2 != 0x80)
		return SW_WRONG_P1P2;
	if (cmd->lc == 0 || cmd->le != 0)
		return SW_WRONG_LENGTH;
	if (card_current_ef_kind(card, &cred) != EF_KIND_PIN)
		return SW_NO_CURRENT_EF;
	pin = &card->profile.pins[cred];
	if (pin->tries == 0)
		return SW_PIN_BLOCKED;
	if (!card->verified[cred])
		return SW_SECURITY_STATUS;
	if (!credential_pin_shape_ok(cred, cmd->data, cmd->lc))
		return SW_WRONG_DATA;

	old = *pin;
	memcpy(pin->value, cmd->data, cmd->lc);
	pin->len = cmd->lc;
	pin->tries = credential_specs[cred].max_tries;
	if (!profile_store_pin(&card->profile, cred)) {
		/* Keep the PIN the profile still holds. */
		*pin = old;
		sw = SW_MEMORY_FAILURE;
		goto out;
	}
	/* The PIN stays verified: the holder has just proved it. */
	sw = store_tries(card, cred, SW_OK);
out:
	OPENSSL_cleanse(&old, sizeof(old));
	return sw;
}
