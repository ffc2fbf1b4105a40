/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Binding a card, its transactions and its cache of certificates. */
#include "card-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libctx.h"
#include "log.h"

/* The certificate EFs of each token: [key][enum card_cert]. */
static const enum jpki_file cert_files[2][2] = {
	[JPKI_KEY_AUTH] = { JPKI_FILE_AUTH_CERT, JPKI_FILE_AUTH_CA_CERT },
	[JPKI_KEY_SIGN] = { JPKI_FILE_SIGN_CERT, JPKI_FILE_SIGN_CA_CERT },
};

/* What the reader learnt about extended APDUs serves the next card. */
static void
remember_short_reads_cardlocked (struct card *card)
{
	if (jpki_short_reads_only (card->conn.jpki))
		card->reader->short_reads_only = true;
}

CK_RV
card_begin_cardlocked (struct card *card)
{
	bool reset = false;
	enum pcsc_result r = jpki_conn_begin (&card->conn, &reset);

	if (reset)
		card_forget_logins_cardlocked (card);
	return rv_from_pcsc (r);
}

/* A card that was reset meanwhile lost our logins. */
CK_RV
card_end_cardlocked (struct card *card, enum rv_asked asked, enum jpki_result r)
{
	jpki_conn_end (&card->conn);
	remember_short_reads_cardlocked (card);
	if (r == JPKI_CARD_RESET)
		card_forget_logins_cardlocked (card);
	return rv_from_jpki_asked (asked, r);
}

/* The module's form of a certificate the card gave (jpki_cert_taker). */
static bool
take_certificate (void *ctx, const uint8_t *der, size_t der_len)
{
	struct cert_info **out = ctx;

	*out = cert_parse (der, der_len);
	return *out != NULL;
}

enum jpki_result
card_load_certificate_cardlocked (struct card *card, enum jpki_key key, enum card_cert which)
{
	struct token_state *tok = &card->tok[key];
	struct cert_info **slot = which == CARD_CERT_USER ? &tok->cert : &tok->ca;
	enum jpki_file file = cert_files[key][which];
	enum jpki_result r;

	if (*slot != NULL)
		return JPKI_OK;
	if (tok->cert_broken[which])
		return JPKI_BAD_RESPONSE;
	r = jpki_read_certificate_into (card->conn.jpki, file, take_certificate, slot);
	/* A malformed answer from one file is the file's fault, not the
	 * card's: everything else the card holds stays usable. */
	if (r == JPKI_BAD_RESPONSE) {
		tok->cert_broken[which] = true;
		tok->damaged = true;
		jpki_log_broken_file (key, jpki_file_name (file), r);
	}
	return r;
}

/* The serial names the card without personal data: a hash of the
 * authentication certificate, which a card gives to anyone.  A phone
 * gives it only after the PIN (and a damaged card may not at all): then
 * a hash of the reader's name and its insertion count, the same while
 * the phone stays on the reader and new when it is put back. */
static void
derive_serial_cardlocked (struct card *card)
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

/* What the probe found (jpki-probe.h), the authentication certificate
 * already in place. */
static enum jpki_result
bind_in_transaction_cardlocked (struct card *card)
{
	struct jpki_facts facts;
	enum jpki_result r = jpki_probe (card->conn.jpki, take_certificate,
	                                 &card->tok[JPKI_KEY_AUTH].cert, &facts);

	if (r != JPKI_OK)
		return r;
	memcpy (card->model, facts.model, sizeof card->model);
	for (enum jpki_key key = JPKI_KEY_AUTH; key <= JPKI_KEY_SIGN; key++) {
		struct token_state *tok = &card->tok[key];

		tok->present = facts.tok[key].present;
		tok->cert_needs_login = facts.tok[key].cert_needs_pin;
		tok->cert_broken[CARD_CERT_USER] = facts.tok[key].cert_broken;
		tok->damaged = facts.tok[key].damaged;
		if (facts.tok[key].pin.known)
			card_note_pin_state_cardlocked (card, key, facts.tok[key].pin);
	}
	derive_serial_cardlocked (card);
	LOG ("bound JPKI %s %s (%s): auth token %d%s, sign token %d",
	     facts.phone ? "smartphone" : "card", card->serial, card->model, card->tok[0].present,
	     card->tok[0].cert_needs_login ? " (certificate after login)" : "", card->tok[1].present);
	return JPKI_OK;
}

CK_RV
card_bind_cardlocked (struct pcsc_card *conn, struct card_reader *reader, struct card **out)
{
	struct card *card = calloc (1, sizeof *card);
	enum jpki_result r;
	CK_RV rv;

	*out = NULL;
	if (card == NULL) {
		pcsc_disconnect (conn);
		return CKR_HOST_MEMORY;
	}
	card->reader = reader;
	rv = rv_from_pcsc (jpki_conn_open (&card->conn, conn));
	if (rv != CKR_OK)
		goto out;
	if (reader->short_reads_only)
		jpki_use_short_reads (card->conn.jpki);
	rv = card_begin_cardlocked (card);
	if (rv != CKR_OK)
		goto out;
	r = bind_in_transaction_cardlocked (card);
	rv = card_end_cardlocked (card, RV_ASKED_BIND, r);
	if (r == JPKI_NOT_JPKI)
		LOG ("not a JPKI card");
	if (rv != CKR_OK || r != JPKI_OK)
		goto out;
	*out = card;
	card = NULL;
out:
	card_free_cardlocked (card);
	return rv;
}

void
card_free_cardlocked (struct card *card)
{
	if (card == NULL)
		return;
	if (card->tok[0].logged_in || card->tok[1].logged_in)
		card_logout_cardlocked (card);
	for (int k = 0; k < 2; k++) {
		cert_free (card->tok[k].cert);
		cert_free (card->tok[k].ca);
	}
	jpki_conn_close (&card->conn);
	free (card);
}

bool
card_has_token (const struct card *card, enum jpki_key key)
{
	return card->tok[key].present;
}

bool
card_token_damaged_cardlocked (const struct card *card, enum jpki_key key)
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
card_certificate_cardlocked (struct card *card, enum jpki_key key, enum card_cert which,
                             enum rv_asked asked, const struct cert_info **out)
{
	struct token_state *tok = &card->tok[key];
	struct cert_info **slot = which == CARD_CERT_USER ? &tok->cert : &tok->ca;
	enum jpki_result r;
	CK_RV rv;

	if (*slot == NULL) {
		/* What the card would answer: after the PIN, or not at all. */
		if (which == CARD_CERT_USER && tok->cert_needs_login && !tok->logged_in)
			return rv_from_jpki_asked (asked, JPKI_SECURITY_STATUS);
		if (tok->cert_broken[which])
			return rv_from_jpki_asked (asked, JPKI_BAD_RESPONSE);
		rv = card_begin_cardlocked (card);
		if (rv != CKR_OK)
			return rv;
		r = card_load_certificate_cardlocked (card, key, which);
		rv = card_end_cardlocked (card, asked, r);
		if (rv != CKR_OK)
			return rv;
	}
	*out = *slot;
	return CKR_OK;
}
