/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The PKCS#11 entry points: count the call in, take the lock it needs
 * (library.h says which), call one helper, unlock.  Nothing else happens
 * here. */
#include <string.h>

#include <p11-kit/pkcs11.h>

#include "event.h"
#include "library.h"
#include "log.h"
#include "object.h"
#include "session.h"
#include "sign.h"
#include "slot.h"
#include "token.h"
#include "util.h"

#define EXPORT __attribute__ ((visibility ("default")))

/* Runs expr inside the library, with no lock of ours held. */
#define PLAIN_CALL(expr)                                               \
	do {                                                           \
		rv = library_enter ();                                 \
		if (rv == CKR_OK) {                                    \
			rv = (expr);                                   \
			/* Logged inside: C_Finalize closes the log. */ \
			LOG ("%s -> 0x%lx", __func__, rv);             \
			library_leave ();                              \
		}                                                      \
		return rv;                                             \
	} while (0)

/* Runs expr with the card lock of slot id held.  A card found gone
 * takes its sessions with it at once. */
#define SLOT_CALL(id, expr)                                            \
	do {                                                           \
		rv = library_enter ();                                 \
		if (rv == CKR_OK) {                                    \
			rv = slot_lock (id);                           \
			if (rv == CKR_OK) {                            \
				rv = (expr);                           \
				if (rv == CKR_DEVICE_REMOVED)          \
					slot_card_lost_cardlocked (id); \
				slot_unlock (id);                      \
			}                                              \
			/* Logged inside: C_Finalize closes the log. */ \
			LOG ("%s -> 0x%lx", __func__, rv);             \
			library_leave ();                              \
		}                                                      \
		return rv;                                             \
	} while (0)

/* Runs expr with the card lock of session h's slot held. */
#define SESSION_CALL(h, expr)                                          \
	do {                                                           \
		CK_SLOT_ID _slot;                                      \
		rv = library_enter ();                                 \
		if (rv == CKR_OK) {                                    \
			rv = session_lock (h, &_slot);                 \
			if (rv == CKR_OK) {                            \
				rv = (expr);                           \
				if (rv == CKR_DEVICE_REMOVED)          \
					slot_card_lost_cardlocked (_slot); \
				slot_unlock (_slot);                   \
			}                                              \
			/* Logged inside: C_Finalize closes the log. */ \
			LOG ("%s -> 0x%lx", __func__, rv);             \
			library_leave ();                              \
		}                                                      \
		return rv;                                             \
	} while (0)

static CK_RV
unsupported (void)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

/* The card offers no random numbers to the host. */
static CK_RV
no_rng (CK_SESSION_HANDLE handle)
{
	struct session *s;
	struct card *card;
	CK_RV rv = session_get (handle, &s, &card);

	return rv == CKR_OK ? CKR_RANDOM_NO_RNG : rv;
}

/* Functions that would write to the token, whose objects are the card's. */
static CK_RV
write_protected (CK_SESSION_HANDLE handle)
{
	struct session *s;
	struct card *card;
	CK_RV rv = session_get (handle, &s, &card);

	return rv == CKR_OK ? CKR_TOKEN_WRITE_PROTECTED : rv;
}

static CK_RV
library_info (CK_INFO_PTR info)
{
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	memset (info, 0, sizeof *info);
	info->cryptokiVersion.major = 2;
	info->cryptokiVersion.minor = 40;
	pad_copy (info->manufacturerID, sizeof info->manufacturerID, "jpki-pkcs11 project");
	pad_copy (info->libraryDescription, sizeof info->libraryDescription,
	          "My Number Card (JPKI) PKCS#11");
	info->libraryVersion.major = 0;
	info->libraryVersion.minor = 1;
	return CKR_OK;
}

CK_RV C_Initialize (CK_VOID_PTR args) { return library_initialize (args); }
CK_RV C_Finalize (CK_VOID_PTR reserved) { return library_finalize (reserved); }
CK_RV C_GetInfo (CK_INFO_PTR info) { CK_RV rv; PLAIN_CALL (library_info (info)); }

