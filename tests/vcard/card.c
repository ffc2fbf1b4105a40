/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Card life cycle, ATR and command dispatch. */
#include "card-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t contact_atr[] = { 0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14 };

/* PC/SC part 3 ATR for a Type B card: 3B 88 80 01, the ATQB's 4 bytes of
 * application data and 3 of protocol info, the MBLI/CID byte, then TCK.
 * The bytes are chosen to match no ATR table (OpenSC, pcsc smartcard_list),
 * so that a host has to recognise the card by SELECT. */
static size_t build_contactless_atr(uint8_t *atr)
{
	static const uint8_t head[] = {
		0x3B, 0x88, 0x80, 0x01,
		0x00, 0x00, 0x00, 0x00,         /* application data */
		0x00, 0x81, 0x71,               /* protocol info */
		0x00,                           /* MBLI, CID */
	};
	uint8_t tck = 0;

	memcpy(atr, head, sizeof(head));
	/* TCK: XOR of T0 up to the last historical byte */
	for (size_t i = 1; i < sizeof(head); i++)
		tck ^= head[i];
	atr[sizeof(head)] = tck;
	return sizeof(head) + 1;
}

/* A phone's token information EF names it (make-profile --scenario smartphone). */
static bool smartphone_profile(const struct profile *p, char *error, size_t error_size)
{
	static const char token[] = "JPKIAPGPSETOKEN";
	const struct profile_ef *ef = profile_find_ef(p, 0x0006);

	if (ef && ef->size >= sizeof(token) - 1 && memcmp(ef->data, token, sizeof(token) - 1) == 0)
		return true;
	if (error && error_size)
		snprintf(error, error_size, "--smartphone: ef/0006 does not read %s "
			 "(make-profile --scenario smartphone)", token);
	return false;
}

struct vcard *vcard_open(const char *profile_dir, const struct vcard_options *opt,
			 char *error, size_t error_size)
{
	static const struct vcard_options defaults;
	struct vcard *card = NULL;

	if (!opt)
		opt = &defaults;
	card = calloc(1, sizeof(*card));
	if (!card) {
		if (error && error_size)
			snprintf(error, error_size, "out of memory");
		goto out;
	}
	if (!profile_load(&card->profile, profile_dir, error, error_size)) {
		free(card);
		card = NULL;
		goto out;
	}
	card->extended_apdu = !opt->no_extended_apdu;
	card->signature_fault = opt->signature_fault;
	card->generation = opt->generation;
	card->pss_salt_len = opt->pss_salt_len ? (int)opt->pss_salt_len : VCARD_PSS_SALT_LEN;
	card->no_jpki = opt->no_jpki;
	card->smartphone = opt->smartphone;
	if ((opt->smartphone && !smartphone_profile(&card->profile, error, error_size)) ||
	    !card_set_file_faults(card, opt, error, error_size)) {
		vcard_close(card);
		card = NULL;
		goto out;
	}
	if (opt->contactless_atr || opt->smartphone) {
		card->atr_len = build_contactless_atr(card->atr);
	} else {
		memcpy(card->atr, contact_atr, sizeof(contact_atr));
		card->atr_len = sizeof(contact_atr);
	}
	vcard_power_on(card);
out:
	return card;
}

void vcard_close(struct vcard *card)
{
	if (!card)
		return;
	profile_free(&card->profile);
	free(card);
}

/* Power on, power off and reset all leave the card in this state. */
static void clear_volatile_state(struct vcard *card)
{
	card->jpki_selected = false;
	card->has_current_ef = false;
	card->current_ef = 0;
	memset(card->verified, 0, sizeof(card->verified));
}

void vcard_power_on(struct vcard *card)
{
	clear_volatile_state(card);
}

void vcard_power_off(struct vcard *card)
{
	clear_volatile_state(card);
}

void vcard_reset(struct vcard *card)
{
	clear_volatile_state(card);
}

const uint8_t *vcard_atr(const struct vcard *card, size_t *len)
{
	*len = card->atr_len;
	return card->atr;
}

enum ef_kind card_ef_kind(const struct vcard *card, uint16_t fid, enum credential *cred)
{
	for (int i = 0; i < CREDENTIAL_COUNT; i++) {
		const struct credential_spec *spec = &credential_specs[i];

		if (fid == spec->key_fid && card->profile.keys[i]) {
			*cred = i;
			return EF_KIND_KEY;
		}
		if (fid == spec->pin_fid && card->profile.pins[i].present) {
			*cred = i;
			return EF_KIND_PIN;
		}
	}
	return profile_find_ef(&card->profile, fid) ? EF_KIND_BINARY : EF_KIND_NONE;
}

enum ef_kind card_current_ef_kind(const struct vcard *card, enum credential *cred)
{
	if (!card->has_current_ef)
		return EF_KIND_NONE;
	return card_ef_kind(card, card->current_ef, cred);
}

/* Class 00 carries the ISO commands, class 80 only the signature:
 * a known INS in the other class is 6E 00, an unknown INS 6D 00. */
static uint16_t dispatch(struct vcard *card, const struct command_apdu *cmd,
			 struct response_data *out)
{
	bool iso_class = cmd->cla == 0x00;
	bool proprietary_class = cmd->cla == 0x80;

	if (!iso_class && !proprietary_class)
		return SW_CLA_NOT_SUPPORTED;
	switch (cmd->ins) {
	case 0xA4:
		return iso_class ? card_select(card, cmd) : SW_CLA_NOT_SUPPORTED;
	case 0xB0:
		return iso_class ? card_read_binary(card, cmd, out) : SW_CLA_NOT_SUPPORTED;
	case 0x20:
		return iso_class ? card_verify(card, cmd) : SW_CLA_NOT_SUPPORTED;
	case 0x24:
		return iso_class ? card_change_reference_data(card, cmd) : SW_CLA_NOT_SUPPORTED;
	case 0x2A:
		return proprietary_class ? card_compute_signature(card, cmd, out)
					 : SW_CLA_NOT_SUPPORTED;
	default:
		return SW_INS_NOT_SUPPORTED;
	}
}

size_t vcard_transmit(struct vcard *card, const uint8_t *cmd, size_t len,
		      uint8_t *resp, size_t cap)
{
	struct command_apdu apdu;
	struct response_data out = { resp, cap >= 2 ? cap - 2 : 0, 0 };
	uint16_t sw;

	if (cap < 2)
		return 0;
	if (!command_apdu_parse(cmd, len, card->extended_apdu, &apdu))
		sw = SW_WRONG_LENGTH;
	else
		sw = dispatch(card, &apdu, &out);
	/* Warnings (62xx) come with data; errors never do. */
	if (sw != SW_OK && sw != SW_END_OF_FILE)
		out.len = 0;
	resp[out.len] = (uint8_t)(sw >> 8);
	resp[out.len + 1] = (uint8_t)sw;
	return out.len + 2;
}
