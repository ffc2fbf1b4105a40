/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ISO 7816-4 command encoding (short and extended length) and the one
 * place where status words get a meaning. */
#include "apdu.h"

#include <string.h>

#define APDU_EXTENDED_MAX_DATA 65535

static bool
fits_short (const struct apdu *apdu)
{
	return apdu->data_len <= APDU_SHORT_MAX_DATA && apdu->le <= APDU_SHORT_MAX_LE;
}

/* Short form: [Lc data] [Le], Le 256 written as 00. */
static size_t
encode_short_body (const struct apdu *apdu, uint8_t *p)
{
	size_t n = 0;

	if (apdu->data_len > 0) {
		p[n++] = (uint8_t) apdu->data_len;
		memcpy (p + n, apdu->data, apdu->data_len);
		n += apdu->data_len;
	}
	if (apdu->le > 0)
		p[n++] = (uint8_t) apdu->le;
	return n;
}

/* Extended form: 00 Lc1 Lc2 data [Le1 Le2], or 00 Le1 Le2 without data;
 * Le 65536 written as 00 00. */
static size_t
encode_extended_body (const struct apdu *apdu, uint8_t *p)
{
	size_t n = 0;

	p[n++] = 0x00;
	if (apdu->data_len > 0) {
		p[n++] = (uint8_t) (apdu->data_len >> 8);
		p[n++] = (uint8_t) apdu->data_len;
		memcpy (p + n, apdu->data, apdu->data_len);
		n += apdu->data_len;
	}
	if (apdu->le > 0) {
		p[n++] = (uint8_t) (apdu->le >> 8);
		p[n++] = (uint8_t) apdu->le;
	}
	return n;
}

static size_t
encoded_length (const struct apdu *apdu)
{
	size_t n = 4;

	if (fits_short (apdu))
		return n + (apdu->data_len > 0 ? 1 + apdu->data_len : 0) + (apdu->le > 0 ? 1 : 0);
	n += 1;   /* the extended marker 00 */
	if (apdu->data_len > 0)
		n += 2 + apdu->data_len;
	if (apdu->le > 0)
		n += 2;
	return n;
}

size_t
apdu_encode (const struct apdu *apdu, uint8_t *out, size_t out_cap)
{
	size_t len = 0;

	if (apdu == NULL || out == NULL)
		goto out;
	if (apdu->data_len > APDU_EXTENDED_MAX_DATA || apdu->le > APDU_EXTENDED_MAX_LE)
		goto out;
	if (apdu->data_len > 0 && apdu->data == NULL)
		goto out;
	if (encoded_length (apdu) > out_cap)
		goto out;
	out[0] = apdu->cla;
	out[1] = apdu->ins;
	out[2] = apdu->p1;
	out[3] = apdu->p2;
	if (fits_short (apdu))
		len = 4 + encode_short_body (apdu, out + 4);
	else
		len = 4 + encode_extended_body (apdu, out + 4);
out:
	return len;
}

/* Exact status words with a fixed meaning. */
static const struct {
	uint16_t sw;
	enum sw_meaning meaning;
} exact_status[] = {
	{ 0x9000, SW_OK },
	{ 0x6282, SW_END_OF_FILE },
	{ 0x6983, SW_PIN_BLOCKED },
	{ 0x6984, SW_PIN_BLOCKED },
	{ 0x6982, SW_SECURITY_STATUS },
	{ 0x6986, SW_NO_CURRENT_EF },
	{ 0x6A82, SW_FILE_NOT_FOUND },
	{ 0x6700, SW_WRONG_LENGTH },
	{ 0x6A86, SW_WRONG_PARAMETERS },
	{ 0x6B00, SW_WRONG_PARAMETERS },
	{ 0x6A80, SW_WRONG_DATA },
	{ 0x6D00, SW_NOT_SUPPORTED },
	{ 0x6E00, SW_NOT_SUPPORTED },
};

/* A count is taken from SW2 only when SW1 is 63 and SW2's high nibble is
 * C (tries), or when SW1 is 6C (a length). */
enum sw_meaning
apdu_status (uint16_t sw, int *count)
{
	enum sw_meaning meaning = SW_OTHER_ERROR;
	uint8_t sw1 = (uint8_t) (sw >> 8);
	int n = -1;
	size_t i;

	for (i = 0; i < sizeof exact_status / sizeof exact_status[0]; i++)
		if (exact_status[i].sw == sw) {
			meaning = exact_status[i].meaning;
			goto out;
		}
	if ((sw & 0xFFF0) == 0x63C0) {
		meaning = SW_PIN_WRONG;
		n = sw & 0x0F;
	} else if (sw1 == 0x62 || sw1 == 0x63) {
		meaning = SW_WARNING;
	} else if (sw1 == 0x6C) {
		meaning = SW_WRONG_LE;
		n = sw & 0xFF;
	}
out:
	if (count != NULL)
		*count = n;
	return meaning;
}

bool
apdu_split_response (const uint8_t *resp, size_t resp_len, size_t *data_len, uint16_t *sw)
{
	if (resp == NULL || resp_len < 2)
		return false;
	*data_len = resp_len - 2;
	*sw = (uint16_t) (resp[resp_len - 2] << 8 | resp[resp_len - 1]);
	return true;
}
