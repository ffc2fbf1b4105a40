/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A card transport that answers with fuzzer bytes.  The input is a row of
 * answers, each a 2-byte big-endian length and that many bytes (status
 * word included; fewer if the input ends).  Lengths from FUZZ_REMOVED up
 * are transport results instead of answers.  Once the input is used up,
 * every command fails as if the reader were gone. */
#ifndef FUZZ_TRANSPORT_H
#define FUZZ_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "jpki.h"

#define FUZZ_REMOVED 0xFFFF
#define FUZZ_RESET 0xFFFE
#define FUZZ_FAILED 0xFFFD

struct fuzz_input {
	const uint8_t *data;
	size_t len, pos;
	/* What the module sent that can cost the card holder a PIN try. */
	unsigned verifies_with_pin;
	unsigned pin_changes;
};

/* A transport over input, which must outlive it. */
struct jpki_transport fuzz_transport (struct fuzz_input *input);

/* Appends one answer to out (cap bytes), as the input format wants;
 * returns the new length, or 0 when it does not fit. */
size_t fuzz_frame_answer (uint8_t *out, size_t out_len, size_t cap,
                          const uint8_t *resp, size_t resp_len);

#endif
