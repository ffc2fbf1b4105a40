/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "apdu-parse.h"

#include <string.h>

/* Byte 4 decides: absent = case 1; a nonzero value = short Lc or short Le;
 * zero followed by more bytes = extended (ISO 7816-3 12.1.3). */
bool command_apdu_parse(const uint8_t *raw, size_t len, bool allow_extended,
			struct command_apdu *out)
{
	bool ok = false;
	size_t body;

	memset(out, 0, sizeof(*out));
	if (len < 4)
		goto out;
	out->cla = raw[0];
	out->ins = raw[1];
	out->p1 = raw[2];
	out->p2 = raw[3];
	body = len - 4;

	if (body == 0) {
		ok = true;
	} else if (body == 1) {
		out->le = raw[4] ? raw[4] : 256;
		ok = true;
	} else if (raw[4] != 0) {
		size_t lc = raw[4];

		if (body != 1 + lc && body != 2 + lc)
			goto out;
		out->lc = lc;
		out->data = raw + 5;
		if (body == 2 + lc)
			out->le = raw[5 + lc] ? raw[5 + lc] : 256;
		ok = true;
	} else {
		size_t lc;

		out->extended = true;
		if (!allow_extended || body < 3)
			goto out;
		lc = (size_t)raw[5] << 8 | raw[6];
		if (body == 3) {
			out->le = lc ? lc : COMMAND_APDU_MAX_LE;
			ok = true;
			goto out;
		}
		if (lc == 0 || (body != 3 + lc && body != 5 + lc))
			goto out;
		out->lc = lc;
		out->data = raw + 7;
		if (body == 5 + lc) {
			size_t le = (size_t)raw[7 + lc] << 8 | raw[8 + lc];

			out->le = le ? le : COMMAND_APDU_MAX_LE;
		}
		ok = true;
	}
out:
	return ok;
}
