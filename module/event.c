/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "event.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "library.h"
#include "log.h"
#include "pcsc.h"
#include "slot.h"

/* A blocked wait looks at the reader list again this often, and a wait
 * that C_Finalize's cancel just missed ends within it. */
#define WAIT_SLICE_MS 1000
/* How long a blocked wait sleeps while pcscd is away. */
#define NO_SERVICE_SLEEP_MS 200
#define MAX_WAITERS 8

/* The event lock (library.h), held for no PC/SC call but SCardCancel,
 * which returns at once.  What the readers hold and the events not yet
 * reported are reader-presence.c's. */
static pthread_mutex_t event_lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
	/* Guarded by event_lock. */
	struct pcsc_context *waiters[MAX_WAITERS];
} events;

static void
sleep_ms (long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep (&ts, NULL);
}

/* The readers' states now; count 0 and PCSC_OK when there are none. */
static enum pcsc_result
poll_states (struct pcsc_context *ctx, struct pcsc_reader_state *st, unsigned *count,
             unsigned long *pnp)
{
	const char *names[SLOT_MAX_READERS];
	enum pcsc_result r;

	*count = slots_readers (names);
	memset (st, 0, SLOT_MAX_READERS * sizeof *st);
	for (unsigned i = 0; i < *count; i++)
		st[i].name = names[i];
	r = pcsc_wait_change (ctx, st, *count, pnp, 0);
	return r == PCSC_TIMEOUT ? PCSC_OK : r;
}

void
event_open (void)
{
	struct pcsc_reader_state st[SLOT_MAX_READERS];
	struct pcsc_context *ctx = NULL;
	unsigned long pnp = 0;
	unsigned count = 0;

	if (pcsc_context_open (&ctx) != PCSC_OK)
		return;
	if (poll_states (ctx, st, &count, &pnp) == PCSC_OK)
		slots_note (st, count, false);
	pcsc_context_close (ctx);
}

void
event_forget (void)
{
	memset (&events, 0, sizeof events);
}

void
event_wake (void)
{
	pthread_mutex_lock (&event_lock);
	for (int i = 0; i < MAX_WAITERS; i++)
		if (events.waiters[i] != NULL)
			pcsc_cancel (events.waiters[i]);
	pthread_mutex_unlock (&event_lock);
}

/* Makes *ctx and lists it for event_wake: false if pcscd is away or too
 * many threads wait. */
static bool
waiter_join (struct pcsc_context **ctx)
{
	bool joined = false;

	if (pcsc_context_open (ctx) != PCSC_OK)
		return false;
	pthread_mutex_lock (&event_lock);
	for (int i = 0; i < MAX_WAITERS && !joined; i++)
		if (events.waiters[i] == NULL) {
			events.waiters[i] = *ctx;
			joined = true;
		}
	pthread_mutex_unlock (&event_lock);
	if (!joined) {
		LOG ("too many threads in C_WaitForSlotEvent");
		pcsc_context_close (*ctx);
		*ctx = NULL;
	}
	return joined;
}

static void
waiter_leave (struct pcsc_context **ctx)
{
	if (*ctx == NULL)
		return;
	pthread_mutex_lock (&event_lock);
	for (int i = 0; i < MAX_WAITERS; i++)
		if (events.waiters[i] == *ctx)
			events.waiters[i] = NULL;
	pthread_mutex_unlock (&event_lock);
	pcsc_context_close (*ctx);
	*ctx = NULL;
}

/* One look at the readers: CKR_OK with *slot, CKR_NO_EVENT, or a failure
 * of pcscd (CKR_DEVICE_ERROR); st holds the states for the next wait.  A
 * card seen gone has its sessions closed before the event is told. */
static CK_RV
look (struct pcsc_context *ctx, struct pcsc_reader_state *st, unsigned *count,
      unsigned long *pnp, CK_SLOT_ID *slot)
{
	enum pcsc_result r = poll_states (ctx, st, count, pnp);
	CK_RV rv;

	if (r == PCSC_OK)
		slots_note (st, *count, true);
	rv = slots_take_event (slot);
	if (rv != CKR_NO_EVENT)
		return rv;
	return r == PCSC_OK ? CKR_NO_EVENT : CKR_DEVICE_ERROR;
}

CK_RV
event_wait (CK_FLAGS flags, CK_SLOT_ID *slot, CK_VOID_PTR reserved)
{
	struct pcsc_reader_state st[SLOT_MAX_READERS];
	struct pcsc_context *ctx = NULL;
	unsigned long pnp = 0;
	unsigned count = 0;
	CK_RV rv;

	if (slot == NULL || reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	for (;;) {
		if (library_finalizing ()) {
			rv = CKR_CRYPTOKI_NOT_INITIALIZED;
			break;
		}
		if (ctx == NULL && !waiter_join (&ctx)) {
			rv = CKR_NO_EVENT;
			if (flags & CKF_DONT_BLOCK)
				break;
			sleep_ms (NO_SERVICE_SLEEP_MS);
			continue;
		}
		rv = look (ctx, st, &count, &pnp, slot);
		if ((rv != CKR_NO_EVENT && rv != CKR_DEVICE_ERROR) || (flags & CKF_DONT_BLOCK))
			break;
		if (rv == CKR_NO_EVENT &&
		    pcsc_wait_change (ctx, st, count, &pnp, WAIT_SLICE_MS) != PCSC_NO_SERVICE)
			continue;
		/* pcscd went away: a new context once it is back. */
		waiter_leave (&ctx);
	}
	if (rv == CKR_DEVICE_ERROR)
		rv = CKR_NO_EVENT;
	waiter_leave (&ctx);
	return rv;
}
