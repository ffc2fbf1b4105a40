/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One JPKI card in a reader: its connection, what we cached from it (what
 * cannot change while it stays in the reader), and the login state of its
 * two tokens.  Every operation runs in one PC/SC transaction. */
#ifndef JPKI_CARD_H
#define JPKI_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#include "cert.h"
#include "jpki.h"
#include "pcsc.h"
#include "rv.h"

struct card;

enum card_cert { CARD_CERT_USER, CARD_CERT_CA };

/* What a reader remembers across the cards put on it (slot.c owns it,
 * for the module's life). */
struct card_reader {
	const char *name;
	uint32_t events;            /* pcsc-lite's insert/remove counter */
	bool short_reads_only;      /* the reader refused an extended APDU */
};

/* Takes over conn.  CKR_OK with *out NULL when the card is not a JPKI
 * card; CKR_DEVICE_ERROR etc. when the card could not be read.  A card
 * with broken files is bound: only what depends on them is missing.
 * Every function below whose name ends in _cardlocked needs the card lock
 * of the card's reader (slot.c) held; the others read what binding fixed. */
CK_RV card_bind_cardlocked (struct pcsc_card *conn, struct card_reader *reader,
                            struct card **out);
/* Leaves the card with no verified PIN when we had logged in. */
void card_free_cardlocked (struct card *card);

bool card_has_token (const struct card *card, enum jpki_key key);
/* One of the token's files could not be read or parsed. */
bool card_token_damaged_cardlocked (const struct card *card, enum jpki_key key);
/* The token's own certificate and public key are private: the card
 * gives them only after the PIN. */
bool card_cert_needs_login (const struct card *card, enum jpki_key key);
const char *card_model (const struct card *card);
const char *card_serial (const struct card *card);
/* pin_set false: the card has no such PIN; *tries -1: unknown.  Asks the
 * card (empty VERIFY, no try used) unless logged in, the answer cannot
 * have changed or is a moment old; with both, the other token's PIN in
 * the same transaction. */
CK_RV card_pin_state_cardlocked (struct card *card, enum jpki_key key, bool both, bool *pin_set,
                                 int *tries);
bool card_logged_in_cardlocked (const struct card *card, enum jpki_key key);
/* Changes at every logout of the token. */
unsigned card_login_epoch_cardlocked (const struct card *card, enum jpki_key key);

CK_RV card_login_cardlocked (struct card *card, enum jpki_key key, const uint8_t *pin,
                             size_t pin_len);
/* Logs both tokens out: the card clears both PINs at once. */
CK_RV card_logout_cardlocked (struct card *card);
CK_RV card_set_pin_cardlocked (struct card *card, enum jpki_key key, const uint8_t *old_pin,
                               size_t old_len, const uint8_t *new_pin, size_t new_len);

/* The token's certificate, read from the card once and cached; the
 * signature token's own certificate only while logged in.  asked says
 * what a certificate the token does not have answers (rv.h). */
CK_RV card_certificate_cardlocked (struct card *card, enum jpki_key key, enum card_cert which,
                                   enum rv_asked asked, const struct cert_info **out);

/* Whether the card's tokens offer PSS: the user's switch (mech.h), then
 * the card, asked once (jpki_ask_pss, no PIN, nothing signed) in a
 * transaction of its own; a card that would not say, only when the user
 * switched PSS on; no, for as long as the card stays in the reader, once
 * it refused a PSS signature.  Not CKR_OK when the card could not be
 * asked (*offered false). */
CK_RV card_offers_pss_cardlocked (struct card *card, bool *offered);

/* Signs card_input (DigestInfo or raw data; with pss the SHA-256 hash)
 * and checks the result against the certificate, with the same scheme,
 * before handing it out.  A card that refuses PSS: CKR_FUNCTION_FAILED,
 * and its tokens offer PSS no more.
 * sig holds JPKI_RSA_BYTES. */
CK_RV card_sign_cardlocked (struct card *card, enum jpki_key key, bool pss,
                            const uint8_t *card_input, size_t input_len, uint8_t *sig,
                            size_t *sig_len);

#endif
