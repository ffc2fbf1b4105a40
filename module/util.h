/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef JPKI_UTIL_H
#define JPKI_UTIL_H

#include <string.h>
#include <time.h>

/* PKCS#11 text fields are blank-padded, not NUL-terminated. */
static inline void
pad_copy (unsigned char *dst, size_t size, const char *src)
{
	size_t n = strlen (src);
	memset (dst, ' ', size);
	memcpy (dst, src, n < size ? n : size);
}

/* Milliseconds of a clock that never goes back. */
static inline long long
monotonic_ms (void)
{
	struct timespec ts;

	clock_gettime (CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

#endif
