/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The APDU log that tests read: one line per command, response or event,
 *   2026-11-25T04:31:32.123456Z C 00A4040C0AD392F000260100000001
 *   2026-11-25T04:31:32.123501Z R 9000
 *   2026-11-25T04:31:32.200000Z E power-on
 * PIN bytes of VERIFY and CHANGE REFERENCE DATA are written as "**". */
#ifndef VCARD_APDU_LOG_H
#define VCARD_APDU_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Opens path for appending; NULL with errno set on failure. */
FILE *apdu_log_open(const char *path);

/* Each writes one line and flushes it.  A NULL log does nothing. */
void apdu_log_command(FILE *log, const uint8_t *cmd, size_t len);
void apdu_log_response(FILE *log, const uint8_t *resp, size_t len);
void apdu_log_event(FILE *log, const char *event);

#endif
