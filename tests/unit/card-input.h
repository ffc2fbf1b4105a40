/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the card would be asked to sign, for the mechanism tests. */
#ifndef CARD_INPUT_H
#define CARD_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "mech.h"

/* One sign_op over data in a single update, then its card input: the
 * DigestInfo, raw data or PSS hash (mech.h). */
CK_RV card_input_of (CK_MECHANISM_TYPE type, const void *data, size_t len, uint8_t *out,
                     size_t *out_len);
/* The same with the first bytes of data in one update, an empty update,
 * then the rest. */
CK_RV card_input_in_two (CK_MECHANISM_TYPE type, const void *data, size_t first, size_t len,
                         uint8_t *out, size_t *out_len);

#endif
