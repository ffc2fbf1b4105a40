/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* COMPUTE DIGITAL SIGNATURE, 80 2A P1 P2 (tests/vcard/README.md): P1
 * says the scheme (00 PKCS#1 v1.5 over the data as given, 04 RSASSA-PSS
 * over a SHA-256 hash), P2 the key: 80 | its short EF id names it with
 * no SELECT, 80 alone signs with the selected key EF.  Not every card is
 * known to have P1 04 or the short EF id: a card that refuses
 * either is remembered, and the key EF is then selected as before. */
#include "jpki.h"

#include <string.h>

#include "jpki-private.h"
#include "log.h"

#define P2_SELECTED_KEY 0x80
#define PSS_HASH_LEN 32

static int
key_ef (enum jpki_key key)
{
	return key == JPKI_KEY_SIGN ? EF_SIGN_KEY : EF_AUTH_KEY;
}

/* 80 | the short EF id, the low five bits of the file id: 97 or 9A. */
static uint8_t
named_key_p2 (enum jpki_key key)
{
	return (uint8_t) (P2_SELECTED_KEY | (key_ef (key) & 0x1F));
}

static uint8_t
scheme_p1 (enum jpki_scheme scheme)
{
	return scheme == JPKI_SCHEME_PSS ? 0x04 : 0x00;
}

static bool
input_fits (enum jpki_scheme scheme, const uint8_t *data, size_t len)
{
	if (data == NULL)
		return false;
	if (scheme == JPKI_SCHEME_PSS)
		return len == PSS_HASH_LEN;
	return len >= 1 && len <= SIGN_MAX_INPUT;
}

static enum jpki_result
compute_signature (struct jpki_card *card, enum jpki_scheme scheme, uint8_t p2,
                   const uint8_t *data, size_t len, struct answer *a)
{
	struct apdu apdu = { 0x80, 0x2A, scheme_p1 (scheme), p2, data, len, SIGNATURE_LE };

	return jpki_exchange (card, &apdu, SHOW_ALL, a);
}

/* An error that says "not this command" (a warning, a PIN word or 69 82
 * is an answer to it). */
static bool
is_refusal (enum sw_meaning meaning)
{
	switch (meaning) {
	case SW_OK:
	case SW_END_OF_FILE:
	case SW_WARNING:
	case SW_PIN_WRONG:
	case SW_PIN_BLOCKED:
	case SW_SECURITY_STATUS:
	case SW_WRONG_LE:
		return false;
	default:
		return true;
	}
}

/* The command with the key named.  JPKI_OK with *a the card's answer when
 * it took the form (a signature, or a PIN it wants first); JPKI_OK with
 * *refused set when it did not, and the key EF must be selected. */
static enum jpki_result
sign_named (struct jpki_card *card, enum jpki_key key, enum jpki_scheme scheme,
            const uint8_t *data, size_t len, struct answer *a, bool *refused)
{
	enum jpki_result r = compute_signature (card, scheme, named_key_p2 (key), data, len, a);

	/* A card may make the EF it was named current, as READ BINARY by
	 * short EF id does: the current EF is not known any more. */
	card->current_ef = NO_EF;
	*refused = false;
	if (r != JPKI_OK || !is_refusal (a->meaning))
		return r;
	/* With the application only assumed selected, the answer may be
	 * another application's: select it and ask again first.  Not 6A 86:
	 * that is this command's own answer about P1-P2, and asking again
	 * would cost an older card two APDUs in every process; trusted
	 * wrongly, it costs only the SELECT the card needed before. */
	if (a->meaning != SW_WRONG_PARAMETERS && jpki_selection_assumed (card))
		return JPKI_BAD_RESPONSE;
	LOG ("the card refused the key named in the command (P2 %02X: %04X): "
	     "SELECT of the key EF from now on", named_key_p2 (key), a->sw);
	*refused = true;
	return JPKI_OK;
}

