/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PIN shapes, login and what the card answered, in the holder's words. */
#include "jpki-cli.h"

#include <string.h>

#include <openssl/crypto.h>

#include "pin.h"

const char *
key_name (enum jpki_key key)
{
	return key == JPKI_KEY_AUTH ? _("authentication PIN") : _("signature PIN");
}

static const char *
shape_rule (enum jpki_key key, bool for_new)
{
	if (key == JPKI_KEY_AUTH)
		return _("the authentication PIN is exactly 4 digits");
	if (for_new)
		return _("a new signature PIN is 6 to 16 letters A-Z and digits, with at least one of each");
	return _("the signature PIN is 6 to 16 letters A-Z and digits");
}

bool
pin_shape_ok (enum jpki_key key, const char *pin, bool for_new, char *folded, size_t cap,
              size_t *folded_len)
{
	uint8_t out[PIN_MAX_LEN];
	enum pin_shape shape = pin_prepare (key, (const uint8_t *) pin, strlen (pin), for_new, out,
	                                    folded_len);

	if (shape != PIN_SHAPE_OK || *folded_len >= cap) {
		fprintf (stderr, _("jpki: PIN refused before it reached the card: %s\n"),
		         shape_rule (key, for_new));
		pin_wipe (out, sizeof out);
		return false;
	}
	memcpy (folded, out, *folded_len);
	folded[*folded_len] = '\0';
	pin_wipe (out, sizeof out);
	return true;
}

int
report_pin_result (enum jpki_key key, enum jpki_result r, int tries_left)
{
	switch (r) {
	case JPKI_OK:
		return EXIT_FINE;
	case JPKI_PIN_INCORRECT:
		fprintf (stderr, _("jpki: wrong %s: %d tries left\n"), key_name (key), tries_left);
		return EXIT_ATTENTION;
	case JPKI_PIN_BLOCKED:
		fprintf (stderr, _("jpki: the %s is blocked: reset it at your city office\n"),
		         key_name (key));
		return EXIT_ATTENTION;
	case JPKI_NOT_FOUND:
		fprintf (stderr, _("jpki: this card has no %s\n"), key_name (key));
		return EXIT_ERROR;
	case JPKI_PIN_REJECTED:
		fprintf (stderr, "%s\n", _("jpki: the card refused the new PIN"));
		return EXIT_ERROR;
	case JPKI_CARD_REMOVED:
		fprintf (stderr, "%s\n", _("jpki: the card was taken away"));
		return EXIT_ERROR;
	default:
		fprintf (stderr, _("jpki: the card could not be used (%s)\n"), jpki_result_name (r));
		return EXIT_ERROR;
	}
}

int
ask_pin (const struct options *o, enum jpki_key key, int tries, const char *prompt,
         bool for_new, char folded[PIN_BUF], size_t *len)
{
	char pin[64];
	int status;

	if (tries == 1 && !o->final_try && !for_new) {
		fprintf (stderr, _("jpki: one try left for the %s: a wrong PIN now blocks it.\n"
		                   "Give --final-try if you are sure of it.\n"), key_name (key));
		return EXIT_ATTENTION;
	}
	if (!read_pin (o, prompt, pin, sizeof pin)) {
		OPENSSL_cleanse (pin, sizeof pin);
		return EXIT_ERROR;
	}
	status = pin_shape_ok (key, pin, for_new, folded, PIN_BUF, len) ? EXIT_FINE : EXIT_ERROR;
	OPENSSL_cleanse (pin, sizeof pin);
	return status;
}

const char *
pin_prompt (enum jpki_key key)
{
	return key == JPKI_KEY_AUTH ? _("Authentication PIN (4 digits): ")
	                            : _("Signature PIN (6-16 letters and digits): ");
}
