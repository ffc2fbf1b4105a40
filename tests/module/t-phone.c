/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Smartphone JPKI (with-card --scenario smartphone): both tokens; the
 * authentication certificate and public key private until login and gone
 * again at logout; the model says it is a phone; a serial that holds while
 * the phone stays on the reader and is made from nothing private. */
#include "test-module.h"

#include <string.h>

static const char phone_model[] = "JPKIAPGPSETOKEN";

static void
token_serial (CK_SLOT_ID slot, char out[17])
{
	CK_TOKEN_INFO info = p11_token_info (slot);

	memcpy (out, info.serialNumber, 16);
	out[16] = '\0';
}

START_TEST (test_phone_tokens)
{
	for (CK_SLOT_ID slot = SLOT_AUTH; slot <= SLOT_SIGN; slot++) {
		CK_TOKEN_INFO info = p11_token_info (slot);

		ck_assert_msg (token_present (slot), "slot %lu: no token for a phone", slot);
		ck_assert_str_eq (p11_text (info.model, sizeof info.model), phone_model);
		ck_assert (info.flags & CKF_USER_PIN_INITIALIZED);
		ck_assert (info.flags & CKF_LOGIN_REQUIRED);
	}
}
END_TEST

START_TEST (test_phone_auth_private_until_login)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);
	CK_OBJECT_HANDLE all[8], cert, pub, priv;
	CK_ATTRIBUTE value = { CKA_VALUE, NULL, 0 };
	long reads = apdu_read_count ();

	/* Before login: the CA certificate alone (two reads: its header and
	 * the rest), EF 000A not asked again. */
	ck_assert_uint_eq (p11_find (s, NULL, 0, all, 8), 1);
	assert_cert_value (s, all[0], "auth-ca.crt");
	ck_assert_int_eq (p11_attr_bool (s, all[0], CKA_PRIVATE), CK_FALSE);
	ck_assert_uint_eq (p11_find_cert (s, 1), CK_INVALID_HANDLE);
	ck_assert_uint_eq (p11_count_class (s, CKO_PUBLIC_KEY), 0);
	ck_assert_int_le (apdu_read_count () - reads, 2);   /* the CA certificate */

	p11_login (s, card_pin (KEY_AUTH));
	ck_assert_uint_eq (p11_find (s, NULL, 0, all, 8), 4);
	cert = p11_find_cert (s, 1);
	pub = p11_find_one (s, CKO_PUBLIC_KEY);
	priv = p11_find_one (s, CKO_PRIVATE_KEY);
	ck_assert_uint_ne (cert, CK_INVALID_HANDLE);
	assert_cert_value (s, cert, "auth.crt");
	ck_assert_int_eq (p11_attr_bool (s, cert, CKA_PRIVATE), CK_TRUE);
	ck_assert_int_eq (p11_attr_bool (s, pub, CKA_PRIVATE), CK_TRUE);
	sign_and_check (s, priv, KEY_AUTH, CKM_SHA256_RSA_PKCS, (const unsigned char *) "phone", 5);

	/* Logout: gone, handles too, and the phone holds no verified PIN. */
	ck_assert_rv (p11->C_Logout (s), CKR_OK);
	ck_assert_uint_eq (p11_find (s, NULL, 0, all, 8), 1);
	ck_assert_rv (p11->C_GetAttributeValue (s, cert, &value, 1), CKR_OBJECT_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetAttributeValue (s, pub, &value, 1), CKR_OBJECT_HANDLE_INVALID);
	ck_assert_int_eq (raw_sign ("0017"), 0x6982);
}
END_TEST

START_TEST (test_phone_sign_token)
{
	CK_SESSION_HANDLE s = login_and_sign (KEY_SIGN, CKM_SHA256_RSA_PKCS, "phone e-Tax");

	ck_assert_rv (p11->C_Logout (s), CKR_OK);
	ck_assert_int_eq (raw_sign ("001A"), 0x6982);
}
END_TEST

START_TEST (test_phone_serial)
{
	char auth[17], sign[17], again[17];
	CK_SESSION_HANDLE s;

	token_serial (SLOT_AUTH, auth);
	token_serial (SLOT_SIGN, sign);
	ck_assert_str_eq (auth, sign);
	ck_assert_msg (strspn (auth, "0") != strlen (auth), "serial %s is all zeros", auth);
	ck_assert_uint_eq (strspn (auth, "0123456789ABCDEF"), 16);

	/* The same after a login and a restart of the module. */
	s = p11_open (SLOT_AUTH);
	p11_login (s, card_pin (KEY_AUTH));
	token_serial (SLOT_AUTH, again);
	ck_assert_str_eq (again, auth);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	token_serial (SLOT_AUTH, again);
	ck_assert_str_eq (again, auth);

	/* Taken off the reader and held to it again: another serial. */
	reader_action ("remove");
	wait_token (SLOT_AUTH, false);
	reader_action ("insert");
	wait_token (SLOT_AUTH, true);
	token_serial (SLOT_AUTH, again);
	ck_assert_str_ne (again, auth);
}
END_TEST

TCase *
tcase_phone (void)
{
	TCase *tc = tcase_new ("phone");

	tcase_add_test (tc, test_phone_tokens);
	tcase_add_test (tc, test_phone_auth_private_until_login);
	tcase_add_test (tc, test_phone_sign_token);
	tcase_add_test (tc, test_phone_serial);
	return tc;
}
