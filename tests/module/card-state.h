/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The virtual card as tests/with-card describes it: profile, PINs, APDU
 * log, try counters, and raw-sign.  Helpers assert with Check. */
#ifndef JPKI_TEST_CARD_STATE_H
#define JPKI_TEST_CARD_STATE_H

#include <stdbool.h>

/* The card's two keys, each with its PIN. */
enum key { KEY_AUTH = 0, KEY_SIGN = 1 };

/* Bytes in a signature by either key (RSA 2048). */
#define SIG_LEN 256

/* The profile's directory ($JPKI_VCARD_PROFILE); "" with no card. */
const char *card_profile (void);
bool card_present (void);
const char *card_pin (enum key key);
/* A PIN of the right shape that is not the card's (static buffer). */
const char *card_wrong_pin (enum key key);

/* Lines of the APDU log holding a command. */
long apdu_count (void);
/* VERIFY commands that carry a PIN (not the empty VERIFY). */
long apdu_verify_count (void);
/* READ BINARY commands in the log. */
long apdu_read_count (void);

/* The card's state/<auth|sign>-tries; -1 if unreadable. */
int tries_read (enum key key);
/* Runs raw-sign for key EF fid ("0017" or "001A"): the status word, or -1. */
int raw_sign (const char *fid);

#endif
