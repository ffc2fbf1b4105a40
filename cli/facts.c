/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a card is and says without a PIN: what the module's probe finds,
 * both PINs' tries (the VERIFY that spends none) and the authentication
 * certificate. */
#include "jpki-cli.h"

#include <string.h>

enum pin_state
pin_state_of (struct jpki_pin_state pin)
{
	if (!pin.known)
		return PIN_UNKNOWN;
	if (!pin.set)
		return PIN_NOT_SET;
	return pin.tries == 0 ? PIN_BLOCKED : PIN_SET;
}

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

/* The command's form of a certificate the card gave (jpki_cert_taker). */
static bool
take_x509 (void *ctx, const uint8_t *der, size_t der_len)
{
	X509 **out = ctx;
	const unsigned char *p = der;

	*out = d2i_X509 (NULL, &p, (long) der_len);
	return *out != NULL;
}

X509 *
card_read_x509 (struct jpki_conn *c, enum jpki_file file, enum jpki_result *r)
{
	X509 *x = NULL;

	*r = jpki_read_certificate_into (c->jpki, file, take_x509, &x);
	return x;
}

bool
card_read_facts (struct jpki_conn *c, struct card_facts *f)
{
	struct jpki_token_facts *sign = &f->card.tok[JPKI_KEY_SIGN];
	enum jpki_result r;

	memset (f, 0, sizeof *f);
	if (jpki_conn_begin (c, NULL) != PCSC_OK)
		return false;
	r = jpki_probe (c->jpki, take_x509, &f->auth_cert, &f->card);
	if (r == JPKI_OK) {
		f->card.tok[JPKI_KEY_AUTH].pin = jpki_read_pin_state (c->jpki, JPKI_KEY_AUTH);
		if (!sign->pin.known)
			sign->pin = jpki_read_pin_state (c->jpki, JPKI_KEY_SIGN);
	}
	jpki_conn_end (c);
	f->jpki = r == JPKI_OK;
	return r == JPKI_OK || r == JPKI_NOT_JPKI;
}

void
card_facts_free (struct card_facts *f)
{
	X509_free (f->auth_cert);
	f->auth_cert = NULL;
}
