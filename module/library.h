/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* C_Initialize/C_Finalize, the calls in flight, and the mutexes.
 *
 * Every entry point runs between library_enter and library_leave, which
 * count it in and out: C_Finalize marks the library finalising, wakes the
 * slot-event waiters, and waits for those calls to leave before it frees
 * anything.  Locks, in the only order they are taken:
 *   1. a reader's card lock (slot.c), held across that card's PC/SC
 *      transaction and nothing else's;
 *   2. the table lock (slot.c: readers; session.c: sessions), held only
 *      for short lookups and never while waiting for pcscd or a card.
 * No thread takes a card lock while it holds the table lock, nor two card
 * locks at once.  Mutexes are the caller's (CK_C_INITIALIZE_ARGS) or ours. */
#ifndef JPKI_LIBRARY_H
#define JPKI_LIBRARY_H

#include <stdbool.h>
#include <p11-kit/pkcs11.h>

CK_RV library_initialize (CK_VOID_PTR init_args);
CK_RV library_finalize (CK_VOID_PTR reserved);

/* CKR_CRYPTOKI_NOT_INITIALIZED, or CKR_OK with the call counted in. */
CK_RV library_enter (void);
void library_leave (void);
/* Whether C_Finalize has begun: long waits give up when it has. */
bool library_finalizing (void);

/* A mutex made with the functions C_Initialize chose; NULL on failure. */
void *library_mutex_new (void);
void library_mutex_free (void *mutex);
/* CKR_OK, or CKR_GENERAL_ERROR with a log line naming where. */
#define library_lock(m) library_lock_at ((m), __FILE__, __LINE__, __func__)
#define library_unlock(m) library_unlock_at ((m), __FILE__, __LINE__, __func__)
CK_RV library_lock_at (void *mutex, const char *file, int line, const char *func);
void library_unlock_at (void *mutex, const char *file, int line, const char *func);

#endif
