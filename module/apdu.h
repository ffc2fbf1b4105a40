/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ISO 7816-4 APDU encoding and status-word decoding: no file ids, no PINs. */
#ifndef JPKI_APDU_H
#define JPKI_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APDU_SHORT_MAX_DATA 255
#define APDU_SHORT_MAX_LE 256
#define APDU_EXTENDED_MAX_LE 65536

struct apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;   /* may be NULL when data_len is 0 */
	size_t data_len;
	size_t le;             /* 0: no response data expected */
};

/* Encodes short when data_len <= 255 and le <= 256, else extended.
 * Returns the encoded length, or 0 when out_cap is too small or the
 * lengths fit no encoding. */
size_t apdu_encode (const struct apdu *apdu, uint8_t *out, size_t out_cap);

/* What a status word means, decoded once. */
enum sw_meaning {
	SW_OK,                   /* 90 00 */
	SW_END_OF_FILE,          /* 62 82: fewer bytes than Le, data is valid */
	SW_WARNING,              /* other 62 xx / 63 xx warnings */
	SW_PIN_WRONG,            /* 63 Cx: *count = x tries left (0 means now blocked) */
	SW_PIN_BLOCKED,          /* 69 83, 69 84 */
	SW_SECURITY_STATUS,      /* 69 82 */
	SW_NO_CURRENT_EF,        /* 69 86 */
	SW_FILE_NOT_FOUND,       /* 6A 82 */
	SW_WRONG_LENGTH,         /* 67 00: Lc or Le wrong */
	SW_WRONG_LE,             /* 6C xx: *count = xx, the Le the card would answer */
	SW_WRONG_DATA,           /* 6A 80: the command's data refused */
	SW_WRONG_PARAMETERS,     /* 6A 86, 6B 00 */
	SW_NOT_SUPPORTED,        /* 6D 00, 6E 00 */
	SW_OTHER_ERROR,
};

/* *count (may be NULL): the number SW2 carries for SW_PIN_WRONG and
 * SW_WRONG_LE, -1 for every other word. */
enum sw_meaning apdu_status (uint16_t sw, int *count);

/* Splits a response into data and status word; false when shorter than 2. */
bool apdu_split_response (const uint8_t *resp, size_t resp_len, size_t *data_len, uint16_t *sw);

#endif
