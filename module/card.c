/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "card.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "mech.h"
#include "pin.h"
#include "rv.h"

struct token_state {
	bool present;
	bool pin_known;             /* pin_set and tries were read */
	bool pin_set;
	int tries;                  /* -1: unknown */
	bool logged_in;
	unsigned login_epoch;       /* counts logouts: private handles die with them */
	struct cert_info *cert;     /* the token's own certificate */
	struct cert_info *ca;
};

struct card {
	struct pcsc_card *conn;
	struct jpki_card *jpki;
	char model[33];
	char serial[17];
	struct token_state tok[2];
};

static const enum jpki_file cert_files[2][2] = {
	[JPKI_KEY_AUTH] = { JPKI_FILE_AUTH_CERT, JPKI_FILE_AUTH_CA_CERT },
	[JPKI_KEY_SIGN] = { JPKI_FILE_SIGN_CERT, JPKI_FILE_SIGN_CA_CERT },
};

static enum jpki_transport_result
card_transmit (void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len)
{
	switch (pcsc_transmit (ctx, cmd, cmd_len, resp, resp_len)) {
	case PCSC_OK: return JPKI_TRANSPORT_OK;
	case PCSC_CARD_RESET: return JPKI_TRANSPORT_RESET;
	case PCSC_CARD_REMOVED:
	case PCSC_NO_CARD:
	case PCSC_NO_READERS: return JPKI_TRANSPORT_REMOVED;
	default: return JPKI_TRANSPORT_FAILED;
	}
}

/* The card no longer has this token's PIN verified.  The signature
 * certificate is personal data: it goes with the login. */
static void
token_forget_login (struct card *card, enum jpki_key key)
{
	struct token_state *tok = &card->tok[key];

	if (tok->logged_in) {
		LOG ("token %d: logged out", key);
		tok->login_epoch++;
	}
	tok->logged_in = false;
	if (key == JPKI_KEY_SIGN) {
		cert_free (tok->cert);
		tok->cert = NULL;
	}
}

/* A reset or a select of the MF clears both PINs at once. */
static void
card_forget_logins (struct card *card)
{
	token_forget_login (card, JPKI_KEY_AUTH);
	token_forget_login (card, JPKI_KEY_SIGN);
}

static CK_RV
card_begin (struct card *card)
{
	enum pcsc_result r = pcsc_begin_transaction (card->conn);

	if (r == PCSC_CARD_RESET) {
		LOG ("card was reset by someone else");
		card_forget_logins (card);
		r = pcsc_reconnect (card->conn);
		if (r == PCSC_OK)
			r = pcsc_begin_transaction (card->conn);
	}
	if (r != PCSC_OK)
		return rv_from_pcsc (r);
	jpki_transaction_begin (card->jpki);
	return CKR_OK;
}

/* Ends the transaction; a card that was reset meanwhile lost our logins. */
static CK_RV
card_end (struct card *card, enum jpki_result r)
{
	pcsc_end_transaction (card->conn);
	if (r == JPKI_CARD_RESET)
		card_forget_logins (card);
	return rv_from_jpki (r);
}

static enum jpki_result
read_certificate_inlock (struct card *card, enum jpki_file file, struct cert_info **out)
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	enum jpki_result r = jpki_read_certificate (card->jpki, file, &der, &der_len);

	if (r != JPKI_OK)
		return r;
	*out = cert_parse (der, der_len);
	OPENSSL_cleanse (der, der_len);
	free (der);
	if (*out == NULL) {
		LOG ("certificate file %d is not an RSA X.509 certificate", (int) file);
		return JPKI_BAD_RESPONSE;
	}
	return JPKI_OK;
}

static void
read_pin_state_inlock (struct card *card, enum jpki_key key)
{
	struct token_state *tok = &card->tok[key];
	int tries = -1;
	enum jpki_result r = jpki_pin_tries (card->jpki, key, &tries);

	/* Anything else says nothing about the PIN: keep what we knew. */
	if (r != JPKI_OK && r != JPKI_PIN_BLOCKED && r != JPKI_NOT_FOUND) {
		LOG ("token %d: tries unknown (%s)", key, jpki_result_name (r));
		return;
	}
	tok->pin_known = true;
	tok->pin_set = r != JPKI_NOT_FOUND;
	tok->tries = r == JPKI_PIN_BLOCKED ? 0 : tries;
}

