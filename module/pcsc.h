/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PC/SC transport: contexts, readers, connections, transactions and
 * transmission.  Knows nothing of JPKI. */
#ifndef JPKI_PCSC_H
#define JPKI_PCSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pcsc_result {
	PCSC_OK = 0,
	PCSC_NO_SERVICE,     /* pcscd not running, or our context died with it */
	PCSC_NO_READERS,
	PCSC_NO_CARD,        /* reader empty or card unpowered/unresponsive */
	PCSC_CARD_RESET,     /* another program reset the card */
	PCSC_CARD_REMOVED,
	PCSC_SHARING,        /* card held exclusively by someone else */
	PCSC_ERROR,
	PCSC_NO_MEMORY,
	PCSC_TIMEOUT,        /* nothing changed in time */
	PCSC_CANCELLED,      /* pcsc_cancel from another thread */
};

struct pcsc_context;
struct pcsc_card;

/* Fails fast with PCSC_NO_SERVICE when pcscd is absent. */
enum pcsc_result pcsc_context_open (struct pcsc_context **out);
void pcsc_context_close (struct pcsc_context *ctx);

/* Reader names, a NULL-terminated array to free with pcsc_readers_free. */
enum pcsc_result pcsc_list_readers (struct pcsc_context *ctx, char ***names);
void pcsc_readers_free (char **names);

/* One reader as pcsc_wait_change sees it.  raw 0: not looked at yet. */
struct pcsc_reader_state {
	const char *name;
	unsigned long raw;      /* pcscd's last answer, handed back to wait */
	bool present;
	uint32_t event_count;
};

/* Waits up to timeout_ms for a change in any reader from what states
 * say, or in the reader list (*pnp, 0 at first); a state with raw 0
 * answers at once.  PCSC_OK with states and *pnp updated, PCSC_TIMEOUT,
 * PCSC_CANCELLED or a failure. */
enum pcsc_result pcsc_wait_change (struct pcsc_context *ctx, struct pcsc_reader_state *states,
                                   size_t count, unsigned long *pnp, long timeout_ms);
/* Ends a pcsc_wait_change on ctx running in another thread. */
void pcsc_cancel (struct pcsc_context *ctx);

/* Shared-mode connection, T=1 or T=0. */
enum pcsc_result pcsc_connect (struct pcsc_context *ctx, const char *reader,
                               struct pcsc_card **out);
/* Leaves the card as it is (SCARD_LEAVE_CARD). */
void pcsc_disconnect (struct pcsc_card *card);
/* After PCSC_CARD_RESET: reconnect to the same card. */
enum pcsc_result pcsc_reconnect (struct pcsc_card *card);

enum pcsc_result pcsc_begin_transaction (struct pcsc_card *card);
void pcsc_end_transaction (struct pcsc_card *card);

/* Sends one APDU; *resp_len is the buffer size in and the answer's
 * length out (status word included).  A failed transmit asks the reader
 * whether the card is still there: PCSC_CARD_REMOVED if not. */
enum pcsc_result pcsc_transmit (struct pcsc_card *card, const uint8_t *cmd, size_t cmd_len,
                                uint8_t *resp, size_t *resp_len);

#endif
