/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a JPKI card is, read with no PIN and no try spent: the one
 * sequence the module binds a card with and the jpki command reads a
 * card's status with, and what a PIN's state is. */
#ifndef JPKI_PROBE_H
#define JPKI_PROBE_H

#include <stdbool.h>

#include "jpki.h"

/* What the card said of a PIN. */
struct jpki_pin_state {
	bool known;             /* false: the card has not said */
	bool set;               /* the card has this PIN */
	int tries;              /* left: 0 blocked, -1 unknown (already verified) */
};

/* From what jpki_pin_tries or a VERIFY answered and the tries it said
 * are left; known only when the answer was about the PIN. */
struct jpki_pin_state jpki_pin_state_of (enum jpki_result r, int tries);
/* The empty VERIFY, which spends no try. */
struct jpki_pin_state jpki_read_pin_state (struct jpki_card *card, enum jpki_key key);

struct jpki_token_facts {
	bool present;
	/* The card gives the token's certificate only after its PIN: the
	 * signature one always, a phone's authentication one too. */
	bool cert_needs_pin;
	bool cert_broken;       /* its certificate file could not be read or taken */
	bool damaged;           /* one of its files could not be read */
	struct jpki_pin_state pin;   /* read only when the token's presence needed it */
};

struct jpki_facts {
	char model[33];         /* token information (EF 0006); "" when unread */
	bool phone;             /* smartphone JPKI, not a card */
	struct jpki_token_facts tok[2];
};

/* Inside the first transaction on a card: the application, the token
 * information, the authentication certificate (handed to take, as
 * jpki_read_certificate_into does) and which tokens the card has.
 * JPKI_OK, JPKI_NOT_JPKI for another kind of card, or what stopped the
 * reading (the card gone, a transport failure, an answer that makes no
 * sense).  A broken file is logged once and costs only what needs it. */
enum jpki_result jpki_probe (struct jpki_card *card, jpki_cert_taker *take, void *ctx,
                             struct jpki_facts *facts);

/* The one log line of a broken file: the token goes on without it. */
void jpki_log_broken_file (enum jpki_key key, const char *file, enum jpki_result r);

#endif
