/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A JPKI card on a PC/SC connection, for the module and the jpki command
 * alike: the JPKI layer's transport over the connection (the one place
 * where PC/SC results become the card protocol's transport results), and
 * the transactions that bracket every sequence of APDUs. */
#ifndef JPKI_PCSC_TRANSPORT_H
#define JPKI_PCSC_TRANSPORT_H

#include <stdbool.h>

#include "jpki.h"
#include "pcsc.h"

struct jpki_conn {
	struct pcsc_card *pcsc;
	struct jpki_card *jpki;     /* the protocol's state, over pcsc */
};

/* Takes over pcsc: on failure (PCSC_NO_MEMORY) it is disconnected. */
enum pcsc_result jpki_conn_open (struct jpki_conn *conn, struct pcsc_card *pcsc);
/* Leaves the card as it is; a zeroed conn is fine. */
void jpki_conn_close (struct jpki_conn *conn);

/* A PC/SC transaction, and the protocol's.  A card reset by another
 * program is connected to again and *reset (may be NULL) set: nothing is
 * selected on it and no PIN verified any more. */
enum pcsc_result jpki_conn_begin (struct jpki_conn *conn, bool *reset);
/* Ends both; the answer buffer is wiped. */
void jpki_conn_end (struct jpki_conn *conn);

#endif
