/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The scenario cards: under-15, face authentication, blocked PIN, one try
 * left, a card answering 90 00 to the empty VERIFY after login, no card,
 * no pcscd, expired and renewal certificates. */
#include "test-module.h"

#include <time.h>

#include <openssl/asn1.h>

/* ------------------------------------------------------------------ */
/* Under 15: no signature token */

START_TEST (test_minor_no_sign_token)
{
	CK_SLOT_INFO info;
	CK_TOKEN_INFO tinfo;
	CK_SESSION_HANDLE s = 99;

	ck_assert_ptr_null (cert_load ("sign.crt"));
	ck_assert_rv (p11->C_GetSlotInfo (SLOT_SIGN, &info), CKR_OK);
	ck_assert_uint_eq (info.flags & CKF_TOKEN_PRESENT, 0);
	ck_assert_rv (p11->C_GetTokenInfo (SLOT_SIGN, &tinfo), CKR_TOKEN_NOT_PRESENT);
	ck_assert_rv (p11->C_OpenSession (SLOT_SIGN, CKF_SERIAL_SESSION, NULL, NULL, &s),
	              CKR_TOKEN_NOT_PRESENT);
	ck_assert_uint_eq (s, 99);
}
END_TEST

START_TEST (test_minor_auth_works)
{
	CK_FLAGS flags = p11_token_flags (SLOT_AUTH);

	ck_assert_uint_ne (flags & CKF_USER_PIN_INITIALIZED, 0);
	login_and_sign (KEY_AUTH, CKM_SHA256_RSA_PKCS, "minor");
	ck_assert_int_eq (tries_read (KEY_AUTH), 3);
}
END_TEST

TCase *
tcase_minor (void)
{
	TCase *tc = tcase_new ("minor");

	tcase_add_test (tc, test_minor_no_sign_token);
	tcase_add_test (tc, test_minor_auth_works);
	return tc;
}

/* ------------------------------------------------------------------ */
/* Face authentication: no PINs */

START_TEST (test_face_auth_token)
{
	CK_TOKEN_INFO info = p11_token_info (SLOT_AUTH);
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);
	long apdus;

	ck_assert_str_eq (card_pin (KEY_AUTH), "");
	ck_assert_msg ((info.flags & CKF_USER_PIN_INITIALIZED) == 0, "flags 0x%lx", info.flags);
	ck_assert_uint_ne (info.flags & CKF_TOKEN_INITIALIZED, 0);
	ck_assert_uint_eq (info.flags & (CKF_USER_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW |
	                                 CKF_USER_PIN_FINAL_TRY), 0);
	apdus = apdu_count ();
	ck_assert_rv (p11_login_rv (s, "1234"), CKR_USER_PIN_NOT_INITIALIZED);
	ck_assert_rv (p11_login_rv (s, "12a"), CKR_USER_PIN_NOT_INITIALIZED);
	ck_assert_int_eq (apdu_count (), apdus);
	ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);
	ck_assert_uint_eq (p11_count_class (s, CKO_PRIVATE_KEY), 0);
	ck_assert_rv (p11->C_GetTokenInfo (SLOT_SIGN, &info), CKR_TOKEN_NOT_PRESENT);
}
END_TEST

TCase *
tcase_face_auth (void)
{
	TCase *tc = tcase_new ("face-auth");

	tcase_add_test (tc, test_face_auth_token);
	return tc;
}

/* ------------------------------------------------------------------ */
/* Authentication PIN blocked */

START_TEST (test_auth_blocked)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);
	CK_FLAGS flags = p11_token_flags (SLOT_AUTH);
	CK_ULONG n = 8;
	long verifies = apdu_verify_count ();
	CK_RV rv;

	ck_assert_int_eq (tries_read (KEY_AUTH), 0);
	ck_assert_msg (flags & CKF_USER_PIN_LOCKED, "auth flags 0x%lx lack LOCKED", flags);
	ck_assert_uint_ne (flags & CKF_USER_PIN_INITIALIZED, 0);
	/* Both tokens are there all the same. */
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, 2);
	ck_assert_uint_ne (p11_find_cert (s, 1), CK_INVALID_HANDLE);

	ck_assert_rv (p11_login_rv (s, card_pin (KEY_AUTH)), CKR_PIN_LOCKED);
	rv = p11_login_rv (s, "12a4");
	ck_assert_msg (rv == CKR_PIN_LOCKED || rv == CKR_PIN_INCORRECT, "malformed: %s",
	               rv_name (rv));
	ck_assert_int_eq (apdu_verify_count (), verifies);
	ck_assert_int_eq (tries_read (KEY_AUTH), 0);
	ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);
}
END_TEST

