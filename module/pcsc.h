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
	PCSC_NO_SERVICE,     /* pcscd not running */
	PCSC_NO_READERS,
	PCSC_NO_CARD,        /* reader empty or card unpowered/unresponsive */
	PCSC_CARD_RESET,     /* another program reset the card */
	PCSC_CARD_REMOVED,
	PCSC_SHARING,        /* card held exclusively by someone else */
	PCSC_ERROR,
	PCSC_NO_MEMORY,
};

struct pcsc_context;
struct pcsc_card;

/* Fails fast with PCSC_NO_SERVICE when pcscd is absent. */
enum pcsc_result pcsc_context_open (struct pcsc_context **out);
void pcsc_context_close (struct pcsc_context *ctx);

/* Reader names, a NULL-terminated array to free with pcsc_readers_free. */
enum pcsc_result pcsc_list_readers (struct pcsc_context *ctx, char ***names);
void pcsc_readers_free (char **names);

/* Presence of a card in a reader without connecting; *event_count is
 * pcsc-lite's per-reader event counter (changes on insert/remove). */
enum pcsc_result pcsc_reader_status (struct pcsc_context *ctx, const char *reader,
                                     bool *present, uint32_t *event_count);

/* Shared-mode connection, T=1 or T=0. */
enum pcsc_result pcsc_connect (struct pcsc_context *ctx, const char *reader,
                               struct pcsc_card **out);
/* reset: SCARD_RESET_CARD instead of SCARD_LEAVE_CARD. */
void pcsc_disconnect (struct pcsc_card *card, bool reset);
/* After PCSC_CARD_RESET: reconnect to the same card. */
enum pcsc_result pcsc_reconnect (struct pcsc_card *card);

enum pcsc_result pcsc_begin_transaction (struct pcsc_card *card);
void pcsc_end_transaction (struct pcsc_card *card);

/* Sends one APDU; *resp_len is the buffer size in and the answer's
 * length out (status word included). */
enum pcsc_result pcsc_transmit (struct pcsc_card *card, const uint8_t *cmd, size_t cmd_len,
                                uint8_t *resp, size_t *resp_len);

/* The ATR, for logging only (cards are recognised by SELECT). */
enum pcsc_result pcsc_atr (struct pcsc_card *card, uint8_t *atr, size_t *atr_len);

#endif
