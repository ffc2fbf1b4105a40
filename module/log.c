/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The debug log sink.  One line per call, "jpki-pkcs11: file:line func:
 * message", written under a mutex so that threads do not interleave. */
#define _GNU_SOURCE   /* secure_getenv */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "jpki-pkcs11: "
/* Bytes per chunk of a hex dump: the line is written in pieces. */
#define HEX_CHUNK 64

bool jpki_log_enabled;

static FILE *log_file;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *
base_name (const char *path)
{
	const char *slash = strrchr (path, '/');
	return slash != NULL ? slash + 1 : path;
}

/* "" and "0" mean off.  secure_getenv: a set-uid program (su, sudo
 * through pam_p11) must not append to a file its caller names. */
void
jpki_log_open (void)
{
	const char *value = secure_getenv ("JPKI_PKCS11_DEBUG");

	pthread_mutex_lock (&log_lock);
	if (log_file != NULL || value == NULL)
		goto out;
	if (value[0] == '\0' || strcmp (value, "0") == 0)
		goto out;
	if (strcmp (value, "1") == 0 || strcmp (value, "stderr") == 0)
		log_file = stderr;
	else
		log_file = fopen (value, "ae");
	jpki_log_enabled = log_file != NULL;
out:
	pthread_mutex_unlock (&log_lock);
}

void
jpki_log_close (void)
{
	pthread_mutex_lock (&log_lock);
	jpki_log_enabled = false;
	if (log_file != NULL && log_file != stderr)
		fclose (log_file);
	log_file = NULL;
	pthread_mutex_unlock (&log_lock);
}

/* Caller holds log_lock. */
static void
write_prefix_loglocked (const char *file, int line, const char *func)
{
	fprintf (log_file, LOG_PREFIX "%s:%d %s: ", base_name (file), line, func);
}

void
jpki_log_write (const char *file, int line, const char *func, const char *fmt, ...)
{
	va_list args;

	pthread_mutex_lock (&log_lock);
	if (log_file == NULL)
		goto out;
	write_prefix_loglocked (file, line, func);
	va_start (args, fmt);
	vfprintf (log_file, fmt, args);
	va_end (args);
	fputc ('\n', log_file);
	fflush (log_file);
out:
	pthread_mutex_unlock (&log_lock);
}

void
jpki_log_hex (const char *file, int line, const char *func, const char *what,
              const uint8_t *data, size_t len, size_t mask_from)
{
	char chunk[HEX_CHUNK * 3 + 1];
	size_t i, n = 0;

	pthread_mutex_lock (&log_lock);
	if (log_file == NULL)
		goto out;
	write_prefix_loglocked (file, line, func);
	fprintf (log_file, "%s (%zu bytes):", what, len);
	for (i = 0; i < len; i++) {
		if (i >= mask_from)
			memcpy (chunk + n, " **", 4);
		else
			snprintf (chunk + n, 4, " %02X", data[i]);
		n += 3;
		if (n == sizeof chunk - 1 || i + 1 == len) {
			fputs (chunk, log_file);
			n = 0;
		}
	}
	fputc ('\n', log_file);
	fflush (log_file);
out:
	pthread_mutex_unlock (&log_lock);
}
