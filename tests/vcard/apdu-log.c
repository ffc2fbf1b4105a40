/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "apdu-log.h"

#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "apdu-parse.h"

FILE *apdu_log_open(const char *path)
{
	FILE *log = fopen(path, "ae");

	if (log)
		setvbuf(log, NULL, _IOLBF, 0);
	return log;
}

/* "2026-11-25T04:31:32.123456Z", UTC with microseconds. */
static void format_timestamp(char *buf, size_t size)
{
	struct timespec now;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%06ldZ", now.tv_nsec / 1000);
}

/* Bytes [mask_from, mask_to) are PIN bytes. */
static void write_hex_line(FILE *log, char kind, const uint8_t *bytes, size_t len,
			   size_t mask_from, size_t mask_to)
{
	static const char digits[] = "0123456789ABCDEF";
	char stamp[40];
	char *hex = malloc(len * 2 + 1);

	if (!hex)
		goto out;
	for (size_t i = 0; i < len; i++) {
		bool masked = i >= mask_from && i < mask_to;

		hex[2 * i] = masked ? '*' : digits[bytes[i] >> 4];
		hex[2 * i + 1] = masked ? '*' : digits[bytes[i] & 0x0F];
	}
	hex[len * 2] = '\0';
	format_timestamp(stamp, sizeof(stamp));
	fprintf(log, "%s %c %s\n", stamp, kind, hex);
	fflush(log);
out:
	free(hex);
}

void apdu_log_command(FILE *log, const uint8_t *cmd, size_t len)
{
	struct command_apdu apdu;
	size_t mask_from = len, mask_to = len;

	if (!log)
		return;
	if (len >= 2 && (cmd[1] == 0x20 || cmd[1] == 0x24)) {
		/* A malformed PIN command still hides everything after the header. */
		mask_from = 4;
		if (command_apdu_parse(cmd, len, true, &apdu)) {
			mask_from = apdu.lc ? (size_t)(apdu.data - cmd) : len;
			mask_to = mask_from + apdu.lc;
		}
	}
	write_hex_line(log, 'C', cmd, len, mask_from, mask_to);
}

void apdu_log_response(FILE *log, const uint8_t *resp, size_t len)
{
	if (log)
		write_hex_line(log, 'R', resp, len, len, len);
}

void apdu_log_event(FILE *log, const char *event)
{
	char stamp[40];

	if (!log)
		return;
	format_timestamp(stamp, sizeof(stamp));
	fprintf(log, "%s E %s\n", stamp, event);
	fflush(log);
}
