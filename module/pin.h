/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PIN shape rules, checked on the host so that a PIN of the wrong shape
 * never reaches the card (it would cost a try). */
#ifndef JPKI_PIN_H
#define JPKI_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki.h"

#define PIN_MAX_LEN 16

enum pin_shape {
	PIN_SHAPE_OK = 0,
	PIN_SHAPE_TOO_SHORT,
	PIN_SHAPE_TOO_LONG,
	PIN_SHAPE_BAD_CHARACTER,
	PIN_SHAPE_NOT_MIXED,     /* new signature PIN needs letters and digits */
};

/* Checks pin against key's rules and copies it, folded to upper case for
 * the signature PIN, into out (PIN_MAX_LEN bytes).  for_new_pin adds the
 * rule for setting a PIN (letters and digits mixed).  out is written only
 * on PIN_SHAPE_OK; the caller wipes it with pin_wipe. */
enum pin_shape pin_prepare (enum jpki_key key, const uint8_t *pin, size_t pin_len,
                            bool for_new_pin, uint8_t out[PIN_MAX_LEN], size_t *out_len);

/* For the debug log: which rule a PIN broke (never the PIN). */
const char *pin_shape_reason (enum pin_shape shape);

void pin_wipe (void *buf, size_t len);

/* Maximum tries of each PIN: auth 3, sign 5. */
int pin_max_tries (enum jpki_key key);

#endif
