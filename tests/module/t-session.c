/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sessions, and the functions a read-only card cannot do. */
#include "test-module.h"

#include <stdlib.h>
#include <string.h>

START_TEST (test_open_flags)
{
	CK_SESSION_HANDLE s = 99, rw = 99;
	CK_SESSION_INFO info;

	ck_assert_rv (p11->C_OpenSession (SLOT_AUTH, 0, NULL, NULL, &s),
	              CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	ck_assert_rv (p11->C_OpenSession (SLOT_AUTH, CKF_RW_SESSION, NULL, NULL, &s),
	              CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	ck_assert_rv (p11->C_OpenSession (SLOT_EMPTY_AUTH, CKF_SERIAL_SESSION, NULL, NULL, &s),
	              CKR_TOKEN_NOT_PRESENT);
	ck_assert_rv (p11->C_OpenSession (SLOT_COUNT, CKF_SERIAL_SESSION, NULL, NULL, &s),
	              CKR_SLOT_ID_INVALID);
	ck_assert_rv (p11->C_OpenSession (SLOT_AUTH, CKF_SERIAL_SESSION, NULL, NULL, NULL),
	              CKR_ARGUMENTS_BAD);
	ck_assert_uint_eq (s, 99);
	ck_assert_uint_eq (p11_token_info (SLOT_AUTH).ulSessionCount, 0);

	/* A R/W session opens (C_SetPIN needs one) on a write-protected
	 * token; its objects stay read-only (test_write_protected). */
	ck_assert_rv (p11->C_OpenSession (SLOT_AUTH, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
	                                  &rw),
	              CKR_OK);
	ck_assert_rv (p11->C_GetSessionInfo (rw, &info), CKR_OK);
	ck_assert_uint_eq (info.flags, CKF_SERIAL_SESSION | CKF_RW_SESSION);
	ck_assert_uint_eq (info.state, CKS_RW_PUBLIC_SESSION);
	ck_assert_uint_eq (p11_token_info (SLOT_AUTH).ulSessionCount, 1);
	ck_assert_uint_eq (p11_token_info (SLOT_AUTH).ulRwSessionCount, 1);
	p11_login (rw, card_pin (KEY_AUTH));
	ck_assert_uint_eq (p11_state (rw), CKS_RW_USER_FUNCTIONS);
	ck_assert_uint_eq (p11_state (p11_open (SLOT_AUTH)), CKS_RO_USER_FUNCTIONS);
}
END_TEST

START_TEST (test_session_info)
{
	CK_SESSION_HANDLE a1 = p11_open (SLOT_AUTH), a2 = p11_open (SLOT_AUTH);
	CK_SESSION_HANDLE s1 = p11_open (SLOT_SIGN);
	CK_SESSION_INFO info;

	ck_assert_uint_ne (a1, a2);
	memset (&info, 0xA5, sizeof info);
	ck_assert_rv (p11->C_GetSessionInfo (a1, &info), CKR_OK);
	ck_assert_uint_eq (info.slotID, SLOT_AUTH);
	ck_assert_uint_eq (info.state, CKS_RO_PUBLIC_SESSION);
	ck_assert_uint_eq (info.flags, CKF_SERIAL_SESSION);
	ck_assert_uint_eq (info.ulDeviceError, 0);
	ck_assert_rv (p11->C_GetSessionInfo (s1, &info), CKR_OK);
	ck_assert_uint_eq (info.slotID, SLOT_SIGN);
	ck_assert_uint_eq (info.state, CKS_RO_PUBLIC_SESSION);

	/* One login serves every session of the token, and only that token. */
	p11_login (a2, card_pin (KEY_AUTH));
	ck_assert_uint_eq (p11_state (a1), CKS_RO_USER_FUNCTIONS);
	ck_assert_uint_eq (p11_state (a2), CKS_RO_USER_FUNCTIONS);
	ck_assert_uint_eq (p11_state (s1), CKS_RO_PUBLIC_SESSION);
	/* A session opened later joins the login. */
	ck_assert_uint_eq (p11_state (p11_open (SLOT_AUTH)), CKS_RO_USER_FUNCTIONS);
	ck_assert_rv (p11->C_Logout (a1), CKR_OK);
	ck_assert_uint_eq (p11_state (a1), CKS_RO_PUBLIC_SESSION);
	ck_assert_uint_eq (p11_state (a2), CKS_RO_PUBLIC_SESSION);
	ck_assert_rv (p11->C_GetSessionInfo (a1, NULL), CKR_ARGUMENTS_BAD);
}
END_TEST

START_TEST (test_close_sessions)
{
	CK_SESSION_HANDLE a1 = p11_open (SLOT_AUTH), a2 = p11_open (SLOT_AUTH);
	CK_SESSION_HANDLE s1 = p11_open (SLOT_SIGN);
	CK_SESSION_INFO info;

	ck_assert_rv (p11->C_CloseSession (a1), CKR_OK);
	ck_assert_rv (p11->C_CloseSession (a1), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetSessionInfo (a1, &info), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetSessionInfo (a2, &info), CKR_OK);

	a1 = p11_open (SLOT_AUTH);
	ck_assert_rv (p11->C_CloseAllSessions (SLOT_AUTH), CKR_OK);
	ck_assert_rv (p11->C_GetSessionInfo (a1, &info), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetSessionInfo (a2, &info), CKR_SESSION_HANDLE_INVALID);
	/* Other tokens' sessions stay. */
	ck_assert_rv (p11->C_GetSessionInfo (s1, &info), CKR_OK);
	ck_assert_uint_eq (p11_token_info (SLOT_AUTH).ulSessionCount, 0);
	ck_assert_rv (p11->C_CloseAllSessions (SLOT_AUTH), CKR_OK);
	ck_assert_rv (p11->C_CloseAllSessions (SLOT_COUNT + 1), CKR_SLOT_ID_INVALID);
}
END_TEST

START_TEST (test_invalid_handles)
{
	CK_SESSION_INFO info;
	CK_OBJECT_HANDLE o[2];
	CK_ULONG n;

	ck_assert_rv (p11->C_GetSessionInfo (CK_INVALID_HANDLE, &info), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetSessionInfo (9999, &info), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetSessionInfo ((CK_SESSION_HANDLE) -1, &info),
	              CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_CloseSession (12345), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_Login (777, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4),
	              CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_Logout (777), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_FindObjectsInit (777, NULL, 0), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_FindObjects (777, o, 2, &n), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_CreateObject (777, NULL, 0, o), CKR_SESSION_HANDLE_INVALID);
}
END_TEST

/* C_Finalize ends every session and login; handles do not come back. */
START_TEST (test_sessions_after_reinit)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH), s2;
	CK_SESSION_INFO info;

	p11_login (s, card_pin (KEY_AUTH));
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_rv (p11->C_GetSessionInfo (s, &info), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	ck_assert_rv (p11->C_GetSessionInfo (s, &info), CKR_SESSION_HANDLE_INVALID);
	s2 = p11_open (SLOT_AUTH);
	ck_assert_uint_eq (p11_state (s2), CKS_RO_PUBLIC_SESSION);
	ck_assert_uint_eq (p11_token_info (SLOT_AUTH).ulSessionCount, 1);
}
END_TEST

/* In a child of fork(), with the parent's session *arg: the module needs
 * C_Initialize again, and the session is not the child's.  0 when so. */
static int
child_after_fork (void *arg)
{
	CK_SESSION_HANDLE s = *(CK_SESSION_HANDLE *) arg;
	CK_ULONG n = 0;
	CK_SESSION_INFO info;
	int code = 0;

	if (p11->C_GetSlotList (CK_FALSE, NULL, &n) != CKR_CRYPTOKI_NOT_INITIALIZED)
		code |= 1;
	if (p11->C_GetSessionInfo (s, &info) != CKR_CRYPTOKI_NOT_INITIALIZED)
		code |= 2;
	if (p11->C_Initialize (NULL) != CKR_OK)
		code |= 4;
	else if (p11->C_GetSlotList (CK_FALSE, NULL, &n) != CKR_OK || n != SLOT_COUNT)
		code |= 8;
	else if (p11->C_GetSessionInfo (s, &info) != CKR_SESSION_HANDLE_INVALID)
		code |= 16;
	p11->C_Finalize (NULL);
	return code;
}

/* A child of fork() must call C_Initialize itself (v2.40 section 6.7.1). */
START_TEST (test_fork_child)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);

	p11_login (s, card_pin (KEY_AUTH));
	run_in_child (child_after_fork, &s);
	/* The parent is still logged in. */
	ck_assert_uint_eq (p11_state (s), CKS_RO_USER_FUNCTIONS);
	sign_and_check (s, p11_find_one (s, CKO_PRIVATE_KEY), KEY_AUTH, CKM_SHA256_RSA_PKCS,
	                (const unsigned char *) "parent", 6);
}
END_TEST

