/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Login state of a card's two tokens: PIN tries, login, logout, PIN
 * change. */
#include "card-private.h"

#include "log.h"
#include "pin.h"
#include "rv.h"
#include "util.h"

/* The card no longer has this token's PIN verified.  A certificate the
 * card gives only after the PIN (the signature one is personal data)
 * goes with the login. */
void
card_forget_login_cardlocked (struct card *card, enum jpki_key key)
{
	struct token_state *tok = &card->tok[key];

	if (tok->logged_in) {
		LOG ("token %d: logged out", key);
		tok->login_epoch++;
	}
	tok->logged_in = false;
	if (tok->cert_needs_login) {
		cert_free (tok->cert);
		tok->cert = NULL;
	}
}

/* A reset or a select of the MF clears both PINs at once. */
void
card_forget_logins_cardlocked (struct card *card)
{
	card_forget_login_cardlocked (card, JPKI_KEY_AUTH);
	card_forget_login_cardlocked (card, JPKI_KEY_SIGN);
}

/* From an empty VERIFY, the VERIFY of a login, or the probe. */
void
card_note_pin_state_cardlocked (struct card *card, enum jpki_key key, struct jpki_pin_state pin)
{
	card->tok[key].pin = pin;
	card->tok[key].pin_read_at = monotonic_ms ();
}

/* Inside a transaction.  An answer that says nothing about the PIN
 * leaves what we knew. */
static void
read_pin_state_cardlocked (struct card *card, enum jpki_key key)
{
	struct jpki_pin_state pin = jpki_read_pin_state (card->conn.jpki, key);

	if (pin.known)
		card_note_pin_state_cardlocked (card, key, pin);
}

/* Another program may spend tries between our calls, so the tries are
 * read again for a call that shows them, but once per burst: an answer
 * younger than PIN_STATE_FRESH_MS serves (pkcs11-tool, NSS and Firefox ask
 * for token information several times in a row).  A PIN that is blocked
 * or not set stays so while the card is in the reader. */
#define PIN_STATE_FRESH_MS 2000

static bool
pin_state_wanted_cardlocked (const struct token_state *tok)
{
	if (!tok->present || tok->logged_in)
		return false;
	if (tok->pin.known && (!tok->pin.set || tok->pin.tries == 0))
		return false;
	return !tok->pin.known || monotonic_ms () - tok->pin_read_at >= PIN_STATE_FRESH_MS;
}

CK_RV
card_pin_state_cardlocked (struct card *card, enum jpki_key key, bool both, bool *pin_set,
                           int *tries)
{
	enum jpki_key other = key == JPKI_KEY_AUTH ? JPKI_KEY_SIGN : JPKI_KEY_AUTH;
	CK_RV rv = CKR_OK;

	/* The other token's tries too, in the same transaction: an
	 * application that shows one token's information shows the other's. */
	if (pin_state_wanted_cardlocked (&card->tok[key])) {
		rv = card_begin_cardlocked (card);
		if (rv == CKR_OK) {
			read_pin_state_cardlocked (card, key);
			if (both && pin_state_wanted_cardlocked (&card->tok[other]))
				read_pin_state_cardlocked (card, other);
			rv = card_end_cardlocked (card, RV_ASKED_COMMAND, JPKI_OK);
		}
	}
	*pin_set = card->tok[key].pin.set;
	*tries = card->tok[key].pin.tries;
	return rv;
}

unsigned
card_login_epoch_cardlocked (const struct card *card, enum jpki_key key)
{
	return card->tok[key].login_epoch;
}

bool
card_logged_in_cardlocked (const struct card *card, enum jpki_key key)
{
	return card->tok[key].logged_in;
}

/* After VERIFY: the card's answer is the news about the try counter
 * (no PIN EF: not set; 69 83: blocked; 63 Cx: x left; 90 00: all). */
static void
note_verify_result_cardlocked (struct card *card, enum jpki_key key, enum jpki_result r, int tries)
{
	struct jpki_pin_state pin = jpki_pin_state_of (r, r == JPKI_OK ? pin_max_tries (key) : tries);

	if (pin.known)
		card_note_pin_state_cardlocked (card, key, pin);
}

/* Refuses what must not reach the card: a PIN known to be absent or
 * blocked, or a PIN of the wrong shape (which would cost a try).  The
 * tries are not read first: VERIFY itself says "no PIN" or "blocked"
 * without spending one. */
