/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The PKCS#11 layer linked into the test program over the fake PC/SC
 * library (fake-pcsc.h), with a virtual card (tests/vcard) in its one
 * reader: set-up, tear-down and small helpers for the p11-* unit tests. */
#ifndef JPKI_TEST_P11_FIXTURE_H
#define JPKI_TEST_P11_FIXTURE_H

#include <check.h>
#include <p11-kit/pkcs11.h>

#include "jpki-pkcs11.h"

#define SLOT_AUTH JPKI_PKCS11_SLOT_AUTH (0)
#define SLOT_SIGN JPKI_PKCS11_SLOT_SIGN (0)

/* The module's entry points, as C_GetFunctionList gives them. */
extern CK_FUNCTION_LIST_PTR p11;

#define N_ROWS(a) (sizeof (a) / sizeof (a)[0])

/* A test program's main: makes the cards' keys and certificates, runs
 * suite, cleans up; the exit status. */
int p11_run_suite (Suite *suite);
/* A test case of suite whose every test has an adult card in the reader
 * and the module initialised with OS locking. */
TCase *p11_card_case (Suite *suite, const char *name);

/* The card's PIN tries left for slot's token, from its state files
 * (3 or 5 when it has written none). */
int card_tries (CK_SLOT_ID slot);

/* The right PIN of slot's token. */
const char *slot_pin (CK_SLOT_ID slot);

/* A session on slot (CKF_SERIAL_SESSION added), asserting CKR_OK. */
CK_SESSION_HANDLE open_session (CK_SLOT_ID slot, CK_FLAGS flags);
/* C_Login with the right PIN, asserting CKR_OK. */
void login (CK_SESSION_HANDLE session, CK_SLOT_ID slot);
/* The token's private key, asserting there is exactly one. */
CK_OBJECT_HANDLE find_private_key (CK_SESSION_HANDLE session);
/* Whether sig (256 bytes) is data's SHA256-RSA-PKCS signature by the
 * slot's key. */
int signature_verifies (CK_SLOT_ID slot, const CK_BYTE *data, CK_ULONG data_len,
                        const CK_BYTE *sig, CK_ULONG sig_len);

#define ck_assert_rv(call, want) ck_assert_uint_eq ((CK_RV) (call), (CK_RV) (want))

#endif
