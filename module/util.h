/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef JPKI_UTIL_H
#define JPKI_UTIL_H

#include <string.h>

/* PKCS#11 text fields are blank-padded, not NUL-terminated. */
static inline void
pad_copy (unsigned char *dst, size_t size, const char *src)
{
	size_t n = strlen (src);
	memset (dst, ' ', size);
	memcpy (dst, src, n < size ? n : size);
}

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

#endif