static enum jpki_result
sign_once (struct jpki_card *card, enum jpki_key key, enum jpki_scheme scheme,
           const uint8_t *data, size_t data_len, uint8_t *sig, size_t sig_cap, size_t *sig_len)
{
	enum jpki_support named_before = card->named_key;
	bool named = named_before != JPKI_SUPPORT_NO, refused = false, named_6982 = false;
	struct answer a;
	enum jpki_result r;

	*sig_len = 0;
	if (!input_fits (scheme, data, data_len))
		return JPKI_BAD_INPUT;
	r = jpki_select_application (card);
	if (r == JPKI_OK && named)
		r = sign_named (card, key, scheme, data, data_len, &a, &refused);
	if (r != JPKI_OK)
		goto out;
	if (refused) {
		named = false;
		card->named_key = JPKI_SUPPORT_NO;
	}
	/* A card that does not know P2 97/9A may say 69 82 with our PIN
	 * verified: the key EF selected once to tell; 69 82 again is the PIN. */
	if (named && named_before != JPKI_SUPPORT_YES && a.meaning == SW_SECURITY_STATUS) {
		named = false;
		named_6982 = true;
	}
	if (!named) {
		r = jpki_select_ef (card, key_ef (key));
		if (r == JPKI_OK)
			r = compute_signature (card, scheme, P2_SELECTED_KEY, data, data_len, &a);
		if (r != JPKI_OK)
			goto out;
	}
	if (a.meaning == SW_WRONG_PARAMETERS && scheme == JPKI_SCHEME_PSS) {
		LOG ("the card refused PSS (P1 04: %04X): no PSS for as long as it stays in the "
		     "reader", a.sw);
		card->pss = JPKI_SUPPORT_NO;
		/* P1 explains the refusal of the named key too. */
		if (refused)
			card->named_key = named_before;
		r = JPKI_NOT_SUPPORTED;
		goto out;
	}
	if (a.meaning != SW_OK) {
		r = jpki_result_from_sw (&a);
		if (r == JPKI_OK)
			r = JPKI_BAD_RESPONSE;   /* 62 82: no warning is a signature */
		goto out;
	}
	if (a.data_len == 0 || a.data_len > sig_cap) {
		LOG ("signature of %zu bytes for a %zu-byte buffer", a.data_len, sig_cap);
		r = JPKI_BAD_RESPONSE;
		goto out;
	}
	memcpy (sig, card->resp, a.data_len);
	*sig_len = a.data_len;
	card->last_named = named;
	if (named_6982) {
		LOG ("the card said 6982 to the key named in the command and signed with the key "
		     "EF selected: SELECT of the key EF from now on");
		card->named_key = JPKI_SUPPORT_NO;
	}
out:
	return r;
}

enum jpki_result
jpki_sign (struct jpki_card *card, enum jpki_key key, enum jpki_scheme scheme,
           const uint8_t *data, size_t data_len,
           uint8_t *sig, size_t sig_cap, size_t *sig_len)
{
	enum jpki_result r = sign_once (card, key, scheme, data, data_len, sig, sig_cap, sig_len);

	if (r != JPKI_NOT_SUPPORTED && jpki_retry_with_selection (card, r))
		r = sign_once (card, key, scheme, data, data_len, sig, sig_cap, sig_len);
	return r;
}

/* A signature proves only once checked: a card may sign PSS with another
 * salt length, or ignore P2 and sign with the selected EF. */
bool
jpki_note_signature_checked (struct jpki_card *card, enum jpki_scheme scheme, bool verified)
{
	bool give_up_named = !verified && card->last_named && card->named_key != JPKI_SUPPORT_YES;

	if (verified) {
		if (card->last_named)
			card->named_key = JPKI_SUPPORT_YES;
		if (scheme == JPKI_SCHEME_PSS)
			card->pss = JPKI_SUPPORT_YES;
		return false;
	}
	if (scheme == JPKI_SCHEME_PSS && card->pss != JPKI_SUPPORT_NO) {
		LOG ("the card's PSS signature did not verify: no PSS for as long as it stays in "
		     "the reader");
		card->pss = JPKI_SUPPORT_NO;
	}
	if (give_up_named) {
		LOG ("the card's signature with the key named in the command did not verify: "
		     "SELECT of the key EF from now on");
		card->named_key = JPKI_SUPPORT_NO;
	}
	return give_up_named;
}

