/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The session table.  Handles count up and are never reused while the
 * module stays loaded, so that a stale handle never reaches a new card's
 * session.  Login state lives in the card (per token, shared by all of the
 * application's sessions). */
#ifndef JPKI_SESSION_H
#define JPKI_SESSION_H

#include <stdbool.h>
#include <p11-kit/pkcs11.h>

#include "card.h"
#include "mech.h"

#define SESSION_MAX 256
#define FIND_MAX 8

/* C_FindObjects* state, kept by object.c. */
struct find_state {
	bool active;
	CK_OBJECT_HANDLE found[FIND_MAX];
	CK_ULONG count, next;
};

/* C_Sign* state, kept by sign.c. */
struct sign_state {
	bool active;
	bool multipart;
	CK_OBJECT_HANDLE key;
	struct sign_op op;
};

/* Defined in session.c alone. */
struct session;

CK_SLOT_ID session_slot (const struct session *s);
/* The session's operation states, guarded by the slot's card lock. */
struct find_state *session_find_state (struct session *s);
struct sign_state *session_sign_state (struct session *s);

CK_RV sessions_open (void);
void sessions_close (void);
/* Closes every session without touching cards (C_Finalize). */
void sessions_close_all_slots (void);
/* Closes the slot's sessions without touching the card (removal); the
 * caller holds the slot's card lock. */
void sessions_close_slot_cardlocked (CK_SLOT_ID slot);

/* The slot of a session: CKR_SESSION_HANDLE_INVALID or CKR_OK with the
 * slot's card lock held until slot_unlock.  Every function below needs
 * that lock held. */
CK_RV session_lock (CK_SESSION_HANDLE handle, CK_SLOT_ID *slot);

CK_RV session_open (CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE *out);
CK_RV session_close (CK_SESSION_HANDLE handle);
CK_RV session_close_all (CK_SLOT_ID slot);
/* The session and the card holding its token, checked to be still there. */
CK_RV session_get (CK_SESSION_HANDLE handle, struct session **s, struct card **card);
CK_RV session_info (CK_SESSION_HANDLE handle, CK_SESSION_INFO *info);
/* Open sessions of slot having all of flags. */
CK_ULONG session_count (CK_SLOT_ID slot, CK_FLAGS flags);

CK_RV session_login (CK_SESSION_HANDLE handle, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
                     CK_ULONG pin_len);
CK_RV session_logout (CK_SESSION_HANDLE handle);
CK_RV session_set_pin (CK_SESSION_HANDLE handle, const CK_UTF8CHAR *old_pin, CK_ULONG old_len,
                       const CK_UTF8CHAR *new_pin, CK_ULONG new_len);

#endif
