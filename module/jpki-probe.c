/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a JPKI card is: the probe's sequence, a phone told from a card,
 * and a PIN's state. */
#include "jpki-probe.h"

#include <string.h>

#include "log.h"

/* EF 0006 of a phone: Android's, iPhone's (a card: JPKIAPICCTOKEN2). */
static const char *const phone_models[] = { "JPKIAPGPSETOKEN", "JPKIAPIOSTOKEN" };

static const struct jpki_pin_state pin_unknown = { false, false, -1 };

struct jpki_pin_state
jpki_pin_state_of (enum jpki_result r, int tries)
{
	switch (r) {
	case JPKI_OK:
	case JPKI_PIN_INCORRECT:
		return (struct jpki_pin_state) { true, true, tries };
	case JPKI_PIN_BLOCKED:
		return (struct jpki_pin_state) { true, true, 0 };
	case JPKI_NOT_FOUND:
		return (struct jpki_pin_state) { true, false, -1 };
	default:
		return pin_unknown;
	}
}

struct jpki_pin_state
jpki_read_pin_state (struct jpki_card *card, enum jpki_key key)
{
	int tries = -1;
	enum jpki_result r = jpki_pin_tries (card, key, &tries);
	struct jpki_pin_state state = jpki_pin_state_of (r, tries);

	if (!state.known)
		LOG ("token %d: tries unknown (%s)", key, jpki_result_name (r));
	return state;
}

void
jpki_log_broken_file (enum jpki_key key, const char *file, enum jpki_result r)
{
	LOG ("card damaged: %s unusable (%s); the %s token goes on without it", file,
	     jpki_result_name (r), key == JPKI_KEY_AUTH ? "authentication" : "signature");
}

static void
note_broken (struct jpki_facts *f, enum jpki_key key, const char *file, enum jpki_result r)
{
	jpki_log_broken_file (key, file, r);
	f->tok[key].damaged = true;
}

/* Returns JPKI_OK, or what stops the probe (so do the next two). */
static enum jpki_result
probe_token_info (struct jpki_card *card, struct jpki_facts *f)
{
	enum jpki_result r = jpki_read_token_info (card, f->model, sizeof f->model);

	if (r == JPKI_BAD_RESPONSE) {
		/* It describes both tokens: one line, both damaged. */
		note_broken (f, JPKI_KEY_AUTH, "token information (EF 0006)", r);
		f->tok[JPKI_KEY_SIGN].damaged = true;
	} else if (r != JPKI_OK && r != JPKI_NOT_FOUND) {
		return r;
	}
	return JPKI_OK;
}

static enum jpki_result
probe_auth_certificate (struct jpki_card *card, jpki_cert_taker *take, void *ctx,
                        struct jpki_facts *f)
{
	struct jpki_token_facts *auth = &f->tok[JPKI_KEY_AUTH];
	enum jpki_result r = jpki_read_certificate_into (card, JPKI_FILE_AUTH_CERT, take, ctx);

	switch (r) {
	case JPKI_BAD_RESPONSE:
		auth->cert_broken = true;
		note_broken (f, JPKI_KEY_AUTH, jpki_file_name (JPKI_FILE_AUTH_CERT), r);
		auth->present = true;
		return JPKI_OK;
	case JPKI_OK:
		auth->present = true;
		return JPKI_OK;
	case JPKI_SECURITY_STATUS:   /* a phone: after the PIN */
		auth->present = true;
		auth->cert_needs_pin = true;
		return JPKI_OK;
	case JPKI_NOT_FOUND:
		return JPKI_OK;
	default:
		return r;
	}
}

/* EF 0008 says whether the card has a signature certificate. */
static enum jpki_result
probe_sign_token (struct jpki_card *card, struct jpki_facts *f)
{
	struct jpki_token_facts *sign = &f->tok[JPKI_KEY_SIGN];
	bool has_sign = false;
	enum jpki_result r = jpki_read_certificate_presence (card, &has_sign);

	if (r == JPKI_BAD_RESPONSE)
		note_broken (f, JPKI_KEY_SIGN, "certificate presence (EF 0008)", r);
	else if (r != JPKI_OK && r != JPKI_NOT_FOUND)
		return r;
	sign->present = has_sign;
	/* EF 0008 is not on every card: then the signature PIN tells. */
	if (r != JPKI_OK) {
		sign->pin = jpki_read_pin_state (card, JPKI_KEY_SIGN);
		sign->present = sign->pin.set;
	}
	sign->cert_needs_pin = true;
	return JPKI_OK;
}

static bool
phone_model (const char *model)
{
	for (size_t i = 0; i < sizeof phone_models / sizeof phone_models[0]; i++)
		if (strcmp (model, phone_models[i]) == 0)
			return true;
	return false;
}

enum jpki_result
jpki_probe (struct jpki_card *card, jpki_cert_taker *take, void *ctx, struct jpki_facts *f)
{
	enum jpki_result r;

	memset (f, 0, sizeof *f);
	f->tok[JPKI_KEY_AUTH].pin = f->tok[JPKI_KEY_SIGN].pin = pin_unknown;
	r = jpki_select_application (card);
	if (r == JPKI_OK)
		r = probe_token_info (card, f);
	if (r == JPKI_OK)
		r = probe_auth_certificate (card, take, ctx, f);
	if (r == JPKI_OK)
		r = probe_sign_token (card, f);
	/* A phone names itself, and keeps even its authentication
	 * certificate until the PIN, which no card does. */
	f->phone = phone_model (f->model) || f->tok[JPKI_KEY_AUTH].cert_needs_pin;
	return r;
}
