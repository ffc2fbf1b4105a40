/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PC/SC transport over pcsc-lite.  Knows nothing of JPKI: no file ids, no
 * PINs.  APDUs are logged by the caller, which knows which bytes are
 * secret; this file logs only failures. */
#include "pcsc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "log.h"

/* Bounded retries of SCardListReaders when the list grows in between. */
#define LIST_READERS_ATTEMPTS 3

struct pcsc_context {
	SCARDCONTEXT handle;
};

struct pcsc_card {
	SCARDHANDLE handle;
	DWORD protocol;
};

static enum pcsc_result
result_from_scard (LONG rv)
{
	switch (rv) {
	case SCARD_S_SUCCESS:
		return PCSC_OK;
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
	case SCARD_E_INVALID_HANDLE:
	case SCARD_F_COMM_ERROR:
		return PCSC_NO_SERVICE;
	case SCARD_E_TIMEOUT:
		return PCSC_TIMEOUT;
	case SCARD_E_CANCELLED:
		return PCSC_CANCELLED;
	case SCARD_E_NO_READERS_AVAILABLE:
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_READER_UNAVAILABLE:
		return PCSC_NO_READERS;
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_UNPOWERED_CARD:
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_W_UNSUPPORTED_CARD:
		return PCSC_NO_CARD;
	case SCARD_W_RESET_CARD:
		return PCSC_CARD_RESET;
	case SCARD_W_REMOVED_CARD:
		return PCSC_CARD_REMOVED;
	case SCARD_E_SHARING_VIOLATION:
		return PCSC_SHARING;
	case SCARD_E_NO_MEMORY:
		return PCSC_NO_MEMORY;
	default:
		return PCSC_ERROR;
	}
}

/* Maps rv and logs anything but success. */
#define CHECK_SCARD(call, rv) check_scard (__FILE__, __LINE__, __func__, call, rv)

static enum pcsc_result
check_scard (const char *file, int line, const char *func, const char *call, LONG rv)
{
	if (rv != SCARD_S_SUCCESS && jpki_log_enabled)
		jpki_log_write (file, line, func, "%s: %s (0x%08lX)", call,
		                pcsc_stringify_error (rv), (unsigned long) rv);
	return result_from_scard (rv);
}

/* SCardEstablishContext answers SCARD_E_NO_SERVICE at once when pcscd's
 * socket is absent; nothing here waits for the daemon. */
enum pcsc_result
pcsc_context_open (struct pcsc_context **out)
{
	struct pcsc_context *ctx = NULL;
	enum pcsc_result r;

	*out = NULL;
	ctx = calloc (1, sizeof *ctx);
	if (ctx == NULL) {
		r = PCSC_NO_MEMORY;
		goto out;
	}
	r = CHECK_SCARD ("SCardEstablishContext",
	                 SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx->handle));
	if (r != PCSC_OK)
		goto out;
	*out = ctx;
	ctx = NULL;
out:
	free (ctx);
	return r;
}

void
pcsc_context_close (struct pcsc_context *ctx)
{
	if (ctx == NULL)
		return;
	CHECK_SCARD ("SCardReleaseContext", SCardReleaseContext (ctx->handle));
	free (ctx);
}

void
pcsc_readers_free (char **names)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; names[i] != NULL; i++)
		free (names[i]);
	free (names);
}

/* Splits a multi-string ("a\0b\0\0") of at most len bytes. */
static char **
split_multi_string (const char *multi, size_t len)
{
	char **names = NULL;
	size_t count = 0, i, n = 0;

	for (i = 0; i < len && multi[i] != '\0'; i += strnlen (multi + i, len - i) + 1)
		count++;
	names = calloc (count + 1, sizeof *names);
	if (names == NULL)
		goto out;
	for (i = 0; n < count; i += strnlen (multi + i, len - i) + 1) {
		names[n] = strndup (multi + i, len - i);
		if (names[n] == NULL) {
			pcsc_readers_free (names);
			names = NULL;
			goto out;
		}
		n++;
	}
out:
	return names;
}

