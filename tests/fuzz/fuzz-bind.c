/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the card answers binding a card: token information, EF 0008, the certificate EFs. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drive.h"
#include "fuzz-transport.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	static bool log_on;
	struct fuzz_input in = { data, size, 0, 0, 0 };
	struct jpki_transport t = fuzz_transport (&in);

	if (!log_on) {
		drive_log_on ();
		log_on = true;
	}
	drive_bind (&t);
	return 0;
}
