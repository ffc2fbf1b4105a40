/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JPKI PINs: tries left (the VERIFY that uses none), VERIFY and
 * CHANGE REFERENCE DATA.  PIN bytes are never logged. */
#include "jpki-private.h"
#include "log.h"

static int
pin_ef (enum jpki_key key)
{
	return key == JPKI_KEY_SIGN ? EF_SIGN_PIN : EF_AUTH_PIN;
}

static enum jpki_result
pin_tries_once (struct jpki_card *card, enum jpki_key key, int *tries)
{
	struct apdu apdu = { 0x00, 0x20, 0x00, 0x80, NULL, 0, 0 };
	struct answer a;
	enum jpki_result r;

	*tries = -1;
	r = jpki_select_ef (card, pin_ef (key));
	if (r != JPKI_OK)
		goto out;
	r = jpki_exchange (card, &apdu, SHOW_ALL, &a);
	if (r != JPKI_OK)
		goto out;
	if (a.meaning == SW_PIN_WRONG) {
		*tries = a.count;
		r = a.count == 0 ? JPKI_PIN_BLOCKED : JPKI_OK;
	} else if (a.meaning == SW_PIN_BLOCKED) {
		*tries = 0;
		r = JPKI_PIN_BLOCKED;
	} else if (a.meaning != SW_OK) {
		LOG ("empty VERIFY answered %04X", a.sw);
		r = JPKI_BAD_RESPONSE;
	}
out:
	return r;
}

enum jpki_result
jpki_pin_tries (struct jpki_card *card, enum jpki_key key, int *tries)
{
	enum jpki_result r = pin_tries_once (card, key, tries);

	if (jpki_retry_with_selection (card, r))
		r = pin_tries_once (card, key, tries);
	return r;
}

/* VERIFY with the PIN EF already selected. */
static enum jpki_result
send_verify (struct jpki_card *card, const uint8_t *pin, size_t pin_len, int *tries_left)
{
	struct apdu apdu = { 0x00, 0x20, 0x00, 0x80, pin, pin_len, 0 };
	struct answer a;
	enum jpki_result r;

	LOG ("VERIFY with a %zu-byte PIN", pin_len);
	r = jpki_exchange (card, &apdu, SHOW_NO_PIN, &a);
	if (r != JPKI_OK)
		goto out;
	r = jpki_pin_result_from_sw (&a);
	if (a.meaning == SW_PIN_WRONG || a.meaning == SW_PIN_BLOCKED)
		*tries_left = a.meaning == SW_PIN_WRONG ? a.count : 0;
out:
	return r;
}

static bool
pin_length_ok (const uint8_t *pin, size_t len)
{
	return pin != NULL && len > 0 && len <= APDU_SHORT_MAX_DATA;
}

enum jpki_result
jpki_verify_pin (struct jpki_card *card, enum jpki_key key,
                 const uint8_t *pin, size_t pin_len, int *tries_left)
{
	int ignored;
	enum jpki_result r;

	if (tries_left == NULL)
		tries_left = &ignored;
	*tries_left = -1;
	if (!pin_length_ok (pin, pin_len))
		return JPKI_BAD_INPUT;
	jpki_confirm_application (card);
	r = jpki_select_ef (card, pin_ef (key));
	if (r == JPKI_OK)
		r = send_verify (card, pin, pin_len, tries_left);
	return r;
}

/* CHANGE REFERENCE DATA after a successful VERIFY, PIN EF selected.  It
 * carries no old PIN, so a PIN word in its answer means nothing. */
static enum jpki_result
send_change_reference_data (struct jpki_card *card, const uint8_t *new_pin, size_t new_len)
{
	struct apdu apdu = { 0x00, 0x24, 0x01, 0x80, new_pin, new_len, 0 };
	struct answer a;
	enum jpki_result r;

	LOG ("CHANGE REFERENCE DATA with a %zu-byte PIN", new_len);
	r = jpki_exchange (card, &apdu, SHOW_NO_PIN, &a);
	if (r != JPKI_OK)
		goto out;
	/* The new PIN's bytes or their length refused. */
	if (a.meaning == SW_WRONG_DATA || a.meaning == SW_WRONG_LENGTH)
		r = JPKI_PIN_REJECTED;
	else
		r = jpki_result_from_sw (&a);
out:
	return r;
}

enum jpki_result
jpki_change_pin (struct jpki_card *card, enum jpki_key key,
                 const uint8_t *old_pin, size_t old_len,
                 const uint8_t *new_pin, size_t new_len, int *tries_left)
{
	enum jpki_result r;

	if (!pin_length_ok (new_pin, new_len))
		return JPKI_BAD_INPUT;
	r = jpki_verify_pin (card, key, old_pin, old_len, tries_left);
	if (r == JPKI_OK)
		r = send_change_reference_data (card, new_pin, new_len);
	return r;
}
