/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fake certificate EFs (fake-cert.h). */
#include <check.h>
#include <stdlib.h>

#include "fake-cert.h"
#include "script-transport.h"

uint8_t *
make_cert (size_t total)
{
	uint8_t *c = malloc (total);
	size_t i;

	c[0] = 0x30;
	c[1] = 0x82;
	c[2] = (uint8_t) ((total - 4) >> 8);
	c[3] = (uint8_t) (total - 4);
	for (i = 4; i < total; i++)
		c[i] = (uint8_t) (i * 7 + 3);
	return c;
}

void
assert_reads_cert (enum jpki_file file, const uint8_t *cert, size_t total)
{
	uint8_t *der = NULL;
	size_t len = 0;

	ck_assert_int_eq (jpki_read_certificate (card, file, &der, &len), JPKI_OK);
	ck_assert_uint_eq (len, total);
	ck_assert_mem_eq (der, cert, total);
	free (der);
}

void
assert_cert_refused (enum jpki_file file, enum jpki_result expected)
{
	uint8_t *der = (uint8_t *) "junk";
	size_t len = 77;

	ck_assert_int_eq (jpki_read_certificate (card, file, &der, &len), expected);
	ck_assert_ptr_null (der);
	ck_assert_uint_eq (len, 0);
}