CK_RV C_GetSlotList (CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{ CK_RV rv; PLAIN_CALL (slots_list (present, list, count)); }
CK_RV C_GetSlotInfo (CK_SLOT_ID id, CK_SLOT_INFO_PTR info)
{ CK_RV rv; SLOT_CALL (id, slot_info_cardlocked (id, info)); }
CK_RV C_GetTokenInfo (CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{ CK_RV rv; SLOT_CALL (id, token_info (id, info)); }
CK_RV C_GetMechanismList (CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{ CK_RV rv; SLOT_CALL (id, token_mechanisms (id, list, count)); }
CK_RV C_GetMechanismInfo (CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{ CK_RV rv; SLOT_CALL (id, token_mechanism_info (id, type, info)); }
CK_RV C_WaitForSlotEvent (CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved)
{ CK_RV rv; PLAIN_CALL (event_wait (flags, slot, reserved)); }

CK_RV C_InitToken (CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label)
{ CK_RV rv; (void) id; (void) pin; (void) len; (void) label; SLOT_CALL (id, CKR_TOKEN_WRITE_PROTECTED); }
CK_RV C_InitPIN (CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{ CK_RV rv; (void) pin; (void) len; SESSION_CALL (h, write_protected (h)); }
CK_RV C_SetPIN (CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len,
                CK_UTF8CHAR_PTR new_pin, CK_ULONG new_len)
{ CK_RV rv; SESSION_CALL (h, session_set_pin (h, old_pin, old_len, new_pin, new_len)); }

CK_RV C_OpenSession (CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
                     CK_SESSION_HANDLE_PTR out)
{ CK_RV rv; (void) app; (void) notify; SLOT_CALL (id, session_open (id, flags, out)); }
CK_RV C_CloseSession (CK_SESSION_HANDLE h) { CK_RV rv; SESSION_CALL (h, session_close (h)); }
CK_RV C_CloseAllSessions (CK_SLOT_ID id) { CK_RV rv; SLOT_CALL (id, session_close_all (id)); }
CK_RV C_GetSessionInfo (CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{ CK_RV rv; SESSION_CALL (h, session_info (h, info)); }
CK_RV C_GetOperationState (CK_SESSION_HANDLE h, CK_BYTE_PTR state, CK_ULONG_PTR len)
{ CK_RV rv; (void) h; (void) state; (void) len; PLAIN_CALL (unsupported ()); }
CK_RV C_SetOperationState (CK_SESSION_HANDLE h, CK_BYTE_PTR state, CK_ULONG len,
                           CK_OBJECT_HANDLE enc, CK_OBJECT_HANDLE auth)
{ CK_RV rv; (void) h; (void) state; (void) len; (void) enc; (void) auth; PLAIN_CALL (unsupported ()); }
CK_RV C_Login (CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{ CK_RV rv; SESSION_CALL (h, session_login (h, user, pin, len)); }
CK_RV C_Logout (CK_SESSION_HANDLE h) { CK_RV rv; SESSION_CALL (h, session_logout (h)); }

CK_RV C_CreateObject (CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o)
{ CK_RV rv; (void) t; (void) n; (void) o; SESSION_CALL (h, write_protected (h)); }
CK_RV C_CopyObject (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE src, CK_ATTRIBUTE_PTR t, CK_ULONG n,
                    CK_OBJECT_HANDLE_PTR o)
{ CK_RV rv; (void) src; (void) t; (void) n; (void) o; SESSION_CALL (h, write_protected (h)); }
CK_RV C_DestroyObject (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o)
{ CK_RV rv; (void) o; SESSION_CALL (h, write_protected (h)); }
CK_RV C_GetObjectSize (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ULONG_PTR size)
{ CK_RV rv; SESSION_CALL (h, object_get_size (h, o, size)); }
CK_RV C_GetAttributeValue (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{ CK_RV rv; SESSION_CALL (h, object_get_attributes (h, o, t, n)); }
CK_RV C_SetAttributeValue (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{ CK_RV rv; (void) o; (void) t; (void) n; SESSION_CALL (h, write_protected (h)); }
CK_RV C_FindObjectsInit (CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{ CK_RV rv; SESSION_CALL (h, object_find_init (h, t, n)); }
CK_RV C_FindObjects (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR o, CK_ULONG max, CK_ULONG_PTR n)
{ CK_RV rv; SESSION_CALL (h, object_find (h, o, max, n)); }
CK_RV C_FindObjectsFinal (CK_SESSION_HANDLE h) { CK_RV rv; SESSION_CALL (h, object_find_final (h)); }

CK_RV C_EncryptInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{ CK_RV rv; (void) h; (void) m; (void) k; PLAIN_CALL (unsupported ()); }
CK_RV C_Encrypt (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR e, CK_ULONG_PTR el)
{ CK_RV rv; (void) h; (void) d; (void) dl; (void) e; (void) el; PLAIN_CALL (unsupported ()); }
CK_RV C_EncryptUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR e, CK_ULONG_PTR el)
{ CK_RV rv; (void) h; (void) d; (void) dl; (void) e; (void) el; PLAIN_CALL (unsupported ()); }
CK_RV C_EncryptFinal (CK_SESSION_HANDLE h, CK_BYTE_PTR e, CK_ULONG_PTR el)
{ CK_RV rv; (void) h; (void) e; (void) el; PLAIN_CALL (unsupported ()); }
CK_RV C_DecryptInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{ CK_RV rv; (void) h; (void) m; (void) k; PLAIN_CALL (unsupported ()); }
CK_RV C_Decrypt (CK_SESSION_HANDLE h, CK_BYTE_PTR e, CK_ULONG el, CK_BYTE_PTR d, CK_ULONG_PTR dl)
{ CK_RV rv; (void) h; (void) e; (void) el; (void) d; (void) dl; PLAIN_CALL (unsupported ()); }
CK_RV C_DecryptUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR e, CK_ULONG el, CK_BYTE_PTR d, CK_ULONG_PTR dl)
{ CK_RV rv; (void) h; (void) e; (void) el; (void) d; (void) dl; PLAIN_CALL (unsupported ()); }
CK_RV C_DecryptFinal (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG_PTR dl)
{ CK_RV rv; (void) h; (void) d; (void) dl; PLAIN_CALL (unsupported ()); }
CK_RV C_DigestInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m)
{ CK_RV rv; (void) h; (void) m; PLAIN_CALL (unsupported ()); }
CK_RV C_Digest (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o, CK_ULONG_PTR ol)
{ CK_RV rv; (void) h; (void) d; (void) dl; (void) o; (void) ol; PLAIN_CALL (unsupported ()); }
CK_RV C_DigestUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl)
{ CK_RV rv; (void) h; (void) d; (void) dl; PLAIN_CALL (unsupported ()); }
CK_RV C_DigestKey (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k)
{ CK_RV rv; (void) h; (void) k; PLAIN_CALL (unsupported ()); }
CK_RV C_DigestFinal (CK_SESSION_HANDLE h, CK_BYTE_PTR o, CK_ULONG_PTR ol)
{ CK_RV rv; (void) h; (void) o; (void) ol; PLAIN_CALL (unsupported ()); }

CK_RV C_SignInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{ CK_RV rv; SESSION_CALL (h, sign_init (h, m, k)); }
CK_RV C_Sign (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR s, CK_ULONG_PTR sl)
{ CK_RV rv; SESSION_CALL (h, sign_single (h, d, dl, s, sl)); }
CK_RV C_SignUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl)
{ CK_RV rv; SESSION_CALL (h, sign_update (h, d, dl)); }
CK_RV C_SignFinal (CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG_PTR sl)
{ CK_RV rv; SESSION_CALL (h, sign_final (h, s, sl)); }
CK_RV C_SignRecoverInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{ CK_RV rv; (void) h; (void) m; (void) k; PLAIN_CALL (unsupported ()); }
CK_RV C_SignRecover (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR s, CK_ULONG_PTR sl)
{ CK_RV rv; (void) h; (void) d; (void) dl; (void) s; (void) sl; PLAIN_CALL (unsupported ()); }
CK_RV C_VerifyInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{ CK_RV rv; (void) h; (void) m; (void) k; PLAIN_CALL (unsupported ()); }
CK_RV C_Verify (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR s, CK_ULONG sl)
{ CK_RV rv; (void) h; (void) d; (void) dl; (void) s; (void) sl; PLAIN_CALL (unsupported ()); }
CK_RV C_VerifyUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl)
{ CK_RV rv; (void) h; (void) d; (void) dl; PLAIN_CALL (unsupported ()); }
CK_RV C_VerifyFinal (CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG sl)
{ CK_RV rv; (void) h; (void) s; (void) sl; PLAIN_CALL (unsupported ()); }
CK_RV C_VerifyRecoverInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{ CK_RV rv; (void) h; (void) m; (void) k; PLAIN_CALL (unsupported ()); }
CK_RV C_VerifyRecover (CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG sl, CK_BYTE_PTR d, CK_ULONG_PTR dl)
{ CK_RV rv; (void) h; (void) s; (void) sl; (void) d; (void) dl; PLAIN_CALL (unsupported ()); }
CK_RV C_DigestEncryptUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG al, CK_BYTE_PTR b, CK_ULONG_PTR bl)
{ CK_RV rv; (void) h; (void) a; (void) al; (void) b; (void) bl; PLAIN_CALL (unsupported ()); }
CK_RV C_DecryptDigestUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG al, CK_BYTE_PTR b, CK_ULONG_PTR bl)
{ CK_RV rv; (void) h; (void) a; (void) al; (void) b; (void) bl; PLAIN_CALL (unsupported ()); }
CK_RV C_SignEncryptUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG al, CK_BYTE_PTR b, CK_ULONG_PTR bl)
{ CK_RV rv; (void) h; (void) a; (void) al; (void) b; (void) bl; PLAIN_CALL (unsupported ()); }
CK_RV C_DecryptVerifyUpdate (CK_SESSION_HANDLE h, CK_BYTE_PTR a, CK_ULONG al, CK_BYTE_PTR b, CK_ULONG_PTR bl)
{ CK_RV rv; (void) h; (void) a; (void) al; (void) b; (void) bl; PLAIN_CALL (unsupported ()); }
CK_RV C_GenerateKey (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t, CK_ULONG n,
                     CK_OBJECT_HANDLE_PTR k)
{ CK_RV rv; (void) m; (void) t; (void) n; (void) k; SESSION_CALL (h, write_protected (h)); }
CK_RV C_GenerateKeyPair (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pt, CK_ULONG pn,
                         CK_ATTRIBUTE_PTR st, CK_ULONG sn, CK_OBJECT_HANDLE_PTR pk, CK_OBJECT_HANDLE_PTR sk)
{ CK_RV rv; (void) m; (void) pt; (void) pn; (void) st; (void) sn; (void) pk; (void) sk;
  SESSION_CALL (h, write_protected (h)); }
CK_RV C_WrapKey (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE w, CK_OBJECT_HANDLE k,
                 CK_BYTE_PTR o, CK_ULONG_PTR ol)
{ CK_RV rv; (void) h; (void) m; (void) w; (void) k; (void) o; (void) ol; PLAIN_CALL (unsupported ()); }
CK_RV C_UnwrapKey (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE u, CK_BYTE_PTR w,
                   CK_ULONG wl, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR k)
{ CK_RV rv; (void) m; (void) u; (void) w; (void) wl; (void) t; (void) n; (void) k;
  SESSION_CALL (h, write_protected (h)); }
CK_RV C_DeriveKey (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE b, CK_ATTRIBUTE_PTR t,
                   CK_ULONG n, CK_OBJECT_HANDLE_PTR k)
{ CK_RV rv; (void) m; (void) b; (void) t; (void) n; (void) k; SESSION_CALL (h, write_protected (h)); }
CK_RV C_SeedRandom (CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG sl)
{ CK_RV rv; (void) s; (void) sl; SESSION_CALL (h, no_rng (h)); }
CK_RV C_GenerateRandom (CK_SESSION_HANDLE h, CK_BYTE_PTR r, CK_ULONG rl)
{ CK_RV rv; (void) r; (void) rl; SESSION_CALL (h, no_rng (h)); }
CK_RV C_GetFunctionStatus (CK_SESSION_HANDLE h)
{ CK_RV rv; (void) h; PLAIN_CALL (CKR_FUNCTION_NOT_PARALLEL); }
CK_RV C_CancelFunction (CK_SESSION_HANDLE h)
{ CK_RV rv; (void) h; PLAIN_CALL (CKR_FUNCTION_NOT_PARALLEL); }

static CK_FUNCTION_LIST function_list = {
	{ 2, 40 },
	C_Initialize, C_Finalize, C_GetInfo, C_GetFunctionList,
	C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo, C_GetMechanismList, C_GetMechanismInfo,
	C_InitToken, C_InitPIN, C_SetPIN,
	C_OpenSession, C_CloseSession, C_CloseAllSessions, C_GetSessionInfo,
	C_GetOperationState, C_SetOperationState, C_Login, C_Logout,
	C_CreateObject, C_CopyObject, C_DestroyObject, C_GetObjectSize,
	C_GetAttributeValue, C_SetAttributeValue, C_FindObjectsInit, C_FindObjects, C_FindObjectsFinal,
	C_EncryptInit, C_Encrypt, C_EncryptUpdate, C_EncryptFinal,
	C_DecryptInit, C_Decrypt, C_DecryptUpdate, C_DecryptFinal,
	C_DigestInit, C_Digest, C_DigestUpdate, C_DigestKey, C_DigestFinal,
	C_SignInit, C_Sign, C_SignUpdate, C_SignFinal, C_SignRecoverInit, C_SignRecover,
	C_VerifyInit, C_Verify, C_VerifyUpdate, C_VerifyFinal, C_VerifyRecoverInit, C_VerifyRecover,
	C_DigestEncryptUpdate, C_DecryptDigestUpdate, C_SignEncryptUpdate, C_DecryptVerifyUpdate,
	C_GenerateKey, C_GenerateKeyPair, C_WrapKey, C_UnwrapKey, C_DeriveKey,
	C_SeedRandom, C_GenerateRandom, C_GetFunctionStatus, C_CancelFunction, C_WaitForSlotEvent,
};

EXPORT CK_RV
C_GetFunctionList (CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &function_list;
	return CKR_OK;
}
