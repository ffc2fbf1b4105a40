/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the JPKI application's files: certificates (length from their
 * own DER header, checked against what the card returns), token
 * information and certificate presence. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "jpki-private.h"
#include "log.h"

/* One READ BINARY; the data is left in card->resp. */
static enum jpki_result
send_read_binary (struct jpki_card *card, size_t offset, size_t le, enum exchange_log show,
                  struct answer *a)
{
	struct apdu apdu = { 0x00, 0xB0, (uint8_t) (offset >> 8), (uint8_t) offset, NULL, 0, le };

	return jpki_exchange (card, &apdu, show, a);
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

void
jpki_use_short_reads (struct jpki_card *card)
{
	card->no_extended = true;
}

bool
jpki_short_reads_only (const struct jpki_card *card)
{
	return card->no_extended;
}

/* A reader that cannot carry extended-length APDUs may refuse one itself
 * (the CCID driver does), so that the card never sees it: the transport
 * fails instead of the card answering 67 00.  From then on this card is
 * read in short reads.  The failure made the selection unknown, so the
 * EF is selected again. */
static enum jpki_result
fall_back_to_short_reads (struct jpki_card *card, int fid)
{
	LOG ("extended READ BINARY failed in the reader; short reads from now on");
	card->no_extended = true;
	return jpki_select_ef (card, fid);
}

/* Reads exactly len bytes of EF fid (current) from offset into out.  Each
 * read must make progress; 62 82 is accepted once we have len bytes. */
static enum jpki_result
read_binary (struct jpki_card *card, int fid, size_t offset, uint8_t *out, size_t len)
{
	size_t done = 0, le_cap = SIZE_MAX;
	enum jpki_result r = JPKI_OK;
	struct answer a;

	while (done < len) {
		size_t le = next_read_length (card, len - done, le_cap);

		r = send_read_binary (card, offset + done, le, SHOW_NO_ANSWER_DATA, &a);
		if (r == JPKI_TRANSPORT_ERROR && le > APDU_SHORT_MAX_LE) {
			r = fall_back_to_short_reads (card, fid);
			if (r != JPKI_OK)
				goto out;
			continue;
		}
		if (r != JPKI_OK)
			goto out;
		if ((a.meaning == SW_WRONG_LENGTH || a.meaning == SW_WRONG_LE) &&
		    le > APDU_SHORT_MAX_LE) {
			LOG ("extended read refused (%04X); short reads from now on", a.sw);
			card->no_extended = true;
			continue;
		}
		if (a.meaning == SW_WRONG_LE && a.count != 0 && (size_t) a.count < le) {
			le_cap = (size_t) a.count;
			continue;
		}
		if (a.meaning != SW_OK && a.meaning != SW_END_OF_FILE) {
			r = jpki_result_from_sw (&a);
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

static enum jpki_result
read_certificate_once (struct jpki_card *card, enum jpki_file file, uint8_t **der,
                       size_t *der_len)
{
	uint8_t header[CERT_HEADER_LEN];
	uint8_t *buf = NULL;
	enum jpki_result r;
	size_t total;

	*der = NULL;
	*der_len = 0;
	if (certificate_ef (file) == NO_EF)
		return JPKI_BAD_INPUT;
	r = jpki_select_ef (card, certificate_ef (file));
	if (r != JPKI_OK)
		goto out;
	r = read_binary (card, certificate_ef (file), 0, header, sizeof header);
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
	r = read_binary (card, certificate_ef (file), sizeof header, buf + sizeof header,
	                 total - sizeof header);
	if (r != JPKI_OK)
		goto out;
	*der = buf;
	*der_len = total;
	buf = NULL;
out:
	if (buf != NULL)
		OPENSSL_cleanse (buf, total);
	free (buf);
	return r;
}

enum jpki_result
jpki_read_certificate (struct jpki_card *card, enum jpki_file file,
                       uint8_t **der, size_t *der_len)
{
	enum jpki_result r = read_certificate_once (card, file, der, der_len);

	if (jpki_retry_with_selection (card, r))
		r = read_certificate_once (card, file, der, der_len);
	return r;
}

enum jpki_result
jpki_read_certificate_into (struct jpki_card *card, enum jpki_file file, jpki_cert_taker *take,
                            void *ctx)
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	enum jpki_result r = jpki_read_certificate (card, file, &der, &der_len);
	bool taken;

	if (r != JPKI_OK)
		return r;
	taken = take (ctx, der, der_len);
	OPENSSL_cleanse (der, der_len);
	free (der);
	if (taken)
		return JPKI_OK;
	LOG ("%s: not a usable certificate", jpki_file_name (file));
	if (jpki_retry_with_selection (card, JPKI_BAD_RESPONSE))
		return jpki_read_certificate_into (card, file, take, ctx);
	return JPKI_BAD_RESPONSE;
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

	r = jpki_select_ef (card, fid);
	if (r != JPKI_OK)
		goto out;
	r = send_read_binary (card, 0, le, SHOW_ALL, a);
	if (r != JPKI_OK)
		goto out;
	r = jpki_result_from_sw (a);
	if (r == JPKI_OK && a->data_len == 0)
		r = JPKI_BAD_RESPONSE;
out:
	if (jpki_retry_with_selection (card, r))
		r = read_small_ef (card, fid, le, a);
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
