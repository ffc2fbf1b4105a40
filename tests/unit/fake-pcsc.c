/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pcsc-lite's API over the virtual card's engine, for one reader.  What
 * it models of pcscd: contexts, the reader's event counter in the high 16
 * bits of dwEventState, blocking waits that SCardCancel ends, connections
 * that die with the card they were made to, and transactions that make
 * other connections wait. */
#define _GNU_SOURCE   /* RTLD_NOLOAD */
#include "fake-pcsc.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "card.h"

const SCARD_IO_REQUEST g_rgSCardT0Pci = { SCARD_PROTOCOL_T0, sizeof (SCARD_IO_REQUEST) };
const SCARD_IO_REQUEST g_rgSCardT1Pci = { SCARD_PROTOCOL_T1, sizeof (SCARD_IO_REQUEST) };
const SCARD_IO_REQUEST g_rgSCardRawPci = { SCARD_PROTOCOL_RAW, sizeof (SCARD_IO_REQUEST) };

#define MAX_CONTEXTS 64
#define MAX_CARDS 64
/* The "\\?PnP?\Notification" pseudo-reader of pcsc-lite. */
#define PNP_READER "\\\\?PnP?\\Notification"
/* Time spent in SCardTransmit outside the lock, so that two threads
 * calling at once are seen doing so. */
#define TRANSMIT_WINDOW_NS 200000L

static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed;       /* card events, cancels, transactions */
	struct vcard *card;           /* NULL: reader empty */
	unsigned insertion;           /* which insertion card is */
	unsigned events;              /* pcsc-lite's insert/remove counter */
	unsigned pull_at;             /* 0: never; else APDUs to go + 1 */
	unsigned apdus;
	unsigned overlaps;
	unsigned in_transmit;
	bool context_open[MAX_CONTEXTS];
	bool context_cancelled[MAX_CONTEXTS];
	struct {
		bool open;
		unsigned insertion;   /* the card this connection was made to */
	} cards[MAX_CARDS];
	SCARDHANDLE transaction;      /* 0: none */
} fake = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.changed = PTHREAD_COND_INITIALIZER,
};

/* Handles are index + 1, so that 0 is never valid. */
static bool
context_valid_locked (SCARDCONTEXT ctx)
{
	return ctx >= 1 && ctx <= MAX_CONTEXTS && fake.context_open[ctx - 1];
}

static bool
card_valid_locked (SCARDHANDLE h)
{
	return h >= 1 && h <= MAX_CARDS && fake.cards[h - 1].open;
}

/* The card this connection was made to is still in the reader. */
static bool
card_there_locked (SCARDHANDLE h)
{
	return fake.card != NULL && fake.cards[h - 1].insertion == fake.insertion;
}

static void
card_out_locked (void)
{
	fake.card = NULL;
	fake.events++;
	fake.pull_at = 0;
	pthread_cond_broadcast (&fake.changed);
}

void
fake_pcsc_insert (struct vcard *card)
{
	pthread_mutex_lock (&fake.lock);
	fake.card = card;
	fake.insertion++;
	fake.events++;
	pthread_cond_broadcast (&fake.changed);
	pthread_mutex_unlock (&fake.lock);
}

void
fake_pcsc_remove (void)
{
	pthread_mutex_lock (&fake.lock);
	card_out_locked ();
	pthread_mutex_unlock (&fake.lock);
}

void
fake_pcsc_pull_at (unsigned nth)
{
	pthread_mutex_lock (&fake.lock);
	fake.pull_at = nth;
	pthread_mutex_unlock (&fake.lock);
}

/* A counter of fake's, read under the lock. */
static unsigned
counter_now (const unsigned *counter)
{
	unsigned n;

	pthread_mutex_lock (&fake.lock);
	n = *counter;
	pthread_mutex_unlock (&fake.lock);
	return n;
}

unsigned
fake_pcsc_apdus (void)
{
	return counter_now (&fake.apdus);
}

