/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "token.h"

#include <string.h>

#include "card.h"
#include "mech.h"
#include "pin.h"
#include "session.h"
#include "slot.h"
#include "util.h"
#include "variant.h"

static CK_FLAGS
pin_flags (enum jpki_key key, bool pin_set, int tries)
{
	CK_FLAGS flags = 0;

	if (!pin_set)
		return 0;
	flags |= CKF_USER_PIN_INITIALIZED;
	if (tries == 0)
		flags |= CKF_USER_PIN_LOCKED;
	else if (tries == 1)
		flags |= CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW;
	else if (tries > 0 && tries < pin_max_tries (key))
		flags |= CKF_USER_PIN_COUNT_LOW;
	return flags;
}

CK_RV
token_info (CK_SLOT_ID slot, CK_TOKEN_INFO *info)
{
	enum jpki_key key = slot_key (slot);
	struct card *card;
	bool pin_set;
	int tries;
	CK_RV rv;

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	rv = slot_card_cardlocked (slot, &card);
	if (rv != CKR_OK)
		return rv;
	/* A failed refresh leaves the last known flags; only a card that is
	 * gone ends the call. */
	rv = card_pin_state_cardlocked (card, key, variant_has_slot (slot ^ 1), &pin_set, &tries);
	if (rv == CKR_DEVICE_REMOVED)
		return rv;
	memset (info, 0, sizeof *info);
	pad_copy (info->label, sizeof info->label,
	          key == JPKI_KEY_AUTH ? JPKI_PKCS11_LABEL_AUTH : JPKI_PKCS11_LABEL_SIGN);
	pad_copy (info->manufacturerID, sizeof info->manufacturerID, "J-LIS");
	pad_copy (info->model, sizeof info->model, card_model (card)[0] ? card_model (card) : "JPKI");
	pad_copy (info->serialNumber, sizeof info->serialNumber, card_serial (card));
	info->flags = CKF_TOKEN_INITIALIZED | CKF_WRITE_PROTECTED | CKF_LOGIN_REQUIRED |
	              pin_flags (key, pin_set, tries);
	info->ulMaxSessionCount = SESSION_MAX;
	info->ulSessionCount = session_count (slot, 0);
	info->ulMaxRwSessionCount = SESSION_MAX;
	info->ulRwSessionCount = session_count (slot, CKF_RW_SESSION);
	info->ulMaxPinLen = key == JPKI_KEY_AUTH ? 4 : PIN_MAX_LEN;
	info->ulMinPinLen = key == JPKI_KEY_AUTH ? 4 : 6;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->hardwareVersion.major = 1;
	info->firmwareVersion.major = 1;
	pad_copy (info->utcTime, sizeof info->utcTime, "");
	return CKR_OK;
}

CK_RV
token_mechanisms (CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	struct card *card;
	bool pss;
	CK_RV rv = slot_card_cardlocked (slot, &card);

	if (rv != CKR_OK)
		return rv;
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	rv = card_offers_pss_cardlocked (card, &pss);
	if (rv != CKR_OK)
		return rv;
	return mech_list (list, count, pss);
}

CK_RV
token_mechanism_info (CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	const struct mech_row *row;
	struct card *card;
	bool pss;
	CK_RV rv = slot_card_cardlocked (slot, &card);

	if (rv != CKR_OK)
		return rv;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	rv = card_offers_pss_cardlocked (card, &pss);
	if (rv != CKR_OK)
		return rv;
	row = mech_find (type, pss);
	if (row == NULL)
		return CKR_MECHANISM_INVALID;
	mech_info (row, info);
	return CKR_OK;
}
