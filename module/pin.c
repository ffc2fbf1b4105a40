/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PIN shape rules: the authentication PIN is exactly 4 digits; the
 * signature PIN is 6 to 16 of A-Z and 0-9, lowercase folded to uppercase
 * as the official software does, and a new one mixes letters and digits
 * (a card's own PIN always does).  A PIN of the wrong shape is refused
 * here, before any APDU, because the card would count it as a wrong try. */
#include "pin.h"

#include <string.h>

#include <openssl/crypto.h>

#define AUTH_PIN_LEN 4
#define SIGN_PIN_MIN 6
#define SIGN_PIN_MAX 16

/* The ctype functions depend on the locale; PIN rules do not. */
static bool
is_digit (uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool
is_upper (uint8_t c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
is_lower (uint8_t c)
{
	return c >= 'a' && c <= 'z';
}

static enum pin_shape
check_length (size_t len, size_t min, size_t max)
{
	if (len < min)
		return PIN_SHAPE_TOO_SHORT;
	if (len > max)
		return PIN_SHAPE_TOO_LONG;
	return PIN_SHAPE_OK;
}

/* Authentication PIN: exactly four digits, copied as is. */
static enum pin_shape
prepare_auth (const uint8_t *pin, size_t len, uint8_t *folded)
{
	enum pin_shape shape;
	size_t i;

	shape = check_length (len, AUTH_PIN_LEN, AUTH_PIN_LEN);
	if (shape != PIN_SHAPE_OK)
		return shape;
	for (i = 0; i < len; i++) {
		if (!is_digit (pin[i]))
			return PIN_SHAPE_BAD_CHARACTER;
		folded[i] = pin[i];
	}
	return PIN_SHAPE_OK;
}

/* Signature PIN: 6 to 16 of A-Z and 0-9, lower case folded to upper case;
 * a new PIN must mix letters and digits. */
static enum pin_shape
prepare_sign (const uint8_t *pin, size_t len, bool for_new_pin, uint8_t *folded)
{
	enum pin_shape shape;
	bool has_letter = false;
	bool has_digit = false;
	size_t i;

	shape = check_length (len, SIGN_PIN_MIN, SIGN_PIN_MAX);
	if (shape != PIN_SHAPE_OK)
		return shape;
	for (i = 0; i < len; i++) {
		uint8_t c = pin[i];

		if (is_lower (c))
			c = (uint8_t) (c - 'a' + 'A');
		if (is_upper (c))
			has_letter = true;
		else if (is_digit (c))
			has_digit = true;
		else
			return PIN_SHAPE_BAD_CHARACTER;
		folded[i] = c;
	}
	if (for_new_pin && !(has_letter && has_digit))
		return PIN_SHAPE_NOT_MIXED;
	return PIN_SHAPE_OK;
}

enum pin_shape
pin_prepare (enum jpki_key key, const uint8_t *pin, size_t pin_len,
             bool for_new_pin, uint8_t out[PIN_MAX_LEN], size_t *out_len)
{
	uint8_t folded[PIN_MAX_LEN];
	enum pin_shape shape;

	if (pin == NULL && pin_len != 0) {
		shape = PIN_SHAPE_BAD_CHARACTER;
		goto out;
	}

	switch (key) {
	case JPKI_KEY_AUTH:
		/* No PIN is "new" in a different way: 4 digits either way. */
		shape = prepare_auth (pin, pin_len, folded);
		break;
	case JPKI_KEY_SIGN:
		shape = prepare_sign (pin, pin_len, for_new_pin, folded);
		break;
	default:
		shape = PIN_SHAPE_BAD_CHARACTER;
		break;
	}

	if (shape == PIN_SHAPE_OK) {
		memcpy (out, folded, pin_len);
		*out_len = pin_len;
	}

out:
	pin_wipe (folded, sizeof folded);
	return shape;
}

const char *
pin_shape_reason (enum pin_shape shape)
{
	switch (shape) {
	case PIN_SHAPE_OK:
		return "PIN has a valid shape";
	case PIN_SHAPE_TOO_SHORT:
		return "PIN is too short";
	case PIN_SHAPE_TOO_LONG:
		return "PIN is too long";
	case PIN_SHAPE_BAD_CHARACTER:
		return "PIN contains a character that is not allowed";
	case PIN_SHAPE_NOT_MIXED:
		return "new PIN must contain both letters and digits";
	}
	return "unknown PIN shape";
}

void
pin_wipe (void *buf, size_t len)
{
	if (buf != NULL && len != 0)
		OPENSSL_cleanse (buf, len);
}

int
pin_max_tries (enum jpki_key key)
{
	switch (key) {
	case JPKI_KEY_AUTH:
		return 3;
	case JPKI_KEY_SIGN:
		return 5;
	}
	return 0;
}