unsigned
fake_pcsc_overlaps (void)
{
	return counter_now (&fake.overlaps);
}

bool
fake_pcsc_real_library_loaded (void)
{
	void *real = dlopen ("libpcsclite.so.1", RTLD_NOW | RTLD_NOLOAD);

	if (real != NULL)
		dlclose (real);
	return real != NULL;
}

const char *
pcsc_stringify_error (const LONG rv)
{
	static __thread char text[32];

	snprintf (text, sizeof text, "fake PC/SC error 0x%08lX", (unsigned long) rv);
	return text;
}

LONG
SCardEstablishContext (DWORD scope, LPCVOID reserved1, LPCVOID reserved2, LPSCARDCONTEXT ctx)
{
	LONG rv = SCARD_E_NO_MEMORY;

	(void) scope;
	(void) reserved1;
	(void) reserved2;
	pthread_mutex_lock (&fake.lock);
	for (unsigned i = 0; i < MAX_CONTEXTS; i++)
		if (!fake.context_open[i]) {
			fake.context_open[i] = true;
			fake.context_cancelled[i] = false;
			*ctx = i + 1;
			rv = SCARD_S_SUCCESS;
			break;
		}
	pthread_mutex_unlock (&fake.lock);
	return rv;
}

/* What SCardReleaseContext and SCardCancel do to an open context. */
enum context_change { CONTEXT_RELEASE, CONTEXT_CANCEL };

static LONG
change_context (SCARDCONTEXT ctx, enum context_change change)
{
	LONG rv = SCARD_E_INVALID_HANDLE;

	pthread_mutex_lock (&fake.lock);
	if (context_valid_locked (ctx)) {
		if (change == CONTEXT_RELEASE) {
			fake.context_open[ctx - 1] = false;
		} else {
			fake.context_cancelled[ctx - 1] = true;
			pthread_cond_broadcast (&fake.changed);
		}
		rv = SCARD_S_SUCCESS;
	}
	pthread_mutex_unlock (&fake.lock);
	return rv;
}

LONG
SCardReleaseContext (SCARDCONTEXT ctx)
{
	return change_context (ctx, CONTEXT_RELEASE);
}

LONG
SCardListReaders (SCARDCONTEXT ctx, LPCSTR groups, LPSTR readers, LPDWORD len)
{
	static const char multi[] = FAKE_PCSC_READER "\0";
	LONG rv = SCARD_S_SUCCESS;

	(void) groups;
	pthread_mutex_lock (&fake.lock);
	if (!context_valid_locked (ctx))
		rv = SCARD_E_INVALID_HANDLE;
	else if (readers != NULL && *len < sizeof multi)
		rv = SCARD_E_INSUFFICIENT_BUFFER;
	else if (readers != NULL)
		memcpy (readers, multi, sizeof multi);
	if (rv == SCARD_S_SUCCESS || rv == SCARD_E_INSUFFICIENT_BUFFER)
		*len = sizeof multi;
	pthread_mutex_unlock (&fake.lock);
	return rv;
}

/* What pcscd would say of reader now, counter included. */
static DWORD
reader_state_locked (const char *reader)
{
	if (strcmp (reader, PNP_READER) == 0)
		return 1 << 16;   /* one reader, never changing */
	if (strcmp (reader, FAKE_PCSC_READER) != 0)
		return SCARD_STATE_UNKNOWN;
	return (DWORD) (fake.events & 0xFFFF) << 16 |
	       (fake.card != NULL ? SCARD_STATE_PRESENT : SCARD_STATE_EMPTY);
}

static void
deadline_after (struct timespec *at, DWORD ms)
{
	clock_gettime (CLOCK_REALTIME, at);
	at->tv_sec += ms / 1000;
	at->tv_nsec += (long) (ms % 1000) * 1000000L;
	if (at->tv_nsec >= 1000000000L) {
		at->tv_sec++;
		at->tv_nsec -= 1000000000L;
	}
}

