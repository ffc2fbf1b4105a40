/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What card.c, card-login.c and card-sign.c share: the card's state and
 * its PC/SC transactions.  Every function here needs the reader's card
 * lock (slot.c) held. */
#ifndef JPKI_CARD_PRIVATE_H
#define JPKI_CARD_PRIVATE_H

#include "card.h"

struct token_state {
	bool present;
	bool pin_known;             /* pin_set and tries were read */
	long long pin_read_at;      /* when (monotonic_ms), or our VERIFY said */
	bool pin_set;
	int tries;                  /* -1: unknown */
	bool logged_in;
	unsigned login_epoch;       /* counts logouts: private handles die with them */
	/* The card gives the token's own certificate only after its PIN (the
	 * signature certificate; on a phone, the authentication one too). */
	bool cert_needs_login;
	struct cert_info *cert;     /* the token's own certificate */
	struct cert_info *ca;
	/* [enum card_cert]: the EF could not be read or parsed; its objects
	 * are gone for as long as the card stays in the reader. */
	bool cert_broken[2];
	bool damaged;               /* one of the token's files is broken */
};

struct card {
	struct pcsc_card *conn;
	struct jpki_card *jpki;
	struct card_reader *reader; /* the reader's memory, outlives the card */
	char model[33];
	char serial[17];
	struct token_state tok[2];
};

/* The certificate EFs of each token: [key][enum card_cert]. */
extern const enum jpki_file card_cert_files[2][2];

/* A PC/SC transaction around a sequence of APDUs.  card_begin handles a
 * reset by someone else (our logins are gone) by reconnecting; card_end
 * wipes the answer buffer and maps r. */
CK_RV card_begin (struct card *card);
CK_RV card_end (struct card *card, enum jpki_result r);

/* Inside a transaction. */
enum jpki_result card_read_certificate_in_transaction (struct card *card, enum jpki_file file,
                                                       struct cert_info **out);
void card_read_pin_state_in_transaction (struct card *card, enum jpki_key key);
/* The token's own certificate if the card gives it and it is not known to
 * be broken; a broken file is logged and remembered. */
enum jpki_result card_load_certificate_in_transaction (struct card *card, enum jpki_key key,
                                                       enum card_cert which);

/* The card no longer has the token's PIN verified (card_forget_logins:
 * either token's, since the card clears both at once). */
void card_forget_login (struct card *card, enum jpki_key key);
void card_forget_logins (struct card *card);

#endif
