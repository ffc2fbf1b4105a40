/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a card is and says without a PIN: its kind, both PINs' tries (the
 * VERIFY that spends none) and the authentication certificate. */
#include "jpki-cli.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

const char *
pin_state_name (enum pin_state s)
{
	switch (s) {
	case PIN_SET: return "set";
	case PIN_NOT_SET: return "not-set";
	case PIN_BLOCKED: return "blocked";
	default: return "unknown";
	}
}

X509 *
card_read_x509 (struct held_card *c, enum jpki_file file, enum jpki_result *r)
{
	uint8_t *der = NULL;
	size_t len = 0;
	const unsigned char *p;
	X509 *x = NULL;

	*r = jpki_read_certificate (c->jpki, file, &der, &len);
	if (*r != JPKI_OK)
		return NULL;
	p = der;
	x = d2i_X509 (NULL, &p, (long) len);
	OPENSSL_cleanse (der, len);
	free (der);
	if (x == NULL)
		*r = JPKI_BAD_RESPONSE;
	return x;
}

static void
read_pin_state (struct held_card *c, enum jpki_key key, struct token_facts *t)
{
	enum jpki_result r = jpki_pin_tries (c->jpki, key, &t->tries);

	t->pin = r == JPKI_OK ? PIN_SET : r == JPKI_PIN_BLOCKED ? PIN_BLOCKED :
	         r == JPKI_NOT_FOUND ? PIN_NOT_SET : PIN_UNKNOWN;
	if (t->pin == PIN_BLOCKED)
		t->tries = 0;
}

static enum jpki_result
read_facts_in_transaction (struct held_card *c, struct card_facts *f)
{
	enum jpki_result r;
	bool has_sign = false;

	r = jpki_select_application (c->jpki);
	if (r != JPKI_OK)
		return r;
	f->jpki = true;
	if (jpki_read_token_info (c->jpki, f->model, sizeof f->model) != JPKI_OK)
		f->model[0] = '\0';
	f->smartphone = strcmp (f->model, "JPKIAPGPSETOKEN") == 0;
	f->auth.cert = card_read_x509 (c, JPKI_FILE_AUTH_CERT, &r);
	f->auth.cert_needs_pin = r == JPKI_SECURITY_STATUS;
	f->auth.present = r == JPKI_OK || r == JPKI_SECURITY_STATUS;
	if (r == JPKI_CARD_REMOVED || r == JPKI_TRANSPORT_ERROR)
		return r;
	read_pin_state (c, JPKI_KEY_AUTH, &f->auth);
	read_pin_state (c, JPKI_KEY_SIGN, &f->sign);
	r = jpki_read_certificate_presence (c->jpki, &has_sign);
	/* EF 0008 is not on every card: then the signature PIN tells. */
	f->sign.present = r == JPKI_OK ? has_sign : f->sign.pin == PIN_SET || f->sign.pin == PIN_BLOCKED;
	return JPKI_OK;
}

bool
card_read_facts (struct held_card *c, struct card_facts *f)
{
	enum jpki_result r;

	memset (f, 0, sizeof *f);
	f->auth.tries = f->sign.tries = -1;
	if (!card_begin (c))
		return false;
	r = read_facts_in_transaction (c, f);
	card_end (c);
	if (r == JPKI_NOT_JPKI)
		return true;
	return r == JPKI_OK;
}

void
card_facts_free (struct card_facts *f)
{
	X509_free (f->auth.cert);
	f->auth.cert = NULL;
}