/* P1 04 got past P1 to the PIN: does an unknown P1 too? */
static enum jpki_result
ask_unknown_p1 (struct jpki_card *card)
{
	struct apdu apdu = { 0x80, 0x2A, 0xFF, named_key_p2 (JPKI_KEY_AUTH), NULL, 0, 0 };
	struct answer a;
	enum jpki_result r = jpki_exchange (card, &apdu, SHOW_ALL, &a);

	if (r != JPKI_OK)
		return r;
	if (a.meaning != SW_WRONG_PARAMETERS && jpki_selection_assumed (card))
		return JPKI_BAD_RESPONSE;   /* "untold" only from the JPKI application */
	if (a.meaning == SW_WRONG_PARAMETERS) {
		LOG ("the card may sign PSS (80 2A 04 97: 6982, 80 2A FF 97: %04X); the first "
		     "PSS signature tells", a.sw);
		card->pss = JPKI_SUPPORT_LIKELY;
	} else {
		LOG ("the card wants a PIN before it reads P1 (80 2A 04 97: 6982, 80 2A FF 97: "
		     "%04X): whether it signs PSS is not told", a.sw);
		card->pss = JPKI_SUPPORT_UNTOLD;
	}
	return JPKI_OK;
}

static enum jpki_result
ask_pss_once (struct jpki_card *card)
{
	struct apdu apdu = { 0x80, 0x2A, scheme_p1 (JPKI_SCHEME_PSS),
	                     named_key_p2 (JPKI_KEY_AUTH), NULL, 0, 0 };
	struct answer a;
	enum jpki_result r = jpki_select_application (card);

	if (r == JPKI_OK)
		r = jpki_exchange (card, &apdu, SHOW_ALL, &a);
	if (r != JPKI_OK)
		return r;
	/* PSS likely is settled by the first PSS signature, which is checked;
	 * an answer that takes PSS away must be the JPKI application's, not one
	 * from an application only assumed selected. */
	if (a.meaning != SW_WRONG_LENGTH && a.meaning != SW_SECURITY_STATUS &&
	    jpki_selection_assumed (card))
		return JPKI_BAD_RESPONSE;
	switch (a.meaning) {
	case SW_WRONG_PARAMETERS:
		LOG ("the card signs no PSS (80 2A 04 97: %04X); the key EF is selected for "
		     "every signature", a.sw);
		card->pss = JPKI_SUPPORT_NO;
		card->named_key = JPKI_SUPPORT_NO;
		return JPKI_OK;
	case SW_SECURITY_STATUS:   /* no PIN verified */
		return ask_unknown_p1 (card);
	case SW_WRONG_LENGTH:      /* a PIN verified: no data */
		LOG ("the card may sign PSS (80 2A 04 97: %04X); the first PSS signature tells",
		     a.sw);
		card->pss = JPKI_SUPPORT_LIKELY;
		return JPKI_OK;
	default:
		break;
	}
	LOG ("80 2A 04 97 answered %04X: taken as no PSS", a.sw);
	card->pss = JPKI_SUPPORT_NO;
	return JPKI_OK;
}

enum jpki_result
jpki_ask_pss (struct jpki_card *card)
{
	enum jpki_result r;

	if (card->pss != JPKI_SUPPORT_UNKNOWN)
		return JPKI_OK;
	r = ask_pss_once (card);
	if (jpki_retry_with_selection (card, r))
		r = ask_pss_once (card);
	return r;
}

enum jpki_support
jpki_pss_support (const struct jpki_card *card)
{
	return card->pss;
}
