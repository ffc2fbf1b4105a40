/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fake certificate EFs, and reading them back through the card of the
 * scripted transport (script-transport.h). */
#ifndef FAKE_CERT_H
#define FAKE_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "jpki.h"

/* A fake DER SEQUENCE of total bytes: 30 82 LL LL and a pattern; to free. */
uint8_t *make_cert (size_t total);

/* Reads file and checks that it gives back cert. */
void assert_reads_cert (enum jpki_file file, const uint8_t *cert, size_t total);

/* Reading file fails with expected and leaves no certificate. */
void assert_cert_refused (enum jpki_file file, enum jpki_result expected);

#endif
