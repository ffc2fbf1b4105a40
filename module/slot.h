/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Readers and slots.  Reader n (in order of first appearance) gives slot
 * 2n for the authentication token and 2n+1 for the signature token. */
#ifndef JPKI_SLOT_H
#define JPKI_SLOT_H

#include <p11-kit/pkcs11.h>

#include "card.h"
#include "jpki-pkcs11.h"
#include "jpki.h"

#define SLOT_MAX_READERS 16

static inline CK_SLOT_ID slot_id_of (unsigned reader, enum jpki_key key)
{
	return key == JPKI_KEY_AUTH ? JPKI_PKCS11_SLOT_AUTH (reader) : JPKI_PKCS11_SLOT_SIGN (reader);
}
static inline enum jpki_key slot_key (CK_SLOT_ID id) { return (enum jpki_key) (id % 2); }

void slots_open (void);
void slots_close (void);

CK_RV slots_list (CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count);
CK_RV slot_info (CK_SLOT_ID id, CK_SLOT_INFO *info);

/* The JPKI card in the slot's reader when it has this slot's token:
 * CKR_SLOT_ID_INVALID, CKR_TOKEN_NOT_PRESENT, or CKR_OK.  Notices a
 * removed or replaced card and closes its sessions. */
CK_RV slot_card (CK_SLOT_ID id, struct card **out);

#endif
