/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JPKI application protocol (ISO 7816-4 commands to the application
 * D3 92 F0 00 26 01 00 00 00 01; tests/vcard/README.md says how a card
 * answers each): the card's state, the one exchange every APDU goes
 * through (encode, log with any PIN masked, send, decode the status word
 * once), selection and logout (signing: jpki-sign.c).  The selection state is updated
 * on every SELECT, whatever its outcome. */
#include "jpki.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "jpki-private.h"
#include "log.h"

static const uint8_t jpki_aid[] = { 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mf_id[] = { 0x3F, 0x00 };

const char *
jpki_result_name (enum jpki_result r)
{
	switch (r) {
	case JPKI_OK: return "OK";
	case JPKI_NOT_JPKI: return "NOT_JPKI";
	case JPKI_NOT_FOUND: return "NOT_FOUND";
	case JPKI_SECURITY_STATUS: return "SECURITY_STATUS";
	case JPKI_PIN_INCORRECT: return "PIN_INCORRECT";
	case JPKI_PIN_BLOCKED: return "PIN_BLOCKED";
	case JPKI_PIN_REJECTED: return "PIN_REJECTED";
	case JPKI_BAD_INPUT: return "BAD_INPUT";
	case JPKI_BAD_RESPONSE: return "BAD_RESPONSE";
	case JPKI_CARD_RESET: return "CARD_RESET";
	case JPKI_CARD_REMOVED: return "CARD_REMOVED";
	case JPKI_TRANSPORT_ERROR: return "TRANSPORT_ERROR";
	case JPKI_NO_MEMORY: return "NO_MEMORY";
	case JPKI_NOT_SUPPORTED: return "NOT_SUPPORTED";
	}
	return "unknown";
}

const char *
jpki_file_name (enum jpki_file file)
{
	switch (file) {
	case JPKI_FILE_AUTH_CERT: return "authentication certificate (EF 000A)";
	case JPKI_FILE_AUTH_CA_CERT: return "authentication CA certificate (EF 000B)";
	case JPKI_FILE_SIGN_CERT: return "signature certificate (EF 0001)";
	case JPKI_FILE_SIGN_CA_CERT: return "signature CA certificate (EF 0002)";
	}
	return "unknown file";
}

struct jpki_card *
jpki_card_new (const struct jpki_transport *transport)
{
	struct jpki_card *card;

	if (transport == NULL || transport->transmit == NULL)
		return NULL;
	card = calloc (1, sizeof *card);
	if (card == NULL)
		return NULL;
	card->transport = *transport;
	card->current_ef = NO_EF;
	return card;
}

void
jpki_card_free (struct jpki_card *card)
{
	if (card == NULL)
		return;
	OPENSSL_cleanse (card, sizeof *card);
	free (card);
}

static void
forget_selection (struct jpki_card *card)
{
	card->ap_selected = false;
	card->ap_assumed = false;
	card->current_ef = NO_EF;
}

/* The application is taken as still selected from our previous
 * transaction (the EF is not: it costs one SELECT and proves nothing). */
void
jpki_transaction_begin (struct jpki_card *card)
{
	card->ap_assumed = card->ap_selected;
	card->current_ef = NO_EF;
}

void
jpki_forget_selection (struct jpki_card *card)
{
	forget_selection (card);
}

bool
jpki_selection_assumed (const struct jpki_card *card)
{
	return card->ap_assumed;
}

bool
jpki_retry_with_selection (struct jpki_card *card, enum jpki_result r)
{
	switch (r) {
	case JPKI_OK:
	case JPKI_CARD_RESET:
	case JPKI_CARD_REMOVED:
	case JPKI_TRANSPORT_ERROR:
	case JPKI_NO_MEMORY:
	case JPKI_BAD_INPUT:
		return false;
	default:
		break;
	}
	if (!card->ap_assumed)
		return false;
	LOG ("%s with the application taken as selected: selecting it again", jpki_result_name (r));
	forget_selection (card);
	return true;
}

void
jpki_confirm_application (struct jpki_card *card)
{
	if (card->ap_assumed)
		forget_selection (card);
}

void
jpki_transaction_end (struct jpki_card *card)
{
	OPENSSL_cleanse (card->resp, sizeof card->resp);
}

static enum jpki_result
result_from_transport (enum jpki_transport_result t)
{
	switch (t) {
	case JPKI_TRANSPORT_OK: return JPKI_OK;
	case JPKI_TRANSPORT_RESET: return JPKI_CARD_RESET;
	case JPKI_TRANSPORT_REMOVED: return JPKI_CARD_REMOVED;
	case JPKI_TRANSPORT_FAILED: break;
	}
	return JPKI_TRANSPORT_ERROR;
}

/* The default meaning of a status word for an operation's result; each
 * operation handles the words it expects before falling back on this.
 * PIN words (63 Cx, 69 83) are answers only to the commands that carry
 * a PIN: from a SELECT, READ BINARY or signature they are malformed, and
 * must not reach the caller as a wrong or blocked PIN. */
enum jpki_result
jpki_result_from_sw (const struct answer *a)
{
	switch (a->meaning) {
	case SW_OK:
	case SW_END_OF_FILE:
		return JPKI_OK;
	case SW_SECURITY_STATUS:
		return JPKI_SECURITY_STATUS;
	case SW_FILE_NOT_FOUND:
		return JPKI_NOT_FOUND;
	default:
		break;
	}
	LOG ("unexpected status %04X", a->sw);
	return JPKI_BAD_RESPONSE;
}

enum jpki_result
jpki_pin_result_from_sw (const struct answer *a)
{
	switch (a->meaning) {
	case SW_PIN_WRONG:
		return a->count == 0 ? JPKI_PIN_BLOCKED : JPKI_PIN_INCORRECT;
	case SW_PIN_BLOCKED:
		return JPKI_PIN_BLOCKED;
	case SW_END_OF_FILE:
		LOG ("PIN command answered %04X", a->sw);
		return JPKI_BAD_RESPONSE;   /* only 90 00 says the PIN is right */
	default:
		break;
	}
	return jpki_result_from_sw (a);
}

/* Checks what the transport handed back against what we asked for. */
static enum jpki_result
decode_answer (const struct apdu *apdu, size_t resp_len, const uint8_t *resp,
               enum exchange_log show, struct answer *a)
{
	if (resp_len > RESPONSE_MAX || !apdu_split_response (resp, resp_len, &a->data_len, &a->sw)) {
		LOG ("answer of %zu bytes does not fit a %d-byte buffer or has no status",
		     resp_len, RESPONSE_MAX);
		return JPKI_BAD_RESPONSE;
	}
	a->meaning = apdu_status (a->sw, &a->count);
	LOG ("answer: %04X, %zu data bytes", a->sw, a->data_len);
	if (a->data_len > 0 && show != SHOW_NO_ANSWER_DATA)
		LOG_HEX ("answer data", resp, a->data_len < LOG_DATA_MAX ? a->data_len : LOG_DATA_MAX,
		         SIZE_MAX);
	/* A command that asks for no data may get some (FCI); ignore it. */
	if (apdu->le > 0 && a->data_len > apdu->le) {
		LOG ("asked for %zu bytes, got %zu", apdu->le, a->data_len);
		return JPKI_BAD_RESPONSE;
	}
	return JPKI_OK;
}

/* Sends one APDU.  A PIN is never logged, and the command buffer is
 * wiped on every path.  A transport failure makes the selection state
 * unknown. */
enum jpki_result
jpki_exchange (struct jpki_card *card, const struct apdu *apdu, enum exchange_log show,
               struct answer *a)
{
	uint8_t cmd[COMMAND_MAX];
	size_t cmd_len, resp_len = RESPONSE_MAX;
	enum jpki_transport_result t;
	enum jpki_result r;

	memset (a, 0, sizeof *a);
	cmd_len = apdu_encode (apdu, cmd, sizeof cmd);
	if (cmd_len == 0) {
		r = JPKI_BAD_INPUT;
		goto out;
	}
	LOG_HEX ("command", cmd, cmd_len, show == SHOW_NO_PIN ? PIN_OFFSET : SIZE_MAX);
	t = card->transport.transmit (card->transport.ctx, cmd, cmd_len, card->resp, &resp_len);
	r = result_from_transport (t);
	if (r != JPKI_OK) {
		LOG ("transport: %s", jpki_result_name (r));
		forget_selection (card);
		goto out;
	}
	r = decode_answer (apdu, resp_len, card->resp, show, a);
out:
	OPENSSL_cleanse (cmd, sizeof cmd);
	return r;
}

/* SELECT by AID, once per transaction. */
enum jpki_result
jpki_select_application (struct jpki_card *card)
{
	struct apdu apdu = { 0x00, 0xA4, 0x04, 0x0C, jpki_aid, sizeof jpki_aid, 0 };
	struct answer a;
	enum jpki_result r = JPKI_OK;

	if (card->ap_selected)
		goto out;
	forget_selection (card);
	r = jpki_exchange (card, &apdu, SHOW_ALL, &a);
	if (r != JPKI_OK)
		goto out;
	if (a.meaning != SW_OK) {
		LOG ("no JPKI application: %04X", a.sw);
		r = JPKI_NOT_JPKI;
		goto out;
	}
	card->ap_selected = true;
out:
	return r;
}

/* SELECT EF under the application, unless it is the current EF. */
enum jpki_result
jpki_select_ef (struct jpki_card *card, int fid)
{
	uint8_t id[2] = { (uint8_t) (fid >> 8), (uint8_t) fid };
	struct apdu apdu = { 0x00, 0xA4, 0x02, 0x0C, id, sizeof id, 0 };
	struct answer a;
	enum jpki_result r;

	r = jpki_select_application (card);
	if (r != JPKI_OK || card->current_ef == fid)
		goto out;
	card->current_ef = NO_EF;
	r = jpki_exchange (card, &apdu, SHOW_ALL, &a);
	if (r != JPKI_OK)
		goto out;
	if (a.meaning == SW_OK)
		card->current_ef = fid;
	else if ((r = jpki_result_from_sw (&a)) == JPKI_OK)
		r = JPKI_BAD_RESPONSE;   /* 62 82 selects nothing */
out:
	return r;
}

/* SELECT MF by id; a card that refuses that form gets 00 A4 00 00. */
enum jpki_result
jpki_clear_security_state (struct jpki_card *card)
{
	struct apdu by_id = { 0x00, 0xA4, 0x00, 0x0C, mf_id, sizeof mf_id, 0 };
	struct apdu plain = { 0x00, 0xA4, 0x00, 0x00, NULL, 0, 0 };
	struct answer a;
	enum jpki_result r;

	forget_selection (card);
	r = jpki_exchange (card, &by_id, SHOW_ALL, &a);
	if (r != JPKI_OK)
		goto out;
	if (a.meaning == SW_FILE_NOT_FOUND || a.meaning == SW_WRONG_PARAMETERS ||
	    a.meaning == SW_WRONG_DATA) {
		r = jpki_exchange (card, &plain, SHOW_ALL, &a);
		if (r != JPKI_OK)
			goto out;
	}
	if (a.meaning != SW_OK) {
		LOG ("SELECT MF answered %04X", a.sw);
		r = JPKI_BAD_RESPONSE;
	}
out:
	return r;
}
