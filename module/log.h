/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Debug log: off unless JPKI_PKCS11_DEBUG is set ("1"/"stderr" for
 * stderr, anything else is a file path to append to).  Never log a PIN. */
#ifndef JPKI_LOG_H
#define JPKI_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern bool jpki_log_enabled;

void jpki_log_open (void);
void jpki_log_close (void);
void jpki_log_write (const char *file, int line, const char *func,
                     const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));
/* Hex dump of an APDU; "mask_from" bytes onward are printed as "**"
 * (use SIZE_MAX for no masking). */
void jpki_log_hex (const char *file, int line, const char *func, const char *what,
                   const uint8_t *data, size_t len, size_t mask_from);

#define LOG(...) \
	do { if (jpki_log_enabled) jpki_log_write (__FILE__, __LINE__, __func__, __VA_ARGS__); } while (0)
#define LOG_HEX(what, data, len, mask_from) \
	do { if (jpki_log_enabled) jpki_log_hex (__FILE__, __LINE__, __func__, what, data, len, mask_from); } while (0)

#endif