START_TEST (test_auth_blocked_sign_works)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_FLAGS flags = p11_token_flags (SLOT_SIGN);

	ck_assert_uint_eq (flags & (CKF_USER_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW), 0);
	k = login_key (KEY_SIGN, &s);
	sign_and_check (s, k, KEY_SIGN, CKM_SHA256_RSA_PKCS, (const unsigned char *) "e-Tax", 5);
	sign_and_check (s, k, KEY_SIGN, CKM_SHA1_RSA_PKCS, (const unsigned char *) "e-Tax", 5);
	ck_assert_int_eq (tries_read (KEY_SIGN), 5);
}
END_TEST

TCase *
tcase_auth_blocked (void)
{
	TCase *tc = tcase_new ("auth-blocked");

	tcase_add_test (tc, test_auth_blocked);
	tcase_add_test (tc, test_auth_blocked_sign_works);
	return tc;
}

/* ------------------------------------------------------------------ */
/* Signature PIN with one try left */

START_TEST (test_final_try_flags)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_SIGN);
	CK_FLAGS flags = p11_token_flags (SLOT_SIGN);
	long apdus;

	ck_assert_int_eq (tries_read (KEY_SIGN), 1);
	ck_assert_msg (flags & CKF_USER_PIN_FINAL_TRY, "sign flags 0x%lx lack FINAL_TRY", flags);
	ck_assert_uint_eq (flags & CKF_USER_PIN_LOCKED, 0);
	ck_assert_uint_eq (p11_token_flags (SLOT_AUTH) &
	                   (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED), 0);
	/* A malformed PIN must not cost the last try. */
	apdus = apdu_count ();
	ck_assert_rv (p11_login_rv (s, "ABC12"), CKR_PIN_INCORRECT);
	ck_assert_rv (p11_login_rv (s, "abc-1234"), CKR_PIN_INCORRECT);
	ck_assert_int_eq (apdu_count (), apdus);
	ck_assert_int_eq (tries_read (KEY_SIGN), 1);
	ck_assert_uint_ne (p11_token_flags (SLOT_SIGN) & CKF_USER_PIN_FINAL_TRY, 0);
}
END_TEST

START_TEST (test_final_try_wrong_pin)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_SIGN);
	CK_FLAGS flags;
	long verifies;
	CK_RV rv;

	rv = p11_login_rv (s, card_wrong_pin (KEY_SIGN));
	ck_assert_msg (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED, "last wrong try: %s",
	               rv_name (rv));
	ck_assert_int_eq (tries_read (KEY_SIGN), 0);
	flags = p11_token_flags (SLOT_SIGN);
	ck_assert_msg (flags & CKF_USER_PIN_LOCKED, "flags 0x%lx lack LOCKED", flags);
	/* The right PIN no longer reaches the card. */
	verifies = apdu_verify_count ();
	ck_assert_rv (p11_login_rv (s, card_pin (KEY_SIGN)), CKR_PIN_LOCKED);
	ck_assert_int_eq (apdu_verify_count (), verifies);
	/* Still locked after a new C_Initialize (read from the card). */
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	ck_assert_uint_ne (p11_token_flags (SLOT_SIGN) & CKF_USER_PIN_LOCKED, 0);
	/* The authentication token is not affected. */
	login_and_sign (KEY_AUTH, CKM_SHA256_RSA_PKCS, "x");
}
END_TEST

TCase *
tcase_sign_last_try (void)
{
	TCase *tc = tcase_new ("sign-last-try");

	tcase_add_test (tc, test_final_try_flags);
	tcase_add_test (tc, test_final_try_wrong_pin);
	return tc;
}

/* ------------------------------------------------------------------ */
/* A card answering 90 00 to the empty VERIFY after a correct PIN */

START_TEST (test_flags_after_login)
{
	const CK_FLAGS pin_flags = CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY |
	                           CKF_USER_PIN_LOCKED;

	for (enum key key = KEY_AUTH; key <= KEY_SIGN; key++) {
		CK_SESSION_HANDLE s;
		CK_OBJECT_HANDLE k = login_key (key, &s);
		CK_FLAGS flags = p11_token_flags (key_slot (key));

		ck_assert_uint_eq (flags & pin_flags, 0);
		ck_assert_uint_ne (flags & CKF_USER_PIN_INITIALIZED, 0);
		sign_and_check (s, k, key, CKM_SHA384_RSA_PKCS, (const unsigned char *) "9000", 4);
	}
}
END_TEST

/* A program that logged in and died leaves the PIN verified on the card;
 * a new C_Initialize must not take that for its own login. */
