/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JPKI application protocol (see card.md).  Every APDU goes through
 * card_exchange, which encodes it, logs it with any PIN masked, sends it
 * through the caller's transport and decodes the status word once.  The
 * selection state is updated on every SELECT, whatever its outcome. */
#include "jpki.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "apdu.h"
#include "log.h"

#define NO_EF (-1)

/* File ids of the application's EFs. */
#define EF_TOKEN_INFO 0x0006
#define EF_PRESENCE 0x0008
#define EF_AUTH_CERT 0x000A
#define EF_AUTH_CA_CERT 0x000B
#define EF_SIGN_CERT 0x0001
#define EF_SIGN_CA_CERT 0x0002
#define EF_AUTH_KEY 0x0017
#define EF_AUTH_PIN 0x0018
#define EF_SIGN_KEY 0x001A
#define EF_SIGN_PIN 0x001B

#define TOKEN_INFO_LEN 32
#define PRESENCE_SIGN_CERT 0x8F
/* A certificate longer than this is taken for a corrupt header. */
#define CERT_MAX_LEN 8192
/* 30 82 LL LL: enough to know a DER SEQUENCE's length. */
#define CERT_HEADER_LEN 4
/* RSA-2048 PKCS#1 v1.5: k - 11 bytes at most go into the padding. */
#define SIGN_MAX_INPUT 245
#define SIGNATURE_LE 256
/* Commands we send carry at most a short Lc and 255 bytes. */
#define COMMAND_MAX (4 + 1 + APDU_SHORT_MAX_DATA + 1)
/* Room for the longest answer we ask for (a certificate in one read),
 * plus slack so that an answer longer than asked is seen as such. */
#define RESPONSE_MAX (CERT_MAX_LEN + 2 + APDU_SHORT_MAX_LE)
/* Header and Lc: a PIN starts here in VERIFY and CHANGE REFERENCE DATA. */
#define PIN_OFFSET 5
/* How much of an answer's data the debug log shows. */
#define LOG_DATA_MAX 32

/* What the debug log may show of an exchange. */
enum exchange_log {
	SHOW_ALL,
	SHOW_NO_PIN,           /* the command's data is a PIN */
	SHOW_NO_ANSWER_DATA,   /* a certificate: the signature one is personal data */
};

static const uint8_t jpki_aid[] = { 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mf_id[] = { 0x3F, 0x00 };

struct jpki_card {
	struct jpki_transport transport;
	bool ap_selected;       /* current DF is the JPKI application */
	int current_ef;         /* NO_EF when unknown */
	bool no_extended;       /* the reader or card refused an extended read */
	uint8_t resp[RESPONSE_MAX];
};

/* One decoded answer: data in card->resp[0..data_len). */
struct answer {
	size_t data_len;
	uint16_t sw;
	enum sw_meaning meaning;
	int tries;
};

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
	}
	return "unknown";
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
	free (card);
}

static void
forget_selection (struct jpki_card *card)
{
	card->ap_selected = false;
	card->current_ef = NO_EF;
}