static CK_RV
check_pin_cardlocked (struct card *card, enum jpki_key key, const uint8_t *pin, size_t pin_len,
           uint8_t out[PIN_MAX_LEN], size_t *out_len)
{
	const struct token_state *tok = &card->tok[key];
	enum pin_shape shape;

	if (tok->pin.known && !tok->pin.set)
		return CKR_USER_PIN_NOT_INITIALIZED;
	if (tok->pin.known && tok->pin.tries == 0)
		return CKR_PIN_LOCKED;
	shape = pin_prepare (key, pin, pin_len, false, out, out_len);
	if (shape != PIN_SHAPE_OK) {
		LOG ("PIN refused without asking the card: %s", pin_shape_reason (shape));
		return CKR_PIN_INCORRECT;
	}
	return CKR_OK;
}

CK_RV
card_login_cardlocked (struct card *card, enum jpki_key key, const uint8_t *pin, size_t pin_len)
{
	struct token_state *tok = &card->tok[key];
	uint8_t folded[PIN_MAX_LEN];
	size_t folded_len = 0;
	enum jpki_result r;
	int tries = -1;
	CK_RV rv;

	rv = check_pin_cardlocked (card, key, pin, pin_len, folded, &folded_len);
	if (rv == CKR_OK)
		rv = card_begin_cardlocked (card);
	if (rv != CKR_OK)
		goto out;
	r = jpki_verify_pin (card->conn.jpki, key, folded, folded_len, &tries);
	if (r == JPKI_OK) {
		tok->logged_in = true;
		/* Readable only now; a broken one leaves the login standing. */
		if (tok->cert_needs_login &&
		    card_load_certificate_cardlocked (card, key, CARD_CERT_USER) != JPKI_OK)
			LOG ("token %d: certificate unreadable after login", key);
	}
	rv = card_end_cardlocked (card, RV_ASKED_PIN, r);
	note_verify_result_cardlocked (card, key, r, tries);
	LOG ("login token %d: rv 0x%lx, tries %d", key, rv, tok->pin.tries);
out:
	pin_wipe (folded, sizeof folded);
	return rv;
}

CK_RV
card_logout_cardlocked (struct card *card)
{
	enum jpki_result r = JPKI_OK;
	CK_RV rv = card_begin_cardlocked (card);

	if (rv == CKR_OK) {
		r = jpki_clear_security_state (card->conn.jpki);
		rv = card_end_cardlocked (card, RV_ASKED_COMMAND, r);
	}
	if (rv != CKR_OK)
		LOG ("could not clear the card's security state: 0x%lx", rv);
	card_forget_logins_cardlocked (card);
	return rv;
}

static CK_RV
check_new_pin (enum jpki_key key, const uint8_t *pin, size_t pin_len, uint8_t out[PIN_MAX_LEN],
               size_t *out_len)
{
	enum pin_shape shape = pin_prepare (key, pin, pin_len, true, out, out_len);

	if (shape == PIN_SHAPE_OK)
		return CKR_OK;
	LOG ("new PIN refused: %s", pin_shape_reason (shape));
	if (shape == PIN_SHAPE_TOO_SHORT || shape == PIN_SHAPE_TOO_LONG)
		return CKR_PIN_LEN_RANGE;
	return CKR_PIN_INVALID;
}

CK_RV
card_set_pin_cardlocked (struct card *card, enum jpki_key key, const uint8_t *old_pin,
                         size_t old_len, const uint8_t *new_pin, size_t new_len)
{
	struct token_state *tok = &card->tok[key];
	uint8_t old_folded[PIN_MAX_LEN], new_folded[PIN_MAX_LEN];
	size_t old_folded_len = 0, new_folded_len = 0;
	enum jpki_result r;
	int tries = -1;
	CK_RV rv;

	rv = check_pin_cardlocked (card, key, old_pin, old_len, old_folded, &old_folded_len);
	if (rv == CKR_OK)
		rv = check_new_pin (key, new_pin, new_len, new_folded, &new_folded_len);
	if (rv == CKR_OK)
		rv = card_begin_cardlocked (card);
	if (rv != CKR_OK)
		goto out;
	r = jpki_change_pin (card->conn.jpki, key, old_folded, old_folded_len, new_folded,
	                     new_folded_len, &tries);
	/* The old PIN may be verified now, even when the change failed: leave
	 * no login we did not ask for, though it ends the other token's too. */
	if (!tok->logged_in && r != JPKI_CARD_REMOVED) {
		jpki_clear_security_state (card->conn.jpki);
		card_forget_logins_cardlocked (card);
	}
	/* A wrong old PIN made the card drop its verified state. */
	if (r == JPKI_PIN_INCORRECT || r == JPKI_PIN_BLOCKED)
		card_forget_login_cardlocked (card, key);
	rv = card_end_cardlocked (card, RV_ASKED_PIN, r);
	note_verify_result_cardlocked (card, key, r, tries);
	LOG ("set PIN token %d: rv 0x%lx", key, rv);
out:
	pin_wipe (old_folded, sizeof old_folded);
	pin_wipe (new_folded, sizeof new_folded);
	return rv;
}