START_TEST (test_foreign_verified_pin)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_RV rv;

	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	/* It dies logged in: no C_Logout, no C_Finalize. */
	other_program_login (SLOT_AUTH, card_pin (KEY_AUTH), CKR_OK, false);
	ck_assert_int_eq (raw_sign ("0017"), 0x9000);

	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	s = p11_open (SLOT_AUTH);
	ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);
	ck_assert_uint_ne (p11_token_flags (SLOT_AUTH) & CKF_USER_PIN_INITIALIZED, 0);
	ck_assert_uint_eq (p11_token_flags (SLOT_AUTH) & CKF_USER_PIN_LOCKED, 0);
	ck_assert_uint_eq (p11_count_class (s, CKO_PRIVATE_KEY), 0);
	/* Our own login works, and our logout clears the card. */
	p11_login (s, card_pin (KEY_AUTH));
	k = p11_find_one (s, CKO_PRIVATE_KEY);
	sign_and_check (s, k, KEY_AUTH, CKM_SHA256_RSA_PKCS, (const unsigned char *) "x", 1);
	ck_assert_rv (p11->C_Logout (s), CKR_OK);
	ck_assert_int_eq (raw_sign ("0017"), 0x6982);
	rv = p11->C_SignInit (s, &m, k);
	ck_assert_msg (rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_KEY_HANDLE_INVALID, "%s",
	               rv_name (rv));
	ck_assert_int_eq (tries_read (KEY_AUTH), 3);
}
END_TEST

TCase *
tcase_verify_9000 (void)
{
	TCase *tc = tcase_new ("login-state");

	tcase_add_test (tc, test_flags_after_login);
	tcase_add_test (tc, test_foreign_verified_pin);
	return tc;
}

/* ------------------------------------------------------------------ */
/* No card; no pcscd */

static double
now_s (void)
{
	struct timespec ts;

	clock_gettime (CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

START_TEST (test_no_card)
{
	CK_SLOT_ID list[8];
	CK_ULONG n = 8;
	CK_TOKEN_INFO tinfo;
	CK_SLOT_INFO info;
	CK_SESSION_HANDLE s;
	double start;

	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	start = now_s ();
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, list, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
	ck_assert_msg (now_s () - start < 2.0, "C_Initialize and C_GetSlotList took %.1f s",
	               now_s () - start);
	n = 8;
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, list, &n), CKR_OK);
	ck_assert_uint_eq (n, SLOT_COUNT);
	for (CK_SLOT_ID id = 0; id < SLOT_COUNT; id++) {
		ck_assert_rv (p11->C_GetSlotInfo (id, &info), CKR_OK);
		ck_assert_uint_eq (info.flags & CKF_TOKEN_PRESENT, 0);
		ck_assert_rv (p11->C_GetTokenInfo (id, &tinfo), CKR_TOKEN_NOT_PRESENT);
		ck_assert_rv (p11->C_OpenSession (id, CKF_SERIAL_SESSION, NULL, NULL, &s),
		              CKR_TOKEN_NOT_PRESENT);
	}
}
END_TEST

START_TEST (test_no_pcscd)
{
	CK_SLOT_ID list[8];
	CK_ULONG n = 8;
	CK_SLOT_INFO info;
	double start;

	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	start = now_s ();
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, list, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
	n = 8;
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, list, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
	ck_assert_msg (now_s () - start < 2.0, "took %.1f s without pcscd", now_s () - start);
	ck_assert_rv (p11->C_GetSlotInfo (0, &info), CKR_SLOT_ID_INVALID);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
}
END_TEST

TCase *
tcase_no_card (void)
{
	TCase *tc = tcase_new ("no-card");

	if (scenario_is ("no-pcscd"))
		tcase_add_test (tc, test_no_pcscd);
	else
		tcase_add_test (tc, test_no_card);
	return tc;
}

/* ------------------------------------------------------------------ */
/* Certificate dates */

static void
asn1_date (const ASN1_TIME *t, char out[9])
{
	struct tm tm;

	ck_assert_int_eq (ASN1_TIME_to_tm (t, &tm), 1);
	ck_assert_uint_eq (strftime (out, 9, "%Y%m%d", &tm), 8);
}