/* Another program may have spent tries since we last looked; a PIN that
 * is blocked or not set stays so while the card is in the reader. */
static CK_RV
refresh_pin_state (struct card *card, enum jpki_key key)
{
	struct token_state *tok = &card->tok[key];
	CK_RV rv;

	if (tok->logged_in || (tok->pin_known && (!tok->pin_set || tok->tries == 0)))
		return CKR_OK;
	rv = card_begin (card);
	if (rv != CKR_OK)
		return rv;
	read_pin_state_inlock (card, key);
	return card_end (card, JPKI_OK);
}

/* The serial names the card without personal data: a hash of the
 * authentication certificate, which anyone may read anyway. */
static void
derive_serial (struct card *card)
{
	const struct cert_info *cert = card->tok[JPKI_KEY_AUTH].cert;
	uint8_t md[8];

	strcpy (card->serial, "0000000000000000");
	if (cert == NULL || !cert_fingerprint (cert, "SHA256", md, sizeof md))
		return;
	for (int i = 0; i < 8; i++)
		snprintf (card->serial + 2 * i, 3, "%02X", md[i]);
}

static enum jpki_result
bind_inlock (struct card *card)
{
	struct token_state *auth = &card->tok[JPKI_KEY_AUTH];
	struct token_state *sign = &card->tok[JPKI_KEY_SIGN];
	enum jpki_result r;
	bool has_sign = false;

	r = jpki_select_application (card->jpki);
	if (r != JPKI_OK)
		return r;
	r = jpki_read_token_info (card->jpki, card->model, sizeof card->model);
	if (r != JPKI_OK && r != JPKI_NOT_FOUND)
		return r;
	r = read_certificate_inlock (card, JPKI_FILE_AUTH_CERT, &auth->cert);
	if (r != JPKI_OK && r != JPKI_NOT_FOUND)
		return r;
	auth->present = r == JPKI_OK;
	r = jpki_read_certificate_presence (card->jpki, &has_sign);
	if (r != JPKI_OK && r != JPKI_NOT_FOUND)
		return r;
	/* EF 0008 is not on every card: then the signature PIN tells. */
	if (r == JPKI_NOT_FOUND)
		read_pin_state_inlock (card, JPKI_KEY_SIGN);
	sign->present = r == JPKI_OK ? has_sign : sign->pin_set;
	derive_serial (card);
	return JPKI_OK;
}

