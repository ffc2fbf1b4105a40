/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PKCS#11 for the module tests: loading a module, Check fixtures, names
 * of return values, sessions, tokens, objects, attributes and signing.
 * Helpers whose name has no _rv suffix assert with Check. */
#ifndef JPKI_TEST_P11_H
#define JPKI_TEST_P11_H

#include <stddef.h>

#include <check.h>
#include <p11-kit/pkcs11.h>

/* Slots with tests/with-card: reader 0 holds the card, reader 1 is empty. */
#define SLOT_AUTH 0
#define SLOT_SIGN 1
#define SLOT_EMPTY_AUTH 2
#define SLOT_EMPTY_SIGN 3
#define SLOT_COUNT 4

/* The module under test, once p11_load has run. */
extern CK_FUNCTION_LIST_PTR p11;

const char *rv_name (CK_RV rv);
const char *mech_name (CK_MECHANISM_TYPE mech);

#define ck_assert_rv(expr, want)                                                   \
	do {                                                                       \
		CK_RV _got = (expr), _want = (want);                               \
		ck_assert_msg (_got == _want, "%s: got %s (0x%lx), want %s (0x%lx)", \
		               #expr, rv_name (_got), _got, rv_name (_want), _want);  \
	} while (0)

/* Loads a module by path and returns its function list (exits on failure). */
CK_FUNCTION_LIST_PTR p11_load_module (const char *path);
/* $JPKI_MODULE, else $JPKI_BUILD_DIR/module/jpki-pkcs11.so. */
const char *p11_module_path (void);
void p11_load (void);

/* Check fixtures: load, C_Initialize (NULL); C_Finalize if still needed. */
void p11_setup (void);
void p11_teardown (void);

CK_SESSION_HANDLE p11_open (CK_SLOT_ID slot);
CK_RV p11_login_rv (CK_SESSION_HANDLE s, const char *pin);
void p11_login (CK_SESSION_HANDLE s, const char *pin);
CK_STATE p11_state (CK_SESSION_HANDLE s);
CK_TOKEN_INFO p11_token_info (CK_SLOT_ID slot);
CK_FLAGS p11_token_flags (CK_SLOT_ID slot);
/* A token info text field without its blank padding (static buffer). */
const char *p11_text (const unsigned char *field, size_t size);

/* C_FindObjects*: all matches (at most max into out); the count. */
CK_ULONG p11_find (CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *out,
                   CK_ULONG max);
CK_ULONG p11_count_class (CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls);
/* The one object of a class (certificates: of a category); 0 if none,
 * fails if several. */
CK_OBJECT_HANDLE p11_find_one (CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls);
CK_OBJECT_HANDLE p11_find_cert (CK_SESSION_HANDLE s, CK_ULONG category);

/* An attribute's value, malloc'd (one spare byte, NUL), and its length. */
CK_RV p11_attr_rv (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                   unsigned char **value, CK_ULONG *len);
unsigned char *p11_attr (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                         CK_ULONG *len);
CK_ULONG p11_attr_ulong (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
CK_BBOOL p11_attr_bool (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);

/* Signing with a module (fl: any function list, for SoftHSM too). */
CK_RV p11_sign_rv (CK_FUNCTION_LIST_PTR fl, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
                   CK_MECHANISM_TYPE mech, const unsigned char *data, CK_ULONG len,
                   unsigned char *sig, CK_ULONG *sig_len);
/* The same in three C_SignUpdate calls and C_SignFinal. */
CK_RV p11_sign_parts_rv (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mech,
                         const unsigned char *data, CK_ULONG len, unsigned char *sig,
                         CK_ULONG *sig_len);

/* The mechanisms the module must offer. */
extern const CK_MECHANISM_TYPE all_mechs[5];
/* What a card that answers 80 2A 04 97 with 69 82 offers besides. */
extern const CK_MECHANISM_TYPE pss_mechs[2];

#endif