void
jpki_transaction_begin (struct jpki_card *card)
{
	forget_selection (card);
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
 * operation handles the words it expects before falling back on this. */
static enum jpki_result
result_from_sw (const struct answer *a)
{
	switch (a->meaning) {
	case SW_OK:
	case SW_END_OF_FILE:
		return JPKI_OK;
	case SW_PIN_WRONG:
		return a->tries == 0 ? JPKI_PIN_BLOCKED : JPKI_PIN_INCORRECT;
	case SW_PIN_BLOCKED:
		return JPKI_PIN_BLOCKED;
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
	a->meaning = apdu_status (a->sw, &a->tries);
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
static enum jpki_result
card_exchange (struct jpki_card *card, const struct apdu *apdu, enum exchange_log show,
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
	r = card_exchange (card, &apdu, SHOW_ALL, &a);
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
static enum jpki_result
select_ef (struct jpki_card *card, int fid)
{
	uint8_t id[2] = { (uint8_t) (fid >> 8), (uint8_t) fid };
	struct apdu apdu = { 0x00, 0xA4, 0x02, 0x0C, id, sizeof id, 0 };
	struct answer a;
	enum jpki_result r;

	r = jpki_select_application (card);
	if (r != JPKI_OK || card->current_ef == fid)
		goto out;
	card->current_ef = NO_EF;
	r = card_exchange (card, &apdu, SHOW_ALL, &a);
	if (r != JPKI_OK)
		goto out;
	if (a.meaning == SW_OK)
		card->current_ef = fid;
	else
		r = result_from_sw (&a);
out:
	return r;
}

/* One READ BINARY; the data is left in card->resp. */
static enum jpki_result
send_read_binary (struct jpki_card *card, size_t offset, size_t le, enum exchange_log show,
                  struct answer *a)
{
	struct apdu apdu = { 0x00, 0xB0, (uint8_t) (offset >> 8), (uint8_t) offset, NULL, 0, le };

	return card_exchange (card, &apdu, show, a);
}

/* The Le of the next read: the whole rest in one extended read unless
 * the reader refused one, and never more than a 6Cxx allowed. */
static size_t
next_read_length (const struct jpki_card *card, size_t remaining, size_t le_cap)
{
	size_t le = remaining;

	if (card->no_extended && le > APDU_SHORT_MAX_LE)
		le = APDU_SHORT_MAX_LE;
	return le < le_cap ? le : le_cap;
}

/* Reads exactly len bytes of the current EF from offset into out.  Each
 * read must make progress; 62 82 is accepted once we have len bytes. */
static enum jpki_result
read_binary (struct jpki_card *card, size_t offset, uint8_t *out, size_t len)
{
	size_t done = 0, le_cap = SIZE_MAX;
	enum jpki_result r = JPKI_OK;
	struct answer a;

	while (done < len) {
		size_t le = next_read_length (card, len - done, le_cap);

		r = send_read_binary (card, offset + done, le, SHOW_NO_ANSWER_DATA, &a);
		if (r != JPKI_OK)
			goto out;
		if (a.meaning == SW_WRONG_LENGTH && le > APDU_SHORT_MAX_LE) {
			LOG ("extended read refused (%04X); short reads from now on", a.sw);
			card->no_extended = true;
			continue;
		}
		if (a.sw >> 8 == 0x6C && (a.sw & 0xFF) != 0 && (size_t) (a.sw & 0xFF) < le) {
			le_cap = a.sw & 0xFF;
			continue;
		}
		if (a.meaning != SW_OK && a.meaning != SW_END_OF_FILE) {
			r = result_from_sw (&a);
			goto out;
		}
		if (a.data_len == 0 || (a.meaning == SW_END_OF_FILE && a.data_len < len - done)) {
			LOG ("file ends at %zu bytes, %zu needed", offset + done + a.data_len, offset + len);
			r = JPKI_BAD_RESPONSE;
			goto out;
		}
		memcpy (out + done, card->resp, a.data_len);
		done += a.data_len;
	}
out:
	return r;
}

static int
certificate_ef (enum jpki_file file)
{
	switch (file) {
	case JPKI_FILE_AUTH_CERT: return EF_AUTH_CERT;
	case JPKI_FILE_AUTH_CA_CERT: return EF_AUTH_CA_CERT;
	case JPKI_FILE_SIGN_CERT: return EF_SIGN_CERT;
	case JPKI_FILE_SIGN_CA_CERT: return EF_SIGN_CA_CERT;
	}
	return NO_EF;
}

/* A DER SEQUENCE header: 30 LL, 30 81 LL or 30 82 LL LL.  Returns the
 * total length, or 0 when the header is not one. */
static size_t
der_sequence_length (const uint8_t *h)
{
	size_t total = 0;

	if (h[0] != 0x30)
		goto out;
	if (h[1] < 0x80)
		total = 2 + (size_t) h[1];
	else if (h[1] == 0x81)
		total = 3 + (size_t) h[2];
	else if (h[1] == 0x82)
		total = 4 + ((size_t) h[2] << 8 | h[3]);
	if (total < CERT_HEADER_LEN || total > CERT_MAX_LEN)
		total = 0;
out:
	return total;
}

enum jpki_result
jpki_read_certificate (struct jpki_card *card, enum jpki_file file,
                       uint8_t **der, size_t *der_len)
{
	uint8_t header[CERT_HEADER_LEN];
	uint8_t *buf = NULL;
	enum jpki_result r;
	size_t total;

	*der = NULL;
	*der_len = 0;
	if (certificate_ef (file) == NO_EF)
		return JPKI_BAD_INPUT;
	r = select_ef (card, certificate_ef (file));
	if (r != JPKI_OK)
		goto out;
	r = read_binary (card, 0, header, sizeof header);
	if (r != JPKI_OK)
		goto out;
	total = der_sequence_length (header);
	if (total == 0) {
		LOG_HEX ("not a certificate header", header, sizeof header, SIZE_MAX);
		r = JPKI_BAD_RESPONSE;
		goto out;
	}
	buf = malloc (total);
	if (buf == NULL) {
		r = JPKI_NO_MEMORY;
		goto out;
	}
	memcpy (buf, header, sizeof header);
	r = read_binary (card, sizeof header, buf + sizeof header, total - sizeof header);
	if (r != JPKI_OK)
		goto out;
	*der = buf;
	*der_len = total;
	buf = NULL;
out:
	free (buf);
	return r;
}

/* Printable ASCII only, trailing spaces dropped. */
static void
copy_label (char *label, const uint8_t *data, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (data[i] >= 0x20 && data[i] <= 0x7E)
			label[n++] = (char) data[i];
	while (n > 0 && label[n - 1] == ' ')
		n--;
	label[n] = '\0';
}

/* One read of up to le bytes of a small EF; 62 82 with less is fine. */
static enum jpki_result
read_small_ef (struct jpki_card *card, int fid, size_t le, struct answer *a)
{
	enum jpki_result r;

	r = select_ef (card, fid);
	if (r != JPKI_OK)
		goto out;
	r = send_read_binary (card, 0, le, SHOW_ALL, a);
	if (r != JPKI_OK)
		goto out;
	r = result_from_sw (a);
	if (r == JPKI_OK && a->data_len == 0)
		r = JPKI_BAD_RESPONSE;
out:
	return r;
}

enum jpki_result
jpki_read_token_info (struct jpki_card *card, char *label, size_t label_cap)
{
	struct answer a;
	enum jpki_result r;

	if (label_cap < TOKEN_INFO_LEN + 1)
		return JPKI_BAD_INPUT;
	label[0] = '\0';
	r = read_small_ef (card, EF_TOKEN_INFO, TOKEN_INFO_LEN, &a);
	if (r == JPKI_OK)
		copy_label (label, card->resp, a.data_len);
	return r;
}

enum jpki_result
jpki_read_certificate_presence (struct jpki_card *card, bool *has_sign_cert)
{
	struct answer a;
	enum jpki_result r;

	*has_sign_cert = false;
	r = read_small_ef (card, EF_PRESENCE, 1, &a);
	if (r == JPKI_OK)
		*has_sign_cert = card->resp[0] == PRESENCE_SIGN_CERT;
	return r;
}

static int
pin_ef (enum jpki_key key)
{
	return key == JPKI_KEY_SIGN ? EF_SIGN_PIN : EF_AUTH_PIN;
}

static int
key_ef (enum jpki_key key)
{
	return key == JPKI_KEY_SIGN ? EF_SIGN_KEY : EF_AUTH_KEY;
}

enum jpki_result
jpki_pin_tries (struct jpki_card *card, enum jpki_key key, int *tries)
{
	struct apdu apdu = { 0x00, 0x20, 0x00, 0x80, NULL, 0, 0 };
	struct answer a;
	enum jpki_result r;

	*tries = -1;
	r = select_ef (card, pin_ef (key));
	if (r != JPKI_OK)
		goto out;
	r = card_exchange (card, &apdu, SHOW_ALL, &a);
	if (r != JPKI_OK)
		goto out;
	if (a.meaning == SW_PIN_WRONG) {
		*tries = a.tries;
		r = a.tries == 0 ? JPKI_PIN_BLOCKED : JPKI_OK;
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

/* VERIFY with the PIN EF already selected. */
static enum jpki_result
send_verify (struct jpki_card *card, const uint8_t *pin, size_t pin_len, int *tries_left)
{
	struct apdu apdu = { 0x00, 0x20, 0x00, 0x80, pin, pin_len, 0 };
	struct answer a;
	enum jpki_result r;

	LOG ("VERIFY with a %zu-byte PIN", pin_len);
	r = card_exchange (card, &apdu, SHOW_NO_PIN, &a);
	if (r != JPKI_OK)
		goto out;
	r = result_from_sw (&a);
	if (a.meaning == SW_PIN_WRONG || a.meaning == SW_PIN_BLOCKED)
		*tries_left = a.meaning == SW_PIN_WRONG ? a.tries : 0;
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
	r = select_ef (card, pin_ef (key));
	if (r == JPKI_OK)
		r = send_verify (card, pin, pin_len, tries_left);
	return r;
}

/* CHANGE REFERENCE DATA after a successful VERIFY, PIN EF selected. */
static enum jpki_result
send_change_reference_data (struct jpki_card *card, const uint8_t *new_pin, size_t new_len)
{
	struct apdu apdu = { 0x00, 0x24, 0x01, 0x80, new_pin, new_len, 0 };
	struct answer a;
	enum jpki_result r;

	LOG ("CHANGE REFERENCE DATA with a %zu-byte PIN", new_len);
	r = card_exchange (card, &apdu, SHOW_NO_PIN, &a);
	if (r != JPKI_OK)
		goto out;
	if (a.sw == 0x6A80 || a.sw == 0x6700)
		r = JPKI_PIN_REJECTED;
	else
		r = result_from_sw (&a);
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

enum jpki_result
jpki_sign (struct jpki_card *card, enum jpki_key key,
           const uint8_t *data, size_t data_len,
           uint8_t *sig, size_t sig_cap, size_t *sig_len)
{
	struct apdu apdu = { 0x80, 0x2A, 0x00, 0x80, data, data_len, SIGNATURE_LE };
	struct answer a;
	enum jpki_result r;

	*sig_len = 0;
	if (data == NULL || data_len == 0 || data_len > SIGN_MAX_INPUT)
		return JPKI_BAD_INPUT;
	r = select_ef (card, key_ef (key));
	if (r != JPKI_OK)
		goto out;
	r = card_exchange (card, &apdu, SHOW_ALL, &a);
	if (r != JPKI_OK)
		goto out;
	if (a.meaning != SW_OK) {
		r = result_from_sw (&a);
		if (r == JPKI_OK)
			r = JPKI_BAD_RESPONSE;   /* 62 82: no warning is a signature */
		goto out;
	}
	if (a.data_len == 0 || a.data_len > sig_cap) {
		LOG ("signature of %zu bytes for a %zu-byte buffer", a.data_len, sig_cap);
		r = JPKI_BAD_RESPONSE;
		goto out;
	}
	memcpy (sig, card->resp, a.data_len);
	*sig_len = a.data_len;
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
	r = card_exchange (card, &by_id, SHOW_ALL, &a);
	if (r != JPKI_OK)
		goto out;
	if (a.meaning == SW_FILE_NOT_FOUND || a.meaning == SW_WRONG_PARAMETERS) {
		r = card_exchange (card, &plain, SHOW_ALL, &a);
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
