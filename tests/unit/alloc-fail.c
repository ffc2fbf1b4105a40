/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OpenSSL allocations that fail on demand (alloc-fail.h). */
#include <stdlib.h>

#include <openssl/crypto.h>

#include "alloc-fail.h"

long alloc_countdown = -1;

static void *
test_malloc (size_t n, const char *file, int line)
{
	(void) file;
	(void) line;
	if (alloc_countdown == 0)
		return NULL;
	if (alloc_countdown > 0)
		alloc_countdown--;
	return malloc (n);
}

static void *
test_realloc (void *p, size_t n, const char *file, int line)
{
	(void) file;
	(void) line;
	if (alloc_countdown == 0)
		return NULL;
	if (alloc_countdown > 0)
		alloc_countdown--;
	return realloc (p, n);
}

static void
test_free (void *p, const char *file, int line)
{
	(void) file;
	(void) line;
	free (p);
}

bool
alloc_fail_install (void)
{
	return CRYPTO_set_mem_functions (test_malloc, test_realloc, test_free) != 0;
}

int
alloc_fail_run_suite (Suite *(*make_suite) (void))
{
	SRunner *sr;
	int failed;

	/* Before OpenSSL allocates anything, or it refuses. */
	if (!alloc_fail_install ())
		return EXIT_FAILURE;
	sr = srunner_create (make_suite ());
	srunner_run_all (sr, CK_NORMAL);
	failed = srunner_ntests_failed (sr);
	srunner_free (sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
