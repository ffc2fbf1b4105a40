/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* C_Initialize/C_Finalize, the calls in flight, and the mutexes.
 *
 * Every entry point runs between library_enter and library_leave, which
 * count it in and out: C_Finalize marks the library finalising, wakes the
 * slot-event waiters, and waits for those calls to leave before it frees
 * anything.
 *
 * The module's eight locks, in the only order they are taken (a thread
 * holding one takes only locks further down), with the file that owns
 * each and what it guards:
 *   1. init (library.c): serialises C_Initialize and C_Finalize, held
 *      across each of them whole.
 *   2. gate (library.c): the library's state, its pid and the count of
 *      calls inside; held for a few instructions, nothing taken under it.
 *   3. list (slot.c): the PC/SC context that asks pcscd for its readers.
 *   4. card, one per reader (slot.c; slot-card.c binds and drops the card
 *      under it): that reader's own PC/SC context, the JPKI card bound in
 *      it and all the card knows (card*.c: caches, login state), and the
 *      find and sign states of its slots' sessions; held across that
 *      card's PC/SC transaction.  Never two at once, and list and card
 *      never together.
 *   5. table (slot.c, which owns it; session.c takes it through
 *      slots_table_lock for its session table): the reader table, the one
 *      tracker of card presence (reader-presence.c: what the module last
 *      saw in each reader and the slot events not yet reported), and the
 *      session table (handles, their slots and flags).  Held only for
 *      short lookups, never while waiting for pcscd or a card.
 *   6. event (event.c): the contexts of the threads waiting in
 *      C_WaitForSlotEvent, for C_Finalize to cancel; held for nothing
 *      longer than SCardCancel.
 *   7. libctx (libctx.c): the module's OpenSSL library context.
 *   8. log (log.c): the log file, one line at a time.
 * List, card and table are made with the caller's mutex functions
 * (CK_C_INITIALIZE_ARGS) or ours; the others are ours (pthreads), since
 * they live before C_Initialize or across C_Finalize.
 *
 * A function that must be called with a lock held ends in that lock's
 * suffix: _initlocked, _gatelocked, _listlocked, _cardlocked (the card
 * lock of the slot or card it is given), _tablelocked, _eventlocked,
 * _libctxlocked, _loglocked.  Not suffixed: the one helper each entry
 * point calls (token.h, session.h, object.h, sign.h), which entry.c's
 * SLOT_CALL and SESSION_CALL always run under the slot's card lock. */
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

/* A mutex made with the functions C_Initialize chose; NULL on failure.
 * The caller's mutex handle is opaque: NULL may be one too. */
struct library_mutex;
struct library_mutex *library_mutex_new (void);
void library_mutex_free (struct library_mutex *mutex);
/* CKR_OK, or CKR_GENERAL_ERROR with a log line naming where. */
#define library_lock(m) library_lock_at ((m), __FILE__, __LINE__, __func__)
#define library_unlock(m) library_unlock_at ((m), __FILE__, __LINE__, __func__)
CK_RV library_lock_at (struct library_mutex *mutex, const char *file, int line, const char *func);
void library_unlock_at (struct library_mutex *mutex, const char *file, int line, const char *func);

#endif