LONG
SCardGetStatusChange (SCARDCONTEXT ctx, DWORD timeout, SCARD_READERSTATE *states, DWORD count)
{
	struct timespec at;
	LONG rv = SCARD_E_TIMEOUT;

	if (timeout != INFINITE)
		deadline_after (&at, timeout);
	pthread_mutex_lock (&fake.lock);
	for (;;) {
		bool changed = false;

		if (!context_valid_locked (ctx)) {
			rv = SCARD_E_INVALID_HANDLE;
			break;
		}
		for (DWORD i = 0; i < count; i++) {
			DWORD now = reader_state_locked (states[i].szReader);

			states[i].dwEventState = now;
			if (now != (states[i].dwCurrentState & ~(DWORD) SCARD_STATE_CHANGED)) {
				states[i].dwEventState |= SCARD_STATE_CHANGED;
				changed = true;
			}
		}
		if (changed) {
			rv = SCARD_S_SUCCESS;
			break;
		}
		if (fake.context_cancelled[ctx - 1]) {
			fake.context_cancelled[ctx - 1] = false;
			rv = SCARD_E_CANCELLED;
			break;
		}
		if (timeout == 0)
			break;
		if (timeout == INFINITE)
			pthread_cond_wait (&fake.changed, &fake.lock);
		else if (pthread_cond_timedwait (&fake.changed, &fake.lock, &at) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock (&fake.lock);
	return rv;
}

LONG
SCardCancel (SCARDCONTEXT ctx)
{
	return change_context (ctx, CONTEXT_CANCEL);
}

LONG
SCardConnect (SCARDCONTEXT ctx, LPCSTR reader, DWORD share, DWORD protocols, LPSCARDHANDLE card,
              LPDWORD protocol)
{
	LONG rv = SCARD_E_NO_MEMORY;

	(void) share;
	(void) protocols;
	pthread_mutex_lock (&fake.lock);
	if (!context_valid_locked (ctx))
		rv = SCARD_E_INVALID_HANDLE;
	else if (strcmp (reader, FAKE_PCSC_READER) != 0)
		rv = SCARD_E_UNKNOWN_READER;
	else if (fake.card == NULL)
		rv = SCARD_E_NO_SMARTCARD;
	else
		for (unsigned i = 0; i < MAX_CARDS; i++)
			if (!fake.cards[i].open) {
				fake.cards[i].open = true;
				fake.cards[i].insertion = fake.insertion;
				*card = i + 1;
				*protocol = SCARD_PROTOCOL_T1;
				rv = SCARD_S_SUCCESS;
				break;
			}
	pthread_mutex_unlock (&fake.lock);
	return rv;
}

/* A valid connection to the card still in the reader: success, or why not. */
static LONG
card_check_locked (SCARDHANDLE h)
{
	if (!card_valid_locked (h))
		return SCARD_E_INVALID_HANDLE;
	return card_there_locked (h) ? SCARD_S_SUCCESS : SCARD_W_REMOVED_CARD;
}

LONG
SCardReconnect (SCARDHANDLE h, DWORD share, DWORD protocols, DWORD init, LPDWORD protocol)
{
	LONG rv;

	(void) share;
	(void) protocols;
	(void) init;
	pthread_mutex_lock (&fake.lock);
	rv = card_check_locked (h);
	if (rv == SCARD_S_SUCCESS)
		*protocol = SCARD_PROTOCOL_T1;
	pthread_mutex_unlock (&fake.lock);
	return rv;
}

LONG
SCardDisconnect (SCARDHANDLE h, DWORD disposition)
{
	LONG rv = SCARD_E_INVALID_HANDLE;

	(void) disposition;
	pthread_mutex_lock (&fake.lock);
	if (card_valid_locked (h)) {
		fake.cards[h - 1].open = false;
		if (fake.transaction == h) {
			fake.transaction = 0;
			pthread_cond_broadcast (&fake.changed);
		}
		rv = SCARD_S_SUCCESS;
	}
	pthread_mutex_unlock (&fake.lock);
	return rv;
}

/* Another connection's transaction makes this one wait, as in pcscd. */
LONG
SCardBeginTransaction (SCARDHANDLE h)
{
	LONG rv;

	pthread_mutex_lock (&fake.lock);
	while ((rv = card_check_locked (h)) == SCARD_S_SUCCESS && fake.transaction != 0 &&
	       fake.transaction != h)
		pthread_cond_wait (&fake.changed, &fake.lock);
	if (rv == SCARD_S_SUCCESS)
		fake.transaction = h;
	pthread_mutex_unlock (&fake.lock);
	return rv;
}

LONG
SCardEndTransaction (SCARDHANDLE h, DWORD disposition)
{
	LONG rv = SCARD_E_NOT_TRANSACTED;

	(void) disposition;
	pthread_mutex_lock (&fake.lock);
	if (!card_valid_locked (h))
		rv = SCARD_E_INVALID_HANDLE;
	else if (fake.transaction == h) {
		fake.transaction = 0;
		pthread_cond_broadcast (&fake.changed);
		rv = card_there_locked (h) ? SCARD_S_SUCCESS : SCARD_W_REMOVED_CARD;
	}
	pthread_mutex_unlock (&fake.lock);
	return rv;
}

LONG
SCardStatus (SCARDHANDLE h, LPSTR name, LPDWORD name_len, LPDWORD state, LPDWORD protocol,
             LPBYTE atr, LPDWORD atr_len)
{
	LONG rv;

	pthread_mutex_lock (&fake.lock);
	rv = card_check_locked (h);
	if (rv == SCARD_S_SUCCESS) {
		size_t len;
		const uint8_t *bytes = vcard_atr (fake.card, &len);

		if (name != NULL && name_len != NULL && *name_len >= sizeof FAKE_PCSC_READER + 1)
			memcpy (name, FAKE_PCSC_READER "\0", sizeof FAKE_PCSC_READER + 1);
		if (name_len != NULL)
			*name_len = sizeof FAKE_PCSC_READER + 1;
		if (state != NULL)
			*state = SCARD_PRESENT | SCARD_POWERED | SCARD_SPECIFIC;
		if (protocol != NULL)
			*protocol = SCARD_PROTOCOL_T1;
		if (atr != NULL && atr_len != NULL && *atr_len >= len)
			memcpy (atr, bytes, len);
		if (atr_len != NULL)
			*atr_len = (DWORD) len;
	}
	pthread_mutex_unlock (&fake.lock);
	return rv;
}

LONG
SCardTransmit (SCARDHANDLE h, const SCARD_IO_REQUEST *send_pci, LPCBYTE cmd, DWORD cmd_len,
               SCARD_IO_REQUEST *recv_pci, LPBYTE resp, LPDWORD resp_len)
{
	struct timespec window = { 0, TRANSMIT_WINDOW_NS };
	LONG rv;

	(void) send_pci;
	(void) recv_pci;
	pthread_mutex_lock (&fake.lock);
	if (++fake.in_transmit > 1)
		fake.overlaps++;
	pthread_mutex_unlock (&fake.lock);
	nanosleep (&window, NULL);

	pthread_mutex_lock (&fake.lock);
	while ((rv = card_check_locked (h)) == SCARD_S_SUCCESS && fake.transaction != 0 &&
	       fake.transaction != h)
		pthread_cond_wait (&fake.changed, &fake.lock);
	if (rv == SCARD_S_SUCCESS && fake.pull_at != 0 && --fake.pull_at == 0) {
		card_out_locked ();
		rv = SCARD_W_REMOVED_CARD;
	}
	if (rv == SCARD_S_SUCCESS) {
		fake.apdus++;
		*resp_len = (DWORD) vcard_transmit (fake.card, cmd, cmd_len, resp, *resp_len);
	}
	fake.in_transmit--;
	pthread_mutex_unlock (&fake.lock);
	return rv;
}
