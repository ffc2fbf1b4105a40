/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Binding a card, its transactions and its cache of certificates. */
#include "card-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "libctx.h"
#include "log.h"
#include "pcsc-transport.h"
#include "rv.h"

const enum jpki_file card_cert_files[2][2] = {
	[JPKI_KEY_AUTH] = { JPKI_FILE_AUTH_CERT, JPKI_FILE_AUTH_CA_CERT },
	[JPKI_KEY_SIGN] = { JPKI_FILE_SIGN_CERT, JPKI_FILE_SIGN_CA_CERT },
};

/* What the reader learnt about extended APDUs serves the next card. */
static void
remember_short_reads (struct card *card)
{
	if (jpki_short_reads_only (card->jpki))
		card->reader->short_reads_only = true;
}

CK_RV
card_begin (struct card *card)
{
	enum pcsc_result r = pcsc_begin_transaction (card->conn);

	if (r == PCSC_CARD_RESET) {
		LOG ("card was reset by someone else");
		card_forget_logins (card);
		jpki_forget_selection (card->jpki);
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
CK_RV
card_end (struct card *card, enum jpki_result r)
{
	jpki_transaction_end (card->jpki);
	pcsc_end_transaction (card->conn);
	remember_short_reads (card);
	if (r == JPKI_CARD_RESET)
		card_forget_logins (card);
	return rv_from_jpki (r);
}

enum jpki_result
card_read_certificate_in_transaction (struct card *card, enum jpki_file file, struct cert_info **out)
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	enum jpki_result r = jpki_read_certificate (card->jpki, file, &der, &der_len);

	if (r != JPKI_OK)
		return r;
	*out = cert_parse (der, der_len);
	OPENSSL_cleanse (der, der_len);
	free (der);
	if (*out != NULL)
		return JPKI_OK;
	LOG ("certificate file %d is not an RSA X.509 certificate", (int) file);
	/* Perhaps another DF's file: only a fresh selection can tell. */
	if (jpki_selection_assumed (card->jpki)) {
		jpki_forget_selection (card->jpki);
		return card_read_certificate_in_transaction (card, file, out);
	}
	return JPKI_BAD_RESPONSE;
}

static const char *const token_name[2] = { "authentication", "signature" };
static const char *const cert_file_name[2][2] = {
	[JPKI_KEY_AUTH] = { "authentication certificate (EF 000A)", "authentication CA certificate (EF 000B)" },
	[JPKI_KEY_SIGN] = { "signature certificate (EF 0001)", "signature CA certificate (EF 0002)" },
};

/* A malformed answer from one file is the file's fault, not the card's:
 * everything else the card holds stays usable. */
static void
note_broken_file (struct card *card, enum jpki_key key, const char *file, enum jpki_result r)
{
	LOG ("card damaged: %s unusable (%s); the %s token goes on without it", file,
	     jpki_result_name (r), token_name[key]);
	card->tok[key].damaged = true;
}

enum jpki_result
card_load_certificate_in_transaction (struct card *card, enum jpki_key key, enum card_cert which)
{
	struct token_state *tok = &card->tok[key];
	struct cert_info **slot = which == CARD_CERT_USER ? &tok->cert : &tok->ca;
	enum jpki_result r;

	if (*slot != NULL)
		return JPKI_OK;
	if (tok->cert_broken[which])
		return JPKI_BAD_RESPONSE;
	r = card_read_certificate_in_transaction (card, card_cert_files[key][which], slot);
	if (r == JPKI_BAD_RESPONSE) {
		tok->cert_broken[which] = true;
		note_broken_file (card, key, cert_file_name[key][which], r);
	}
	return r;
}

/* The serial names the card without personal data: a hash of the
 * authentication certificate, which a card gives to anyone.  A phone
 * gives it only after the PIN (and a damaged card may not at all): then
 * a hash of the reader's name and its insertion count, the same while
 * the phone stays on the reader and new when it is put back. */
static void
derive_serial (struct card *card)
{
	const struct cert_info *cert = card->tok[JPKI_KEY_AUTH].cert;
	uint8_t md[8];
	char place[300];
	bool ok;

	if (cert != NULL) {
		ok = cert_fingerprint (cert, "SHA256", md, sizeof md);
	} else {
		snprintf (place, sizeof place, "%s\n%u", card->reader->name,
		          (unsigned) card->reader->events);
		ok = module_digest ("SHA256", (const uint8_t *) place, strlen (place), md, sizeof md);
	}
	strcpy (card->serial, "0000000000000000");
	if (!ok)
		return;
	for (int i = 0; i < 8; i++)
		snprintf (card->serial + 2 * i, 3, "%02X", md[i]);
}

static enum jpki_result
bind_auth_certificate (struct card *card)
{
	struct token_state *auth = &card->tok[JPKI_KEY_AUTH];
	enum jpki_result r = card_load_certificate_in_transaction (card, JPKI_KEY_AUTH, CARD_CERT_USER);

	switch (r) {
	case JPKI_OK:
	case JPKI_BAD_RESPONSE:
		auth->present = true;
		return JPKI_OK;
	case JPKI_SECURITY_STATUS:   /* a phone: after the PIN */
		auth->present = true;
		auth->cert_needs_login = true;
		return JPKI_OK;
	case JPKI_NOT_FOUND:
		return JPKI_OK;
	default:
		return r;
	}
}

static enum jpki_result
bind_in_transaction (struct card *card)
{
	struct token_state *sign = &card->tok[JPKI_KEY_SIGN];
	enum jpki_result r;
	bool has_sign = false;

	r = jpki_select_application (card->jpki);
	if (r != JPKI_OK)
		return r;
	r = jpki_read_token_info (card->jpki, card->model, sizeof card->model);
	if (r == JPKI_BAD_RESPONSE) {
		note_broken_file (card, JPKI_KEY_AUTH, "token information (EF 0006)", r);
		card->tok[JPKI_KEY_SIGN].damaged = true;
	} else if (r != JPKI_OK && r != JPKI_NOT_FOUND) {
		return r;
	}
	r = bind_auth_certificate (card);
	if (r != JPKI_OK)
		return r;
	r = jpki_read_certificate_presence (card->jpki, &has_sign);
	if (r == JPKI_BAD_RESPONSE)
		note_broken_file (card, JPKI_KEY_SIGN, "certificate presence (EF 0008)", r);
	else if (r != JPKI_OK && r != JPKI_NOT_FOUND)
		return r;
	/* EF 0008 is not on every card: then the signature PIN tells. */
	if (r != JPKI_OK)
		card_read_pin_state_in_transaction (card, JPKI_KEY_SIGN);
	sign->present = r == JPKI_OK ? has_sign : sign->pin_set;
	sign->cert_needs_login = true;
	derive_serial (card);
	return JPKI_OK;
}

CK_RV
card_bind (struct pcsc_card *conn, struct card_reader *reader, struct card **out)
{
	struct card *card = calloc (1, sizeof *card);
	struct jpki_transport transport = pcsc_jpki_transport (conn);
	CK_RV rv;

	*out = NULL;
	if (card == NULL) {
		pcsc_disconnect (conn);
		return CKR_HOST_MEMORY;
	}
	card->conn = conn;
	card->reader = reader;
	card->jpki = jpki_card_new (&transport);
	if (card->jpki == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (reader->short_reads_only)
		jpki_use_short_reads (card->jpki);
	rv = card_begin (card);
	if (rv != CKR_OK)
		goto out;
	enum jpki_result r = bind_in_transaction (card);
	rv = card_end (card, r);
	if (r == JPKI_NOT_JPKI) {
		LOG ("not a JPKI card");
		rv = CKR_OK;
		goto out;
	}
	if (rv != CKR_OK)
		goto out;
	LOG ("bound JPKI card %s (%s): auth token %d%s, sign token %d", card->serial, card->model,
	     card->tok[0].present, card->tok[0].cert_needs_login ? " (certificate after login)" : "",
	     card->tok[1].present);
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
	pcsc_disconnect (card->conn);
	free (card);
}

bool
card_has_token (const struct card *card, enum jpki_key key)
{
	return card->tok[key].present;
}

bool
card_token_damaged (const struct card *card, enum jpki_key key)
{
	return card->tok[key].damaged;
}

bool
card_cert_needs_login (const struct card *card, enum jpki_key key)
{
	return card->tok[key].cert_needs_login;
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
card_certificate (struct card *card, enum jpki_key key, enum card_cert which,
                  const struct cert_info **out)
{
	struct token_state *tok = &card->tok[key];
	struct cert_info **slot = which == CARD_CERT_USER ? &tok->cert : &tok->ca;
	enum jpki_result r;
	CK_RV rv;

	if (*slot == NULL) {
		if (which == CARD_CERT_USER && tok->cert_needs_login && !tok->logged_in)
			return CKR_USER_NOT_LOGGED_IN;
		/* Its objects are gone, not the token. */
		if (tok->cert_broken[which])
			return CKR_OBJECT_HANDLE_INVALID;
		rv = card_begin (card);
		if (rv != CKR_OK)
			return rv;
		r = card_load_certificate_in_transaction (card, key, which);
		card_end (card, r);
		if (r == JPKI_BAD_RESPONSE)
			return CKR_OBJECT_HANDLE_INVALID;
		rv = rv_from_jpki_asked (RV_ASKED_OBJECT, r);
		if (rv != CKR_OK)
			return rv;
	}
	*out = *slot;
	return CKR_OK;
}
