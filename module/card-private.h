/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What card.c, card-login.c and card-sign.c share: the card's state and
 * its PC/SC transactions.  Every function here needs the reader's card
 * lock (slot.c) held. */
#ifndef JPKI_CARD_PRIVATE_H
#define JPKI_CARD_PRIVATE_H

#include "card.h"
#include "jpki-probe.h"
#include "pcsc-transport.h"

struct token_state {
	bool present;
	struct jpki_pin_state pin;  /* as last read or told by our VERIFY */
	long long pin_read_at;      /* when (monotonic_ms) */
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
	bool damaged;               /* one of its files is broken */
};

struct card {
	struct jpki_conn conn;
	struct card_reader *reader; /* the reader's memory, outlives the card */
	char model[33];
	char serial[17];
	struct token_state tok[2];
};

/* A PC/SC transaction around a sequence of APDUs.  Begin handles a reset
 * by someone else (our logins are gone); end wipes the answer buffer and
 * maps r as asked. */
CK_RV card_begin_cardlocked (struct card *card);
CK_RV card_end_cardlocked (struct card *card, enum rv_asked asked, enum jpki_result r);

/* Inside a transaction: the token's own certificate or its CA's if the
 * card gives it and it is not known to be broken; a broken file is logged
 * and remembered. */
enum jpki_result card_load_certificate_cardlocked (struct card *card, enum jpki_key key,
                                                   enum card_cert which);

/* What the card said of the token's PIN. */
void card_note_pin_state_cardlocked (struct card *card, enum jpki_key key,
                                     struct jpki_pin_state pin);
/* The card no longer has the token's PIN verified (card_forget_logins:
 * either token's, since the card clears both at once). */
void card_forget_login_cardlocked (struct card *card, enum jpki_key key);
void card_forget_logins_cardlocked (struct card *card);

#endif
