/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SELECT and READ BINARY.  Checks run in one order in every handler:
 * P1/P2, then the APDU's shape (Lc/Le), then card state, then data. */
#include "card-private.h"

#include <string.h>

static const uint8_t jpki_aid[] = { 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01 };

#define MAX_AID_LEN 16
#define SIGN_CERT_FID 0x0001
#define AUTH_CERT_FID 0x000A

/* The MF: selecting it is what logs both PINs out on the real card. */
static uint16_t select_mf(struct vcard *card, const struct command_apdu *cmd)
{
	if (cmd->lc != 0 && cmd->lc != 2)
		return SW_WRONG_LENGTH;
	if (cmd->lc == 2 && !(cmd->data[0] == 0x3F && cmd->data[1] == 0x00))
		return SW_NOT_FOUND;
	card->jpki_selected = false;
	card->has_current_ef = false;
	memset(card->verified, 0, sizeof(card->verified));
	return SW_OK;
}

static uint16_t select_aid(struct vcard *card, const struct command_apdu *cmd)
{
	if (cmd->lc == 0 || cmd->lc > MAX_AID_LEN)
		return SW_WRONG_LENGTH;
	if (card->no_jpki || cmd->lc != sizeof(jpki_aid) ||
	    memcmp(cmd->data, jpki_aid, sizeof(jpki_aid)) != 0)
		return SW_NOT_FOUND;
	/* Verified states survive: only the MF clears them. */
	card->jpki_selected = true;
	card->has_current_ef = false;
	return SW_OK;
}

static uint16_t select_ef(struct vcard *card, const struct command_apdu *cmd)
{
	enum credential cred;
	uint16_t fid;

	if (cmd->lc != 2)
		return SW_WRONG_LENGTH;
	if (!card->jpki_selected)
		return SW_NOT_FOUND;
	fid = (uint16_t)(cmd->data[0] << 8 | cmd->data[1]);
	if (card_ef_kind(card, fid, &cred) == EF_KIND_NONE)
		return SW_NOT_FOUND;
	card->has_current_ef = true;
	card->current_ef = fid;
	return SW_OK;
}

/* Never answers with FCI: P2 00 gets the same bare 90 00 as P2 0C. */
uint16_t card_select(struct vcard *card, const struct command_apdu *cmd)
{
	switch (cmd->p1) {
	case 0x00:
		if (cmd->p2 != 0x00 && cmd->p2 != 0x0C)
			return SW_WRONG_P1P2;
		return select_mf(card, cmd);
	case 0x02:
		if (cmd->p2 != 0x0C)
			return SW_WRONG_P1P2;
		return select_ef(card, cmd);
	case 0x04:
		if (cmd->p2 != 0x00 && cmd->p2 != 0x0C)
			return SW_WRONG_P1P2;
		return select_aid(card, cmd);
	default:
		return SW_WRONG_P1P2;
	}
}

uint16_t card_read_binary(struct vcard *card, const struct command_apdu *cmd,
			  struct response_data *out)
{
	const struct profile_ef *ef;
	enum credential cred;
	size_t offset, count;
	uint16_t sw;

	/* P1 bit 8 would name a short EF identifier, which this card lacks. */
	if (cmd->p1 & 0x80)
		return SW_WRONG_P1P2;
	if (cmd->lc != 0 || cmd->le == 0)
		return SW_WRONG_LENGTH;
	switch (card_current_ef_kind(card, &cred)) {
	case EF_KIND_NONE:
		return SW_NO_CURRENT_EF;
	case EF_KIND_KEY:
	case EF_KIND_PIN:
		return SW_SECURITY_STATUS;
	case EF_KIND_BINARY:
		break;
	}
	if (card->current_ef == SIGN_CERT_FID && !card->verified[CREDENTIAL_SIGN])
		return SW_SECURITY_STATUS;
	if (card->smartphone && card->current_ef == AUTH_CERT_FID &&
	    !card->verified[CREDENTIAL_AUTH])
		return SW_SECURITY_STATUS;
	if (card_faulty_read(card, cmd, out, &sw))
		return sw;
	ef = profile_find_ef(&card->profile, card->current_ef);
	offset = (size_t)cmd->p1 << 8 | cmd->p2;
	if (offset >= ef->size)
		return SW_WRONG_OFFSET;
	count = ef->size - offset;
	if (count > cmd->le)
		count = cmd->le;
	if (count > out->cap)
		return SW_NO_DIAGNOSIS;
	memcpy(out->buf, ef->data + offset, count);
	out->len = count;
	return count < cmd->le ? SW_END_OF_FILE : SW_OK;
}
