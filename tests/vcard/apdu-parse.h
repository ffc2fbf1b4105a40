/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Command APDU parsing (ISO 7816-3/4 cases 1-4, short and extended). */
#ifndef VCARD_APDU_PARSE_H
#define VCARD_APDU_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COMMAND_APDU_MAX_LE 65536

struct command_apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;    /* points into the raw APDU; NULL when lc is 0 */
	size_t lc;              /* data length; 0 when Lc is absent */
	size_t le;              /* 0 when Le is absent, else 1..65536 */
	bool extended;          /* Lc/Le used the 3/2-byte extended forms */
};

/* Fills *out from raw bytes.  False when the APDU is shorter than 4 bytes,
 * when its length bytes disagree with its size, or when it is extended and
 * allow_extended is false: the card answers all three with 67 00. */
bool command_apdu_parse(const uint8_t *raw, size_t len, bool allow_extended,
			struct command_apdu *out);

#endif
