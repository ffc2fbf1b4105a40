/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "p11-fixture.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "fake-pcsc.h"
#include "test-fixture.h"

CK_FUNCTION_LIST_PTR p11;
static struct vcard *card;

static void
p11_card_setup (void)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	const struct fixture_spec adult = { 0 };

	/* The fake must be what the module talks to: no pcscd, no libpcsclite. */
	ck_assert (!fake_pcsc_real_library_loaded ());
	card = fixture_open_card (&adult, NULL);
	fake_pcsc_insert (card);
	ck_assert_rv (C_GetFunctionList (&p11), CKR_OK);
	ck_assert_rv (p11->C_Initialize (&args), CKR_OK);
}

static void
p11_card_teardown (void)
{
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	fake_pcsc_remove ();
	vcard_close (card);
	card = NULL;
}

int
card_tries (CK_SLOT_ID slot)
{
	const char *text = fixture_read (slot == SLOT_AUTH ? "state/auth-tries" : "state/sign-tries");

	if (text[0] == '\0')
		return slot == SLOT_AUTH ? 3 : 5;
	return atoi (text);
}

const char *
slot_pin (CK_SLOT_ID slot)
{
	return slot == SLOT_AUTH ? FIXTURE_AUTH_PIN : FIXTURE_SIGN_PIN;
}

CK_SESSION_HANDLE
open_session (CK_SLOT_ID slot, CK_FLAGS flags)
{
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;

	ck_assert_rv (p11->C_OpenSession (slot, flags | CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	ck_assert_uint_ne (s, CK_INVALID_HANDLE);
	return s;
}

void
login (CK_SESSION_HANDLE session, CK_SLOT_ID slot)
{
	const char *pin = slot_pin (slot);

	ck_assert_rv (p11->C_Login (session, CKU_USER, (CK_UTF8CHAR_PTR) pin, strlen (pin)), CKR_OK);
}

CK_OBJECT_HANDLE
find_private_key (CK_SESSION_HANDLE session)
{
	CK_OBJECT_CLASS class = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &class, sizeof class } };
	CK_OBJECT_HANDLE found[2];
	CK_ULONG n = 0;

	ck_assert_rv (p11->C_FindObjectsInit (session, tmpl, 1), CKR_OK);
	ck_assert_rv (p11->C_FindObjects (session, found, 2, &n), CKR_OK);
	ck_assert_rv (p11->C_FindObjectsFinal (session), CKR_OK);
	ck_assert_uint_eq (n, 1);
	return found[0];
}

int
signature_verifies (CK_SLOT_ID slot, const CK_BYTE *data, CK_ULONG data_len, const CK_BYTE *sig,
                    CK_ULONG sig_len)
{
	EVP_PKEY *key = fixture_key (slot == SLOT_AUTH ? CREDENTIAL_AUTH : CREDENTIAL_SIGN);
	EVP_MD_CTX *md = EVP_MD_CTX_new ();
	int ok;

	ck_assert_ptr_nonnull (md);
	ok = EVP_DigestVerifyInit (md, NULL, EVP_sha256 (), NULL, key) == 1 &&
	     EVP_DigestVerify (md, sig, sig_len, data, data_len) == 1;
	EVP_MD_CTX_free (md);
	return ok;
}

TCase *
p11_card_case (Suite *suite, const char *name)
{
	TCase *tc = tcase_create (name);

	tcase_add_checked_fixture (tc, p11_card_setup, p11_card_teardown);
	tcase_set_timeout (tc, 30);
	suite_add_tcase (suite, tc);
	return tc;
}

int
p11_run_suite (Suite *suite)
{
	SRunner *runner = srunner_create (suite);
	int failed;

	fixture_init ();
	srunner_run_all (runner, CK_NORMAL);
	failed = srunner_ntests_failed (runner);
	srunner_free (runner);
	fixture_cleanup ();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
