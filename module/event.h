/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* C_WaitForSlotEvent.  Each call has its own PC/SC context and holds no
 * lock while it waits in pcscd, so C_Finalize can cancel it.  What it sees
 * goes to the one tracker of card presence (reader-presence.c), which
 * keeps the events. */
#ifndef JPKI_EVENT_H
#define JPKI_EVENT_H

#include <p11-kit/pkcs11.h>

/* C_Initialize, after slots_open: what the readers hold now is no event. */
void event_open (void);
/* A child of fork(): the parent's waiters are not ours. */
void event_forget (void);
/* C_Finalize: ends every blocked wait. */
void event_wake (void);

CK_RV event_wait (CK_FLAGS flags, CK_SLOT_ID *slot, CK_VOID_PTR reserved);

#endif