/* A child that only calls C_Finalize must not touch the parent's card
 * connection: the parent stays logged in. */
static int
child_finalizes (void *arg)
{
	(void) arg;
	return p11->C_Finalize (NULL) == CKR_CRYPTOKI_NOT_INITIALIZED ? 0 : 1;
}

START_TEST (test_fork_child_finalize)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);
	long apdus;

	p11_login (s, card_pin (KEY_AUTH));
	apdus = apdu_count ();
	run_in_child (child_finalizes, NULL);
	ck_assert_int_eq (apdu_count (), apdus);
	ck_assert_uint_eq (p11_state (s), CKS_RO_USER_FUNCTIONS);
	sign_and_check (s, p11_find_one (s, CKO_PRIVATE_KEY), KEY_AUTH, CKM_SHA256_RSA_PKCS,
	                (const unsigned char *) "parent", 6);
}
END_TEST

TCase *
tcase_sessions (void)
{
	TCase *tc = tcase_new ("sessions");

	tcase_add_test (tc, test_open_flags);
	tcase_add_test (tc, test_session_info);
	tcase_add_test (tc, test_close_sessions);
	tcase_add_test (tc, test_invalid_handles);
	tcase_add_test (tc, test_sessions_after_reinit);
	tcase_add_test (tc, test_fork_child);
	tcase_add_test (tc, test_fork_child_finalize);
	return tc;
}