CK_RV
card_bind (struct pcsc_card *conn, struct card **out)
{
	struct card *card = calloc (1, sizeof *card);
	struct jpki_transport transport = { card_transmit, conn };
	CK_RV rv;

	*out = NULL;
	if (card == NULL) {
		pcsc_disconnect (conn, false);
		return CKR_HOST_MEMORY;
	}
	card->conn = conn;
	card->jpki = jpki_card_new (&transport);
	if (card->jpki == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = card_begin (card);
	if (rv != CKR_OK)
		goto out;
	enum jpki_result r = bind_inlock (card);
	rv = card_end (card, r);
	if (r == JPKI_NOT_JPKI) {
		LOG ("not a JPKI card");
		rv = CKR_OK;
		goto out;
	}
	if (rv != CKR_OK)
		goto out;
	LOG ("bound JPKI card %s (%s): auth token %d, sign token %d", card->serial, card->model,
	     card->tok[0].present, card->tok[1].present);
	*out = card;
	card = NULL;
out:
	card_free (card);
	return rv;
}

void
card_free (struct card *card)
{
	if (card == NULL)
		return;
	if (card->tok[0].logged_in || card->tok[1].logged_in)
		card_logout (card);
	for (int k = 0; k < 2; k++) {
		cert_free (card->tok[k].cert);
		cert_free (card->tok[k].ca);
	}
	jpki_card_free (card->jpki);
	pcsc_disconnect (card->conn, false);
	free (card);
}

bool
card_has_token (const struct card *card, enum jpki_key key)
{
	return card->tok[key].present;
}

const char *
card_model (const struct card *card)
{
	return card->model;
}

const char *
card_serial (const struct card *card)
{
	return card->serial;
}

CK_RV
card_pin_state (struct card *card, enum jpki_key key, bool *pin_set, int *tries)
{
	CK_RV rv = refresh_pin_state (card, key);

	*pin_set = card->tok[key].pin_set;
	*tries = card->tok[key].tries;
	return rv;
}

unsigned
card_login_epoch (const struct card *card, enum jpki_key key)
{
	return card->tok[key].login_epoch;
}

bool
card_logged_in (const struct card *card, enum jpki_key key)
{
	return card->tok[key].logged_in;
}

/* After VERIFY: the card's answer is the news about the try counter. */
static CK_RV
note_verify_result (struct token_state *tok, enum jpki_key key, enum jpki_result r, int tries)
{
	if (r == JPKI_OK)
		tok->tries = pin_max_tries (key);
	else if (r == JPKI_PIN_INCORRECT)
		tok->tries = tries;
	else if (r == JPKI_PIN_BLOCKED)
		tok->tries = 0;
	if (r == JPKI_NOT_FOUND)
		return CKR_USER_PIN_NOT_INITIALIZED;
	return rv_from_jpki (r);
}

/* Refuses what must not reach the card: no PIN, a blocked one, or a PIN
 * of the wrong shape (which would cost a try). */
static CK_RV
check_pin (struct card *card, enum jpki_key key, const uint8_t *pin, size_t pin_len,
           uint8_t out[PIN_MAX_LEN], size_t *out_len)
{
	const struct token_state *tok = &card->tok[key];
	enum pin_shape shape;
	CK_RV rv = tok->pin_known ? CKR_OK : refresh_pin_state (card, key);

	if (rv != CKR_OK)
		return rv;
	if (!tok->pin_set)
		return CKR_USER_PIN_NOT_INITIALIZED;
	if (tok->tries == 0)
		return CKR_PIN_LOCKED;
	shape = pin_prepare (key, pin, pin_len, false, out, out_len);
	if (shape != PIN_SHAPE_OK) {
		LOG ("PIN refused without asking the card: %s", pin_shape_reason (shape));
		return CKR_PIN_INCORRECT;
	}
	return CKR_OK;
}

CK_RV
card_login (struct card *card, enum jpki_key key, const uint8_t *pin, size_t pin_len)
{
	struct token_state *tok = &card->tok[key];
	uint8_t folded[PIN_MAX_LEN];
	size_t folded_len = 0;
	enum jpki_result r;
	int tries = -1;
	CK_RV rv;

	rv = check_pin (card, key, pin, pin_len, folded, &folded_len);
	if (rv == CKR_OK)
		rv = card_begin (card);
	if (rv != CKR_OK)
		goto out;
	r = jpki_verify_pin (card->jpki, key, folded, folded_len, &tries);
	if (r == JPKI_OK) {
		tok->logged_in = true;
		/* The signature certificate is readable only now. */
		if (key == JPKI_KEY_SIGN && tok->cert == NULL &&
		    read_certificate_inlock (card, cert_files[key][CARD_CERT_USER], &tok->cert) != JPKI_OK)
			LOG ("signature certificate unreadable after login");
	}
	card_end (card, r);
	rv = note_verify_result (tok, key, r, tries);
	LOG ("login token %d: rv 0x%lx, tries %d", key, rv, tok->tries);
out:
	pin_wipe (folded, sizeof folded);
	return rv;
}

CK_RV
card_logout (struct card *card)
{
	enum jpki_result r = JPKI_OK;
	CK_RV rv = card_begin (card);

	if (rv == CKR_OK) {
		r = jpki_clear_security_state (card->jpki);
		rv = card_end (card, r);
	}
	if (rv != CKR_OK)
		LOG ("could not clear the card's security state: 0x%lx", rv);
	card_forget_logins (card);
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
card_set_pin (struct card *card, enum jpki_key key, const uint8_t *old_pin, size_t old_len,
              const uint8_t *new_pin, size_t new_len)
{
	struct token_state *tok = &card->tok[key];
	uint8_t old_folded[PIN_MAX_LEN], new_folded[PIN_MAX_LEN];
	size_t old_folded_len = 0, new_folded_len = 0;
	enum jpki_result r;
	int tries = -1;
	CK_RV rv;

	rv = check_pin (card, key, old_pin, old_len, old_folded, &old_folded_len);
	if (rv == CKR_OK)
		rv = check_new_pin (key, new_pin, new_len, new_folded, &new_folded_len);
	if (rv == CKR_OK)
		rv = card_begin (card);
	if (rv != CKR_OK)
		goto out;
	r = jpki_change_pin (card->jpki, key, old_folded, old_folded_len, new_folded,
	                     new_folded_len, &tries);
	/* The old PIN may be verified now, even when the change failed: leave
	 * no login we did not ask for, though it ends the other token's too. */
	if (!tok->logged_in && r != JPKI_CARD_REMOVED) {
		jpki_clear_security_state (card->jpki);
		card_forget_logins (card);
	}
	/* A wrong old PIN made the card drop its verified state. */
	if (r == JPKI_PIN_INCORRECT || r == JPKI_PIN_BLOCKED)
		token_forget_login (card, key);
	card_end (card, r);
	rv = note_verify_result (tok, key, r, tries);
	LOG ("set PIN token %d: rv 0x%lx", key, rv);
out:
	pin_wipe (old_folded, sizeof old_folded);
	pin_wipe (new_folded, sizeof new_folded);
	return rv;
}

CK_RV
card_certificate (struct card *card, enum jpki_key key, enum card_cert which,
                  const struct cert_info **out)
{
	struct token_state *tok = &card->tok[key];
	struct cert_info **slot = which == CARD_CERT_USER ? &tok->cert : &tok->ca;
	enum jpki_result r;
	CK_RV rv;

	if (*slot == NULL) {
		if (key == JPKI_KEY_SIGN && which == CARD_CERT_USER && !tok->logged_in)
			return CKR_USER_NOT_LOGGED_IN;
		rv = card_begin (card);
		if (rv != CKR_OK)
			return rv;
		r = read_certificate_inlock (card, cert_files[key][which], slot);
		rv = card_end (card, r);
		if (r == JPKI_NOT_FOUND)
			rv = CKR_OBJECT_HANDLE_INVALID;
		if (rv != CKR_OK)
			return rv;
	}
	*out = *slot;
	return CKR_OK;
}

CK_RV
card_sign (struct card *card, enum jpki_key key, const uint8_t *card_input, size_t input_len,
           uint8_t *sig, size_t *sig_len)
{
	const struct cert_info *cert = NULL;
	enum jpki_result r;
	CK_RV rv;

	if (!card->tok[key].logged_in)
		return CKR_USER_NOT_LOGGED_IN;
	rv = card_certificate (card, key, CARD_CERT_USER, &cert);
	if (rv != CKR_OK)
		return rv == CKR_OBJECT_HANDLE_INVALID ? CKR_DEVICE_ERROR : rv;
	rv = card_begin (card);
	if (rv != CKR_OK)
		return rv;
	r = jpki_sign (card->jpki, key, card_input, input_len, sig, JPKI_RSA_BYTES, sig_len);
	rv = card_end (card, r);
	if (r == JPKI_SECURITY_STATUS) {
		LOG ("the card no longer has our PIN verified");
		card_forget_logins (card);
	}
	if (rv != CKR_OK)
		return rv;
	if (!signature_matches (cert->public_key, card_input, input_len, sig, *sig_len)) {
		LOG ("the card's signature (%zu bytes) does not verify: withheld", *sig_len);
		OPENSSL_cleanse (sig, JPKI_RSA_BYTES);
		return CKR_DEVICE_ERROR;
	}
	return CKR_OK;
}
