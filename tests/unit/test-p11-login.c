/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Login state of the PKCS#11 layer, on the fake PC/SC library with a
 * virtual card in its one reader: who is logged in, the codes v2.40 gives
 * C_Login and C_Logout, and PINs of the wrong shape never sent. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fake-pcsc.h"
#include "p11-fixture.h"

static CK_STATE
state_of (CK_SESSION_HANDLE s)
{
	CK_SESSION_INFO info;

	ck_assert_rv (p11->C_GetSessionInfo (s, &info), CKR_OK);
	return info.state;
}

static CK_RV
login_with (CK_SESSION_HANDLE s, const char *pin)
{
	return p11->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR) pin, strlen (pin));
}

/* Private objects are for the logged-in user only, and a signature needs
 * the login still standing when it is made. */
START_TEST (test_not_logged_in)
{
	CK_SESSION_HANDLE s = open_session (SLOT_SIGN, 0);
	CK_OBJECT_CLASS class = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &class, sizeof class } };
	CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE data[] = "data", sig[256];
	CK_ULONG n = 9, len = sizeof sig;
	CK_OBJECT_HANDLE key;

	ck_assert_rv (p11->C_Logout (s), CKR_USER_NOT_LOGGED_IN);
	ck_assert_rv (p11->C_FindObjectsInit (s, tmpl, 1), CKR_OK);
	ck_assert_rv (p11->C_FindObjects (s, &key, 1, &n), CKR_OK);
	ck_assert_rv (p11->C_FindObjectsFinal (s), CKR_OK);
	ck_assert_uint_eq (n, 0);

	login (s, SLOT_SIGN);
	key = find_private_key (s);
	ck_assert_rv (p11->C_SignInit (s, &mech, key), CKR_OK);
	ck_assert_rv (p11->C_Logout (s), CKR_OK);
	ck_assert_uint_eq (state_of (s), CKS_RO_PUBLIC_SESSION);
	ck_assert_rv (p11->C_Sign (s, data, sizeof data, sig, &len), CKR_USER_NOT_LOGGED_IN);
}
END_TEST

START_TEST (test_already_logged_in)
{
	CK_SESSION_HANDLE s = open_session (SLOT_AUTH, 0);
	unsigned apdus;

	login (s, SLOT_AUTH);
	apdus = fake_pcsc_apdus ();
	ck_assert_rv (login_with (s, slot_pin (SLOT_AUTH)), CKR_USER_ALREADY_LOGGED_IN);
	ck_assert_uint_eq (fake_pcsc_apdus (), apdus);
}
END_TEST

/* v2.40 section 5.6: a login holds for every session of the application
 * with the token, those opened later too, until one logs out. */
START_TEST (test_login_for_all_sessions)
{
	CK_SESSION_HANDLE ro = open_session (SLOT_AUTH, 0);
	CK_SESSION_HANDLE rw = open_session (SLOT_AUTH, CKF_RW_SESSION);
	CK_SESSION_HANDLE later, other = open_session (SLOT_SIGN, 0);

	login (ro, SLOT_AUTH);
	ck_assert_uint_eq (state_of (ro), CKS_RO_USER_FUNCTIONS);
	ck_assert_uint_eq (state_of (rw), CKS_RW_USER_FUNCTIONS);
	later = open_session (SLOT_AUTH, 0);
	ck_assert_uint_eq (state_of (later), CKS_RO_USER_FUNCTIONS);
	ck_assert_rv (login_with (later, slot_pin (SLOT_AUTH)), CKR_USER_ALREADY_LOGGED_IN);
	/* The other token has a PIN of its own. */
	ck_assert_uint_eq (state_of (other), CKS_RO_PUBLIC_SESSION);

	ck_assert_rv (p11->C_Logout (rw), CKR_OK);
	ck_assert_uint_eq (state_of (ro), CKS_RO_PUBLIC_SESSION);
	ck_assert_uint_eq (state_of (later), CKS_RO_PUBLIC_SESSION);
	ck_assert_rv (p11->C_Logout (ro), CKR_USER_NOT_LOGGED_IN);
}
END_TEST

/* The last session closed ends the login (v2.40 C_CloseSession). */
START_TEST (test_login_ends_with_last_session)
{
	CK_SESSION_HANDLE s = open_session (SLOT_AUTH, 0);

	login (s, SLOT_AUTH);
	ck_assert_rv (p11->C_CloseSession (s), CKR_OK);
	s = open_session (SLOT_AUTH, 0);
	ck_assert_uint_eq (state_of (s), CKS_RO_PUBLIC_SESSION);
}
END_TEST

START_TEST (test_wrong_pin)
{
	CK_SESSION_HANDLE s = open_session (SLOT_AUTH, 0);
	CK_TOKEN_INFO info;

	ck_assert_rv (login_with (s, "9999"), CKR_PIN_INCORRECT);
	ck_assert_int_eq (card_tries (SLOT_AUTH), 2);
	ck_assert_uint_eq (state_of (s), CKS_RO_PUBLIC_SESSION);
	ck_assert_rv (p11->C_GetTokenInfo (SLOT_AUTH, &info), CKR_OK);
	ck_assert_uint_ne (info.flags & CKF_USER_PIN_COUNT_LOW, 0);
	login (s, SLOT_AUTH);
	ck_assert_int_eq (card_tries (SLOT_AUTH), 3);
}
END_TEST

/* PINs the card would count as a wrong try: refused before any APDU. */
static const struct {
	CK_SLOT_ID slot;
	const char *pin;
} wrong_shape_rows[] = {
	{ SLOT_AUTH, "123" },
	{ SLOT_AUTH, "12345" },
	{ SLOT_AUTH, "12a4" },
	{ SLOT_AUTH, "" },
	{ SLOT_SIGN, "ABC12" },
	{ SLOT_SIGN, "ABC-123" },
	{ SLOT_SIGN, "ABCDEFGHIJ1234567" },
	{ SLOT_SIGN, "" },
};

START_TEST (test_wrong_shape_never_sent)
{
	CK_SLOT_ID slot = wrong_shape_rows[_i].slot;
	CK_SESSION_HANDLE s = open_session (slot, 0);
	unsigned apdus = fake_pcsc_apdus ();
	int tries = card_tries (slot);

	ck_assert_rv (login_with (s, wrong_shape_rows[_i].pin), CKR_PIN_INCORRECT);
	ck_assert_uint_eq (fake_pcsc_apdus (), apdus);
	ck_assert_int_eq (card_tries (slot), tries);
	ck_assert_uint_eq (state_of (s), CKS_RO_PUBLIC_SESSION);
}
END_TEST

static Suite *
p11_login_suite (void)
{
	Suite *s = suite_create ("p11-login");
	TCase *tc = p11_card_case (s, "state");

	tcase_add_test (tc, test_not_logged_in);
	tcase_add_test (tc, test_already_logged_in);
	tcase_add_test (tc, test_login_for_all_sessions);
	tcase_add_test (tc, test_login_ends_with_last_session);
	tc = p11_card_case (s, "pin");
	tcase_add_test (tc, test_wrong_pin);
	tcase_add_loop_test (tc, test_wrong_shape_never_sent, 0, N_ROWS (wrong_shape_rows));
	return s;
}

int
main (void)
{
	return p11_run_suite (p11_login_suite ());
}
