/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Steps the module's test cases share: the two keys' slots, certificates
 * and EFs, logging in and signing, another program using the card, and a
 * Check case with the module initialised.  They assert with Check. */
#ifndef JPKI_TEST_HELPERS_H
#define JPKI_TEST_HELPERS_H

#include <stdbool.h>

#include "card-state.h"
#include "cert.h"
#include "p11.h"

static inline CK_SLOT_ID key_slot (enum key key) { return key == KEY_AUTH ? SLOT_AUTH : SLOT_SIGN; }
static inline enum key key_other (enum key key) { return key == KEY_AUTH ? KEY_SIGN : KEY_AUTH; }
/* The key's EF, as raw-sign takes it. */
static inline const char *key_fid (enum key key) { return key == KEY_AUTH ? "0017" : "001A"; }
/* "auth.crt" or "sign.crt". */
const char *key_cert (enum key key);

/* Opens a session on key's token, logs in with the card's PIN and returns
 * the private key. */
CK_OBJECT_HANDLE login_key (enum key key, CK_SESSION_HANDLE *session);
/* Signs with mech over data and checks the signature with OpenSSL. */
void sign_and_check (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, enum key which,
                     CK_MECHANISM_TYPE mech, const unsigned char *data, CK_ULONG len);
/* login_key, then sign_and_check over text; the session, still logged in. */
CK_SESSION_HANDLE login_and_sign (enum key key, CK_MECHANISM_TYPE mech, const char *text);

/* Runs child (arg) in a forked process; fails unless it returns 0. */
void run_in_child (int (*child) (void *arg), void *arg);
/* Another program, a child with its own module instance: C_Initialize,
 * C_OpenSession on slot, and C_Login with pin, which must answer want.
 * Then C_Finalize, or with finalize false, an exit as if it died. */
void other_program_login (CK_SLOT_ID slot, const char *pin, CK_RV want, bool finalize);

/* Whether hay holds needle, ignoring case. */
bool contains_ci (const char *hay, const char *needle);

/* The attribute's value is the want_len bytes at want; a certificate
 * object's CKA_VALUE is the profile's certificate name. */
void assert_attr_eq (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                     const void *want, size_t want_len);
void assert_cert_value (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, const char *name);
/* A whole file, NUL-terminated (free); fails the case when unreadable. */
char *read_file (const char *path, size_t *len);
/* Monotonic milliseconds; a sleep of ms. */
long long now_ms (void);
void sleep_ms (long ms);
/* Runs a reader action of tests/with-card (remove, insert, pull, reset,
 * pcscd-stop, pcscd-start); fails the case if it fails. */
void reader_action (const char *action);
/* Whether slot's token is present, as C_GetSlotInfo says; waiting for
 * it to be (or not be), failing after 20 s. */
bool token_present (CK_SLOT_ID slot);
void wait_token (CK_SLOT_ID slot, bool present);
/* A case with the module loaded and initialised (p11_setup/p11_teardown). */
TCase *tcase_new (const char *name);

#endif