START_TEST (test_certificate_dates)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k = login_key (KEY_AUTH, &s);
	CK_OBJECT_HANDLE cert = p11_find_cert (s, 1);
	X509 *x = cert_load ("auth.crt");
	char not_before[9], not_after[9], today[9];
	CK_DATE start, end;
	CK_ATTRIBUTE t[] = {
		{ CKA_START_DATE, &start, sizeof start },
		{ CKA_END_DATE, &end, sizeof end },
	};
	time_t now = time (NULL);
	int days = 0, secs = 0;
	ASN1_TIME *now_asn1 = ASN1_TIME_set (NULL, now);

	ck_assert_ptr_nonnull (x);
	asn1_date (X509_get0_notBefore (x), not_before);
	asn1_date (X509_get0_notAfter (x), not_after);
	ck_assert_rv (p11->C_GetAttributeValue (s, cert, t, 2), CKR_OK);
	ck_assert_uint_eq (t[0].ulValueLen, sizeof (CK_DATE));
	ck_assert_uint_eq (t[1].ulValueLen, sizeof (CK_DATE));
	ck_assert_mem_eq (&start, not_before, 8);
	ck_assert_mem_eq (&end, not_after, 8);
	strftime (today, sizeof today, "%Y%m%d", gmtime (&now));

	ck_assert_int_eq (ASN1_TIME_diff (&days, &secs, now_asn1, X509_get0_notAfter (x)), 1);
	if (scenario_is ("expired"))
		ck_assert_msg (days < 0 || (days == 0 && secs < 0), "not expired: %d days left", days);
	else if (scenario_is ("renewal"))
		ck_assert_msg (days >= 0 && days <= 92, "renewal card: %d days left", days);
	else
		ck_assert_int_gt (days, 92);
	/* The card signs whatever the dates; that is the verifier's business. */
	sign_and_check (s, k, KEY_AUTH, CKM_SHA256_RSA_PKCS, (const unsigned char *) today, 8);
	ASN1_TIME_free (now_asn1);
	X509_free (x);
}
END_TEST

TCase *
tcase_dates (void)
{
	TCase *tc = tcase_new ("dates");

	tcase_add_test (tc, test_certificate_dates);
	return tc;
}

/* ------------------------------------------------------------------ */
/* jpki-pkcs11-auth.so and jpki-pkcs11-sign.so: one token each */

/* The build shows key's token alone: its two slots (card, empty reader)
 * are listed, the other key's slot ids do not exist. */
static void
assert_only_token (enum key key)
{
	CK_SLOT_ID shown = key_slot (key), absent = key_slot (key_other (key));
	CK_SLOT_ID list[8];
	CK_ULONG n = 8;
	CK_SLOT_INFO info;
	CK_TOKEN_INFO tinfo;
	CK_SESSION_HANDLE s = 99;

	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, list, &n), CKR_OK);
	ck_assert_uint_eq (n, 2);
	ck_assert_uint_eq (list[0], shown);
	ck_assert_uint_eq (list[1], shown + 2);
	n = 8;
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, list, &n), CKR_OK);
	ck_assert_uint_eq (n, 1);
	ck_assert_uint_eq (list[0], shown);
	/* Slot ids keep their meaning: the other token's slots do not exist. */
	ck_assert_rv (p11->C_GetSlotInfo (absent, &info), CKR_SLOT_ID_INVALID);
	ck_assert_rv (p11->C_GetSlotInfo (absent + 2, &info), CKR_SLOT_ID_INVALID);
	ck_assert_rv (p11->C_GetTokenInfo (absent, &tinfo), CKR_SLOT_ID_INVALID);
	ck_assert_rv (p11->C_OpenSession (absent, CKF_SERIAL_SESSION, NULL, NULL, &s),
	              CKR_SLOT_ID_INVALID);
	ck_assert_rv (p11->C_GetMechanismList (absent, NULL, &n), CKR_SLOT_ID_INVALID);
	ck_assert_uint_eq (s, 99);
	ck_assert_rv (p11->C_GetSlotInfo (shown, &info), CKR_OK);
	ck_assert_uint_ne (info.flags & CKF_TOKEN_PRESENT, 0);
	tinfo = p11_token_info (shown);
	ck_assert_uint_eq (tinfo.ulMinPinLen, key == KEY_AUTH ? 4 : 6);
}

/* One login signs twice; logout leaves the card's key locked. */
static void
assert_only_token_signs (enum key key)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k = login_key (key, &s);

	sign_and_check (s, k, key, CKM_SHA256_RSA_PKCS, (const unsigned char *) "doc", 3);
	sign_and_check (s, k, key, CKM_RSA_PKCS, (const unsigned char *) "raw", 3);
	ck_assert_int_eq (apdu_verify_count (), 1);
	ck_assert_rv (p11->C_Logout (s), CKR_OK);
	ck_assert_int_eq (raw_sign (key_fid (key)), 0x6982);
}

START_TEST (test_auth_only_slots) { assert_only_token (KEY_AUTH); }
END_TEST

START_TEST (test_auth_only_sign) { assert_only_token_signs (KEY_AUTH); }
END_TEST

TCase *
tcase_auth_only (void)
{
	TCase *tc = tcase_new ("auth-only");

	tcase_add_test (tc, test_auth_only_slots);
	tcase_add_test (tc, test_auth_only_sign);
	return tc;
}

START_TEST (test_sign_only_slots) { assert_only_token (KEY_SIGN); }
END_TEST

START_TEST (test_sign_only_sign) { assert_only_token_signs (KEY_SIGN); }
END_TEST

TCase *
tcase_sign_only (void)
{
	TCase *tc = tcase_new ("sign-only");

	tcase_add_test (tc, test_sign_only_slots);
	tcase_add_test (tc, test_sign_only_sign);
	return tc;
}
