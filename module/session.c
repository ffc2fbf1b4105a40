/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session.h"

#include <string.h>

#include "log.h"
#include "slot.h"

static struct session sessions[SESSION_MAX];

static void
session_clear (struct session *s)
{
	sign_op_clear (&s->sign);
	memset (s, 0, sizeof *s);
}

void
sessions_reset (void)
{
	memset (sessions, 0, sizeof sessions);
}

void
sessions_close_slot (CK_SLOT_ID slot)
{
	for (size_t i = 0; i < SESSION_MAX; i++)
		if (sessions[i].open && sessions[i].slot == slot)
			session_clear (&sessions[i]);
}

void
sessions_close_all_slots (void)
{
	for (size_t i = 0; i < SESSION_MAX; i++)
		if (sessions[i].open)
			session_clear (&sessions[i]);
}

CK_ULONG
session_count (CK_SLOT_ID slot, CK_FLAGS flags)
{
	CK_ULONG n = 0;

	for (size_t i = 0; i < SESSION_MAX; i++)
		n += sessions[i].open && sessions[i].slot == slot &&
		     (sessions[i].flags & flags) == flags;
	return n;
}

CK_RV
session_open (CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE *out)
{
	struct card *card;
	CK_RV rv;

	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	rv = slot_card (slot, &card);
	if (rv != CKR_OK)
		return rv;
	/* R/W sessions are allowed although the objects are read-only: v2.40
	 * lets C_SetPIN run only in one, and pkcs11-tool --test asks for one. */
	for (size_t i = 0; i < SESSION_MAX; i++) {
		if (sessions[i].open)
			continue;
		session_clear (&sessions[i]);
		sessions[i].open = true;
		sessions[i].slot = slot;
		sessions[i].flags = flags;
		*out = i + 1;
		return CKR_OK;
	}
	return CKR_SESSION_COUNT;
}

CK_RV
session_get (CK_SESSION_HANDLE handle, struct session **s, struct card **card)
{
	CK_RV rv;

	if (handle == 0 || handle > SESSION_MAX || !sessions[handle - 1].open)
		return CKR_SESSION_HANDLE_INVALID;
	*s = &sessions[handle - 1];
	rv = slot_card ((*s)->slot, card);
	/* slot_card closed the session if the card went away. */
	if (!sessions[handle - 1].open)
		return CKR_DEVICE_REMOVED;
	return rv == CKR_TOKEN_NOT_PRESENT ? CKR_DEVICE_REMOVED : rv;
}

/* The last session of an application closing logs it out (v2.40 C_CloseSession). */
static void
logout_if_last (struct card *card, CK_SLOT_ID slot)
{
	if (card != NULL && session_count (slot, 0) == 0 && card_logged_in (card, slot_key (slot)))
		card_logout (card);
}

CK_RV
session_close (CK_SESSION_HANDLE handle)
{
	struct session *s;
	struct card *card = NULL;
	CK_RV rv = session_get (handle, &s, &card);
	CK_SLOT_ID slot;

	if (rv == CKR_DEVICE_REMOVED)
		return CKR_OK;   /* already closed with the card */
	if (rv != CKR_OK)
		return rv;
	slot = s->slot;
	session_clear (s);
	logout_if_last (card, slot);
	return CKR_OK;
}

CK_RV
session_close_all (CK_SLOT_ID slot)
{
	struct card *card = NULL;
	CK_RV rv = slot_card (slot, &card);

	if (rv == CKR_SLOT_ID_INVALID)
		return rv;
	sessions_close_slot (slot);
	logout_if_last (card, slot);
	return CKR_OK;
}

CK_RV
session_info (CK_SESSION_HANDLE handle, CK_SESSION_INFO *info)
{
	struct session *s;
	struct card *card;
	bool user;
	CK_RV rv;

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	rv = session_get (handle, &s, &card);
	if (rv != CKR_OK)
		return rv;
	info->slotID = s->slot;
	info->flags = s->flags;
	info->ulDeviceError = 0;
	user = card_logged_in (card, slot_key (s->slot));
	if (s->flags & CKF_RW_SESSION)
		info->state = user ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION;
	else
		info->state = user ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION;
	return CKR_OK;
}

CK_RV
session_login (CK_SESSION_HANDLE handle, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
               CK_ULONG pin_len)
{
	struct session *s;
	struct card *card;
	CK_RV rv = session_get (handle, &s, &card);

	if (rv != CKR_OK)
		return rv;
	if (user == CKU_SO) {
		/* v2.40 C_Login: no SO login while a R/O session is open. */
		if (session_count (s->slot, 0) > session_count (s->slot, CKF_RW_SESSION))
			return CKR_SESSION_READ_ONLY_EXISTS;
		LOG ("no security officer on a JPKI card");
		return CKR_USER_TYPE_INVALID;
	}
	if (user == CKU_CONTEXT_SPECIFIC)
		return CKR_OPERATION_NOT_INITIALIZED;   /* no key needs it */
	if (user != CKU_USER)
		return CKR_USER_TYPE_INVALID;
	if (card_logged_in (card, slot_key (s->slot)))
		return CKR_USER_ALREADY_LOGGED_IN;
	if (pin == NULL)
		return CKR_ARGUMENTS_BAD;   /* no protected authentication path */
	return card_login (card, slot_key (s->slot), pin, pin_len);
}

CK_RV
session_logout (CK_SESSION_HANDLE handle)
{
	struct session *s;
	struct card *card;
	CK_RV rv = session_get (handle, &s, &card);

	if (rv != CKR_OK)
		return rv;
	if (!card_logged_in (card, slot_key (s->slot)))
		return CKR_USER_NOT_LOGGED_IN;
	card_logout (card);
	return CKR_OK;
}

CK_RV
session_set_pin (CK_SESSION_HANDLE handle, const CK_UTF8CHAR *old_pin, CK_ULONG old_len,
                 const CK_UTF8CHAR *new_pin, CK_ULONG new_len)
{
	struct session *s;
	struct card *card;
	CK_RV rv = session_get (handle, &s, &card);

	if (rv != CKR_OK)
		return rv;
	if (old_pin == NULL || new_pin == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	return card_set_pin (card, slot_key (s->slot), old_pin, old_len, new_pin, new_len);
}
