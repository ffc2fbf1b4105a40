/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OpenSSL allocations that fail on demand, for tests that check every
 * failure path for leaks (ASan, valgrind). */
#ifndef ALLOC_FAIL_H
#define ALLOC_FAIL_H

#include <stdbool.h>

#include <check.h>

/* OpenSSL allocations fail once this reaches zero; -1: never. */
extern long alloc_countdown;

/* Routes OpenSSL's allocations through alloc_countdown.  Call it before
 * OpenSSL allocates anything, or it refuses: false then. */
bool alloc_fail_install (void);
/* A test program's main: alloc_fail_install, then the suite make_suite
 * builds is run; the exit status. */
int alloc_fail_run_suite (Suite *(*make_suite) (void));

#endif
