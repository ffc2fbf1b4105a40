/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A faulty card (tests/with-card --signature-fault): its wrong signatures
 * never leave the module; the caller gets CKR_DEVICE_ERROR instead. */
#include "test-module.h"

#include <string.h>

static void
sign_is_withheld (enum key which, CK_MECHANISM_TYPE type)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k = login_key (which, &s);
	CK_MECHANISM mech = { type, NULL, 0 };
	unsigned char data[32], sig[256], untouched[256];
	CK_ULONG sig_len = sizeof sig;

	memset (data, 0x5A, sizeof data);
	memset (sig, 0xAA, sizeof sig);
	memcpy (untouched, sig, sizeof sig);
	ck_assert_rv (p11->C_SignInit (s, &mech, k), CKR_OK);
	ck_assert_rv (p11->C_Sign (s, data, sizeof data, sig, &sig_len), CKR_DEVICE_ERROR);
	ck_assert_mem_eq (sig, untouched, sizeof sig);
	/* The operation is over: a new one can start. */
	ck_assert_rv (p11->C_Sign (s, data, sizeof data, sig, &sig_len),
	              CKR_OPERATION_NOT_INITIALIZED);
	ck_assert_rv (p11->C_SignInit (s, &mech, k), CKR_OK);
	ck_assert_rv (p11->C_SignUpdate (s, data, sizeof data), CKR_OK);
	ck_assert_rv (p11->C_SignFinal (s, sig, &sig_len), CKR_DEVICE_ERROR);
	ck_assert_mem_eq (sig, untouched, sizeof sig);
}

START_TEST (test_faulty_auth_sha256)
{
	sign_is_withheld (KEY_AUTH, CKM_SHA256_RSA_PKCS);
}
END_TEST

START_TEST (test_faulty_auth_raw)
{
	sign_is_withheld (KEY_AUTH, CKM_RSA_PKCS);
}
END_TEST

START_TEST (test_faulty_sign_sha256)
{
	sign_is_withheld (KEY_SIGN, CKM_SHA256_RSA_PKCS);
}
END_TEST

TCase *
tcase_faulty_card (void)
{
	TCase *tc = tcase_new ("faulty-card");

	tcase_add_test (tc, test_faulty_auth_sha256);
	tcase_add_test (tc, test_faulty_auth_raw);
	tcase_add_test (tc, test_faulty_sign_sha256);
	return tc;
}
