/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Readers and slots.  Reader n (in order of first appearance) gives slot
 * 2n for the authentication token and 2n+1 for the signature token; a
 * reader's name keeps its slots for the module's life, through unplugging,
 * pcscd restarts and C_Finalize/C_Initialize.  Each reader has its card
 * lock (library.h gives the order) and its own PC/SC context, so that one
 * card's long command never holds up another reader.  slot.c keeps the
 * reader table and owns the table lock, which guards session.c's table
 * too; reader-presence.c tracks card presence for slot calls and
 * C_WaitForSlotEvent alike; slot-card.c binds and drops the card in each
 * reader (slot-private.h is what they share). */
#ifndef JPKI_SLOT_H
#define JPKI_SLOT_H

#include <p11-kit/pkcs11.h>

#include "card.h"
#include "jpki-pkcs11.h"
#include "jpki.h"
#include "pcsc.h"

#define SLOT_MAX_READERS 16

static inline CK_SLOT_ID slot_id_of (unsigned reader, enum jpki_key key)
{
	return key == JPKI_KEY_AUTH ? JPKI_PKCS11_SLOT_AUTH (reader) : JPKI_PKCS11_SLOT_SIGN (reader);
}
static inline enum jpki_key slot_key (CK_SLOT_ID id) { return (enum jpki_key) (id % 2); }
/* Whether this module file shows slot id's token (module/variant.h). */
bool variant_has_slot (CK_SLOT_ID id);

/* C_Initialize: the table lock and the known readers' card locks. */
CK_RV slots_open (void);
/* C_Finalize, with no call inside: cards, contexts and locks go; reader
 * names stay. */
void slots_close (void);
/* A child of fork(): forgets the parent's state without touching it. */
void slots_forget (void);

/* The table lock, for session.c's table too. */
CK_RV slots_table_lock (void);
void slots_table_unlock (void);

/* Asks pcscd for new readers, then gives every known reader's name
 * (fixed for the module's life) by index; the count. */
unsigned slots_readers (const char *names[SLOT_MAX_READERS]);

CK_RV slots_list (CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count);

/* What a look at the readers saw (st by reader index, as pcsc_wait_change
 * gives them): a change is an event for their slots unless report is
 * false (C_Initialize), and a card seen gone is dropped and its sessions
 * closed at once.  Takes each changed reader's card lock in turn. */
void slots_note (const struct pcsc_reader_state *st, unsigned count, bool report);
/* The next slot event not yet reported: CKR_OK with *slot, CKR_NO_EVENT. */
CK_RV slots_take_event (CK_SLOT_ID *slot);

/* Takes the card lock of the slot's reader: CKR_SLOT_ID_INVALID, or
 * CKR_OK with the lock held until slot_unlock. */
CK_RV slot_lock (CK_SLOT_ID id);
void slot_unlock (CK_SLOT_ID id);

CK_RV slot_info_cardlocked (CK_SLOT_ID id, CK_SLOT_INFO *info);
/* The JPKI card in the slot's reader when it has this slot's token:
 * CKR_TOKEN_NOT_PRESENT or CKR_OK.  Notices a removed or replaced card
 * and closes its sessions. */
CK_RV slot_card_cardlocked (CK_SLOT_ID id, struct card **out);
/* A command on the card failed because it is gone: drop it now, so that
 * its sessions end at once. */
void slot_card_lost_cardlocked (CK_SLOT_ID id);

#endif