enum pcsc_result
pcsc_list_readers (struct pcsc_context *ctx, char ***names)
{
	enum pcsc_result r;
	char *multi = NULL;
	DWORD len = 0;
	int attempt;

	*names = NULL;
	for (attempt = 1; ; attempt++) {
		LONG rv;

		free (multi);
		multi = NULL;
		r = CHECK_SCARD ("SCardListReaders", SCardListReaders (ctx->handle, NULL, NULL, &len));
		if (r != PCSC_OK)
			goto out;
		multi = calloc (1, (size_t) len + 1);
		if (multi == NULL) {
			r = PCSC_NO_MEMORY;
			goto out;
		}
		rv = SCardListReaders (ctx->handle, NULL, multi, &len);
		/* On SCARD_E_INSUFFICIENT_BUFFER, a reader appeared in between. */
		if (rv != SCARD_E_INSUFFICIENT_BUFFER || attempt == LIST_READERS_ATTEMPTS) {
			r = CHECK_SCARD ("SCardListReaders", rv);
			break;
		}
	}
	if (r != PCSC_OK)
		goto out;
	*names = split_multi_string (multi, len);
	if (*names == NULL)
		r = PCSC_NO_MEMORY;
out:
	free (multi);
	return r;
}

enum pcsc_result
pcsc_connect (struct pcsc_context *ctx, const char *reader, struct pcsc_card **out)
{
	struct pcsc_card *card = NULL;
	enum pcsc_result r;

	*out = NULL;
	card = calloc (1, sizeof *card);
	if (card == NULL) {
		r = PCSC_NO_MEMORY;
		goto out;
	}
	r = CHECK_SCARD ("SCardConnect",
	                 SCardConnect (ctx->handle, reader, SCARD_SHARE_SHARED,
	                               SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                               &card->handle, &card->protocol));
	if (r != PCSC_OK)
		goto out;
	LOG ("connected to %s, T=%d", reader, card->protocol == SCARD_PROTOCOL_T0 ? 0 : 1);
	*out = card;
	card = NULL;
out:
	free (card);
	return r;
}

void
pcsc_disconnect (struct pcsc_card *card)
{
	if (card == NULL)
		return;
	CHECK_SCARD ("SCardDisconnect", SCardDisconnect (card->handle, SCARD_LEAVE_CARD));
	free (card);
}

enum pcsc_result
pcsc_reconnect (struct pcsc_card *card)
{
	return CHECK_SCARD ("SCardReconnect",
	                    SCardReconnect (card->handle, SCARD_SHARE_SHARED,
	                                    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                                    SCARD_LEAVE_CARD, &card->protocol));
}

/* PCSC_CARD_RESET: the caller reconnects with pcsc_reconnect and begins
 * again. */
enum pcsc_result
pcsc_begin_transaction (struct pcsc_card *card)
{
	return CHECK_SCARD ("SCardBeginTransaction", SCardBeginTransaction (card->handle));
}

void
pcsc_end_transaction (struct pcsc_card *card)
{
	CHECK_SCARD ("SCardEndTransaction", SCardEndTransaction (card->handle, SCARD_LEAVE_CARD));
}

/* After a failed transmit: a card pulled out mid-command often leaves
 * only a transmission error behind, and pcscd may notice the removal a
 * moment later; a card that stays present this long is still there. */
#define REMOVAL_CHECKS 10
#define REMOVAL_CHECK_MS 50

static bool
card_still_there (struct pcsc_card *card)
{
	for (int i = 0; i < REMOVAL_CHECKS; i++) {
		DWORD reader_len = 0, state = 0, protocol = 0, atr_len = MAX_ATR_SIZE;
		BYTE atr[MAX_ATR_SIZE];
		struct timespec pause = { 0, REMOVAL_CHECK_MS * 1000000L };
		LONG rv = SCardStatus (card->handle, NULL, &reader_len, &state, &protocol, atr,
		                       &atr_len);

		if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
		    (rv == SCARD_S_SUCCESS && !(state & SCARD_PRESENT)))
			return false;
		if (rv != SCARD_S_SUCCESS) {
			CHECK_SCARD ("SCardStatus", rv);
			return true;
		}
		nanosleep (&pause, NULL);
	}
	return true;
}

