/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "session.h"

#include <string.h>

#include "log.h"
#include "rv.h"
#include "slot.h"

struct session {
	/* Guarded by the table lock. */
	CK_SESSION_HANDLE handle;     /* 0: a free entry */
	CK_SLOT_ID slot;
	CK_FLAGS flags;
	/* Guarded by the card lock of the session's slot. */
	struct find_state find;
	struct sign_state sign;
};

static struct session sessions[SESSION_MAX];
/* Guarded by the table lock; never reset, so never reused. */
static CK_SESSION_HANDLE last_handle;

static void
session_clear (struct session *s)
{
	sign_op_clear (&s->sign.op);
	memset (s, 0, sizeof *s);
}

CK_SLOT_ID
session_slot (const struct session *s)
{
	return s->slot;
}

struct find_state *
session_find_state (struct session *s)
{
	return &s->find;
}

struct sign_state *
session_sign_state (struct session *s)
{
	return &s->sign;
}

CK_RV
sessions_open (void)
{
	for (size_t i = 0; i < SESSION_MAX; i++)
		session_clear (&sessions[i]);
	return CKR_OK;
}

void
sessions_close (void)
{
	sessions_close_all_slots ();
}

void
sessions_close_slot_cardlocked (CK_SLOT_ID slot)
{
	if (slots_table_lock () != CKR_OK)
		return;
	for (size_t i = 0; i < SESSION_MAX; i++)
		if (sessions[i].handle != 0 && sessions[i].slot == slot)
			session_clear (&sessions[i]);
	slots_table_unlock ();
}

/* No call is inside: no lock needed, and the table lock may be gone. */
void
sessions_close_all_slots (void)
{
	for (size_t i = 0; i < SESSION_MAX; i++)
		if (sessions[i].handle != 0)
			session_clear (&sessions[i]);
}

CK_ULONG
session_count (CK_SLOT_ID slot, CK_FLAGS flags)
{
	CK_ULONG n = 0;

	if (slots_table_lock () != CKR_OK)
		return 0;
	for (size_t i = 0; i < SESSION_MAX; i++)
		n += sessions[i].handle != 0 && sessions[i].slot == slot &&
		     (sessions[i].flags & flags) == flags;
	slots_table_unlock ();
	return n;
}

/* The entry of an open session, or NULL; the caller holds the table lock. */
static struct session *
session_find_tablelocked (CK_SESSION_HANDLE handle)
{
	if (handle == 0)
		return NULL;
	for (size_t i = 0; i < SESSION_MAX; i++)
		if (sessions[i].handle == handle)
			return &sessions[i];
	return NULL;
}

CK_RV
session_lock (CK_SESSION_HANDLE handle, CK_SLOT_ID *slot)
{
	struct session *s;
	CK_RV rv = slots_table_lock ();

	if (rv != CKR_OK)
		return rv;
	s = session_find_tablelocked (handle);
	if (s != NULL)
		*slot = s->slot;
	slots_table_unlock ();
	if (s == NULL)
		return CKR_SESSION_HANDLE_INVALID;
	/* Closed meanwhile?  session_get looks again under the card lock. */
	return slot_lock (*slot);
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
	rv = slot_card_cardlocked (slot, &card);
	if (rv != CKR_OK)
		return rv;
	rv = slots_table_lock ();
	if (rv != CKR_OK)
		return rv;
	/* R/W sessions are allowed although the objects are read-only: v2.40
	 * lets C_SetPIN run only in one, and pkcs11-tool --test asks for one. */
	rv = CKR_SESSION_COUNT;
	for (size_t i = 0; i < SESSION_MAX; i++) {
		if (sessions[i].handle != 0)
			continue;
		session_clear (&sessions[i]);
		sessions[i].handle = ++last_handle;
		sessions[i].slot = slot;
		sessions[i].flags = flags;
		*out = sessions[i].handle;
		rv = CKR_OK;
		break;
	}
	slots_table_unlock ();
	return rv;
}

static bool
session_is_open (CK_SESSION_HANDLE handle, struct session **s)
{
	if (slots_table_lock () != CKR_OK)
		return false;
	*s = session_find_tablelocked (handle);
	slots_table_unlock ();
	return *s != NULL;
}

CK_RV
session_get (CK_SESSION_HANDLE handle, struct session **s, struct card **card)
{
	CK_RV rv;

	if (!session_is_open (handle, s))
		return CKR_SESSION_HANDLE_INVALID;
	rv = slot_card_cardlocked ((*s)->slot, card);
	/* slot_card_cardlocked closed the session if the card went away. */
	if (!session_is_open (handle, s))
		return CKR_DEVICE_REMOVED;
	return rv_for_session (rv);
}

/* The last session of an application closing logs it out (v2.40 C_CloseSession). */
static void
logout_if_last (struct card *card, CK_SLOT_ID slot)
{
	if (card != NULL && session_count (slot, 0) == 0 &&
	    card_logged_in_cardlocked (card, slot_key (slot)))
		card_logout_cardlocked (card);
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
	rv = slots_table_lock ();
	if (rv != CKR_OK)
		return rv;
	session_clear (s);
	slots_table_unlock ();
	logout_if_last (card, slot);
	return CKR_OK;
}

CK_RV
session_close_all (CK_SLOT_ID slot)
{
	struct card *card = NULL;

	slot_card_cardlocked (slot, &card);
	sessions_close_slot_cardlocked (slot);
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
	user = card_logged_in_cardlocked (card, slot_key (s->slot));
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
	if (card_logged_in_cardlocked (card, slot_key (s->slot)))
		return CKR_USER_ALREADY_LOGGED_IN;
	if (pin == NULL)
		return CKR_ARGUMENTS_BAD;   /* no protected authentication path */
	return card_login_cardlocked (card, slot_key (s->slot), pin, pin_len);
}

CK_RV
session_logout (CK_SESSION_HANDLE handle)
{
	struct session *s;
	struct card *card;
	CK_RV rv = session_get (handle, &s, &card);

	if (rv != CKR_OK)
		return rv;
	if (!card_logged_in_cardlocked (card, slot_key (s->slot)))
		return CKR_USER_NOT_LOGGED_IN;
	card_logout_cardlocked (card);
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
	return card_set_pin_cardlocked (card, slot_key (s->slot), old_pin, old_len, new_pin, new_len);
}