/* ------------------------------------------------------------------ */
/* A read-only token */

/* Writing functions in session s (logged in): nothing changes, no APDU. */
static void
write_protected_in (CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE cert = p11_find_cert (s, 1), o = 99, pub = 99, priv = 99;
	CK_OBJECT_CLASS data_class = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	char label[] = "x";
	CK_ATTRIBUTE data[] = {
		{ CKA_CLASS, &data_class, sizeof data_class },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_LABEL, label, 1 },
	};
	CK_ATTRIBUTE set_label = { CKA_LABEL, label, 1 };
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE pub_t[] = { { CKA_MODULUS_BITS, &bits, sizeof bits } };
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	long apdus;
	CK_ULONG objects;

	ck_assert_uint_ne (cert, CK_INVALID_HANDLE);
	objects = p11_find (s, NULL, 0, NULL, 0);
	p11_login (s, card_pin (KEY_AUTH));
	apdus = apdu_count ();
	ck_assert_rv (p11->C_CreateObject (s, data, 3, &o), CKR_TOKEN_WRITE_PROTECTED);
	ck_assert_rv (p11->C_CopyObject (s, cert, &set_label, 1, &o), CKR_TOKEN_WRITE_PROTECTED);
	ck_assert_rv (p11->C_DestroyObject (s, cert), CKR_TOKEN_WRITE_PROTECTED);
	ck_assert_rv (p11->C_SetAttributeValue (s, cert, &set_label, 1), CKR_TOKEN_WRITE_PROTECTED);
	ck_assert_rv (p11->C_GenerateKeyPair (s, &gen, pub_t, 1, NULL, 0, &pub, &priv),
	              CKR_TOKEN_WRITE_PROTECTED);
	ck_assert_rv (p11->C_InitToken (SLOT_AUTH, (CK_UTF8CHAR_PTR) "1234", 4,
	                                (CK_UTF8CHAR_PTR) "label                           "),
	              CKR_TOKEN_WRITE_PROTECTED);
	ck_assert_uint_eq (o, 99);
	ck_assert_uint_eq (pub, 99);
	ck_assert_uint_eq (priv, 99);
	ck_assert_int_eq (apdu_count (), apdus);
	/* Nothing changed: the objects before login, and the private key. */
	ck_assert_uint_eq (p11_find (s, NULL, 0, NULL, 0), objects + 1);
	free (p11_attr (s, cert, CKA_VALUE, NULL));
}

START_TEST (test_write_protected)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);

	if (_i == 1) {
		ck_assert_rv (p11->C_CloseSession (s), CKR_OK);
		ck_assert_rv (p11->C_OpenSession (SLOT_AUTH, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
		                                  NULL, &s),
		              CKR_OK);
	}
	write_protected_in (s);
}
END_TEST

START_TEST (test_unsupported_operations)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE priv = login_key (KEY_AUTH, &s);
	CK_OBJECT_HANDLE pub = p11_find_one (s, CKO_PUBLIC_KEY);
	CK_MECHANISM rsa = { CKM_RSA_PKCS, NULL, 0 };
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
	CK_MECHANISM sha_rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 };

	ck_assert_rv (p11->C_EncryptInit (s, &rsa, pub), CKR_FUNCTION_NOT_SUPPORTED);
	ck_assert_rv (p11->C_DecryptInit (s, &rsa, priv), CKR_FUNCTION_NOT_SUPPORTED);
	ck_assert_rv (p11->C_DigestInit (s, &sha), CKR_FUNCTION_NOT_SUPPORTED);
	ck_assert_rv (p11->C_VerifyInit (s, &sha_rsa, pub), CKR_FUNCTION_NOT_SUPPORTED);
	{
		unsigned char rnd[8];
		CK_RV rv = p11->C_GenerateRandom (s, rnd, sizeof rnd);
		ck_assert_msg (rv == CKR_RANDOM_NO_RNG || rv == CKR_FUNCTION_NOT_SUPPORTED, "%s",
		               rv_name (rv));
		ck_assert_uint_eq (p11_token_flags (SLOT_AUTH) & CKF_RNG, 0);
	}
	/* Signing still works in that session. */
	sign_and_check (s, priv, KEY_AUTH, CKM_SHA256_RSA_PKCS, (const unsigned char *) "abc", 3);
}
END_TEST

TCase *
tcase_readonly (void)
{
	TCase *tc = tcase_new ("readonly");

	tcase_add_loop_test (tc, test_write_protected, 0, 2);   /* R/O, then R/W session */
	tcase_add_test (tc, test_unsupported_operations);
	return tc;
}