enum pcsc_result
pcsc_transmit (struct pcsc_card *card, const uint8_t *cmd, size_t cmd_len,
               uint8_t *resp, size_t *resp_len)
{
	const SCARD_IO_REQUEST *pci;
	enum pcsc_result r = PCSC_ERROR;
	DWORD len;

	if (cmd_len > MAX_BUFFER_SIZE_EXTENDED || *resp_len < 2) {
		LOG ("refusing a %zu-byte command or a %zu-byte answer buffer", cmd_len, *resp_len);
		goto out;
	}
	len = *resp_len > MAX_BUFFER_SIZE_EXTENDED ? MAX_BUFFER_SIZE_EXTENDED : (DWORD) *resp_len;
	pci = card->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	r = CHECK_SCARD ("SCardTransmit",
	                 SCardTransmit (card->handle, pci, cmd, (DWORD) cmd_len, NULL, resp, &len));
	/* vpcd, for one, answers nothing at all for a card pulled out. */
	if (r == PCSC_OK && len < 2)
		r = PCSC_ERROR;
	if (r == PCSC_ERROR || r == PCSC_NO_CARD)
		r = card_still_there (card) ? r : PCSC_CARD_REMOVED;
	if (r != PCSC_OK)
		goto out;
	if (len > *resp_len) {
		LOG ("SCardTransmit claims %lu bytes in a %zu-byte buffer", (unsigned long) len, *resp_len);
		r = PCSC_ERROR;
		goto out;
	}
	*resp_len = len;
out:
	return r;
}

/* pcsc-lite's name for the reader list itself. */
#define PNP_READER "\\\\?PnP?\\Notification"

static void
reader_state_read (struct pcsc_reader_state *st, const SCARD_READERSTATE *rs)
{
	st->raw = rs->dwEventState & ~(DWORD) SCARD_STATE_CHANGED;
	if (st->raw == 0)
		st->raw = SCARD_STATE_UNKNOWN;
	st->present = (rs->dwEventState & SCARD_STATE_PRESENT) &&
	              !(rs->dwEventState & (SCARD_STATE_MUTE | SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE));
	st->event_count = (uint32_t) (rs->dwEventState >> 16) & 0xFFFF;
}

enum pcsc_result
pcsc_wait_change (struct pcsc_context *ctx, struct pcsc_reader_state *states, size_t count,
                  unsigned long *pnp, long timeout_ms)
{
	SCARD_READERSTATE *rs = calloc (count + 1, sizeof *rs);
	enum pcsc_result r;
	LONG rv;

	if (rs == NULL)
		return PCSC_NO_MEMORY;
	for (size_t i = 0; i < count; i++) {
		rs[i].szReader = states[i].name;
		rs[i].dwCurrentState = states[i].raw;
	}
	rs[count].szReader = PNP_READER;
	rs[count].dwCurrentState = *pnp;
	rv = SCardGetStatusChange (ctx->handle, timeout_ms < 0 ? INFINITE : (DWORD) timeout_ms, rs,
	                           (DWORD) count + 1);
	r = rv == SCARD_E_TIMEOUT || rv == SCARD_E_CANCELLED ? result_from_scard (rv)
	                                                      : CHECK_SCARD ("SCardGetStatusChange", rv);
	if (r == PCSC_OK) {
		for (size_t i = 0; i < count; i++)
			reader_state_read (&states[i], &rs[i]);
		*pnp = rs[count].dwEventState & ~(DWORD) SCARD_STATE_CHANGED;
	}
	free (rs);
	return r;
}

void
pcsc_cancel (struct pcsc_context *ctx)
{
	CHECK_SCARD ("SCardCancel", SCardCancel (ctx->handle));
}
