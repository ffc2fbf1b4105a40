/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What each fuzz target does with the card layer, over any transport:
 * the fuzzer's (fuzz-*.c) or the virtual card's (make-seeds.c, which
 * records the answers as seeds).  Each checks what the module promises
 * about the results and aborts when a promise is broken. */
#ifndef FUZZ_DRIVE_H
#define FUZZ_DRIVE_H

#include "jpki.h"

struct fuzz_input;

/* Select, token information, EF 0008, the four certificate EFs read and
 * parsed as the module binds a card; then again, on the same card. */
void drive_bind (const struct jpki_transport *t);
/* Tries left for both PINs, VERIFY, a PIN change, logout.  counted, the
 * fuzz transport's input, says which commands went out (NULL: unknown). */
void drive_pin (const struct jpki_transport *t, const struct fuzz_input *counted);
/* For each key: its certificate read and parsed, a signature, and the
 * host's check of the signature against it. */
void drive_sign (const struct jpki_transport *t);

/* The debug log on, into /dev/null, so that its formatting of card data
 * is fuzzed too. */
void drive_log_on (void);

#endif
