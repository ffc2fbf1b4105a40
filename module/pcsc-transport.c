/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pcsc-transport.h"

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

struct jpki_transport
pcsc_jpki_transport (struct pcsc_card *conn)
{
	return (struct jpki_transport) { transmit, conn };
}
