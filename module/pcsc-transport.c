/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pcsc-transport.h"

#include <string.h>

#include "log.h"

static enum jpki_transport_result
transmit (void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len)
{
	switch (pcsc_transmit (ctx, cmd, cmd_len, resp, resp_len)) {
	case PCSC_OK: return JPKI_TRANSPORT_OK;
	case PCSC_CARD_RESET: return JPKI_TRANSPORT_RESET;
	case PCSC_CARD_REMOVED:
	case PCSC_NO_CARD:
	case PCSC_NO_SERVICE:   /* pcscd gone: the card with it */
	case PCSC_NO_READERS: return JPKI_TRANSPORT_REMOVED;
	default: return JPKI_TRANSPORT_FAILED;
	}
}

enum pcsc_result
jpki_conn_open (struct jpki_conn *conn, struct pcsc_card *pcsc)
{
	struct jpki_transport transport = { transmit, pcsc };

	conn->pcsc = pcsc;
	conn->jpki = jpki_card_new (&transport);
	if (conn->jpki != NULL)
		return PCSC_OK;
	jpki_conn_close (conn);
	return PCSC_NO_MEMORY;
}

void
jpki_conn_close (struct jpki_conn *conn)
{
	jpki_card_free (conn->jpki);
	if (conn->pcsc != NULL)
		pcsc_disconnect (conn->pcsc);
	memset (conn, 0, sizeof *conn);
}

enum pcsc_result
jpki_conn_begin (struct jpki_conn *conn, bool *reset)
{
	enum pcsc_result r = pcsc_begin_transaction (conn->pcsc);
	bool was_reset = r == PCSC_CARD_RESET;

	if (reset != NULL)
		*reset = was_reset;
	if (was_reset) {
		LOG ("card was reset by someone else");
		jpki_forget_selection (conn->jpki);
		r = pcsc_reconnect (conn->pcsc);
		if (r == PCSC_OK)
			r = pcsc_begin_transaction (conn->pcsc);
	}
	if (r == PCSC_OK)
		jpki_transaction_begin (conn->jpki);
	return r;
}

void
jpki_conn_end (struct jpki_conn *conn)
{
	jpki_transaction_end (conn->jpki);
	pcsc_end_transaction (conn->pcsc);
}
