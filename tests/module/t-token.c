/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Token information and mechanisms. */
#include "test-module.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Token information */

START_TEST (test_token_labels)
{
	char auth[33], sign[33];
	CK_TOKEN_INFO info = p11_token_info (SLOT_AUTH);

	snprintf (auth, sizeof auth, "%s", p11_text (info.label, sizeof info.label));
	ck_assert_msg (contains_ci (auth, "auth") && contains_ci (auth, "PIN"),
	               "auth token label \"%s\" does not say which PIN", auth);
	if (!scenario_has_sign ())
		return;
	info = p11_token_info (SLOT_SIGN);
	snprintf (sign, sizeof sign, "%s", p11_text (info.label, sizeof info.label));
	ck_assert_msg (contains_ci (sign, "sign") && contains_ci (sign, "PIN"),
	               "sign token label \"%s\" does not say which PIN", sign);
	ck_assert_str_ne (auth, sign);
}
END_TEST

static void
serial_of (CK_SLOT_ID slot, char out[17])
{
	CK_TOKEN_INFO info = p11_token_info (slot);

	memcpy (out, info.serialNumber, 16);
	out[16] = '\0';
}

/* The certificate's serial in hex, and its subject CN. */
static void
auth_cert_identity (char *serial_hex, size_t serial_cap, char *cn, size_t cn_cap)
{
	X509 *x = cert_load ("auth.crt");
	BIGNUM *bn;
	char *hex;

	ck_assert_ptr_nonnull (x);
	bn = ASN1_INTEGER_to_BN (X509_get0_serialNumber (x), NULL);
	hex = BN_bn2hex (bn);
	snprintf (serial_hex, serial_cap, "%s", hex);
	OPENSSL_free (hex);
	BN_free (bn);
	cn[0] = '\0';
	X509_NAME_get_text_by_NID (X509_get_subject_name (x), NID_commonName, cn, (int) cn_cap);
	X509_free (x);
}

START_TEST (test_token_serial)
{
	char a[17], b[17], again[17], trimmed[17], cert_serial[128], cn[128];
	size_t len;

	serial_of (SLOT_AUTH, a);
	if (scenario_has_sign ()) {
		serial_of (SLOT_SIGN, b);
		ck_assert_str_eq (a, b);
	}
	snprintf (trimmed, sizeof trimmed, "%s", p11_text ((unsigned char *) a, 16));
	len = strlen (trimmed);
	ck_assert_uint_gt (len, 0);
	ck_assert_msg (strspn (trimmed, "0") != len, "serial number \"%s\" is all zeros", a);
	for (size_t i = 0; i < 16; i++)
		ck_assert_msg (isprint ((unsigned char) a[i]), "serial has a non-printable byte");

	/* No personal data, nothing copied from the certificate. */
	auth_cert_identity (cert_serial, sizeof cert_serial, cn, sizeof cn);
	ck_assert_msg (!contains_ci (cert_serial, trimmed) && !contains_ci (trimmed, cert_serial),
	               "token serial %s is the certificate serial %s", trimmed, cert_serial);
	ck_assert_msg (cn[0] == '\0' || (!contains_ci (cn, trimmed) && !contains_ci (trimmed, cn)),
	               "token serial %s is the subject CN %s", trimmed, cn);
	if (strlen (cn) >= 8) {
		char head[9];
		memcpy (head, cn, 8);
		head[8] = '\0';
		ck_assert_msg (!contains_ci (trimmed, head), "token serial %s holds the CN %s", trimmed,
		               cn);
	}

	/* Stable across C_Finalize/C_Initialize. */
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	serial_of (SLOT_AUTH, again);
	ck_assert_str_eq (a, again);
}
END_TEST

START_TEST (test_token_flags)
{
	const CK_FLAGS required = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED |
	                          CKF_WRITE_PROTECTED | CKF_TOKEN_INITIALIZED;
	const CK_FLAGS forbidden = CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY |
	                           CKF_USER_PIN_LOCKED | CKF_USER_PIN_TO_BE_CHANGED |
	                           CKF_PROTECTED_AUTHENTICATION_PATH | CKF_RNG |
	                           CKF_SO_PIN_LOCKED | CKF_SO_PIN_FINAL_TRY;

	for (int k = 0; k < (scenario_has_sign () ? 2 : 1); k++) {
		CK_TOKEN_INFO info = p11_token_info (key_slot (k));
		ck_assert_msg ((info.flags & required) == required, "slot %d flags 0x%lx lack 0x%lx", k,
		               info.flags, required & ~info.flags);
		ck_assert_msg ((info.flags & forbidden) == 0, "slot %d flags 0x%lx have 0x%lx", k,
		               info.flags, info.flags & forbidden);
		ck_assert_uint_eq (info.ulMinPinLen, k == KEY_AUTH ? 4 : 6);
		ck_assert_uint_eq (info.ulMaxPinLen, k == KEY_AUTH ? 4 : 16);
		ck_assert_str_ne (p11_text (info.manufacturerID, sizeof info.manufacturerID), "");
		ck_assert_str_ne (p11_text (info.model, sizeof info.model), "");
	}
}
END_TEST

START_TEST (test_token_session_count)
{
	CK_SESSION_HANDLE s1, s2;

	ck_assert_uint_eq (p11_token_info (SLOT_AUTH).ulSessionCount, 0);
	s1 = p11_open (SLOT_AUTH);
	s2 = p11_open (SLOT_AUTH);
	ck_assert_uint_eq (p11_token_info (SLOT_AUTH).ulSessionCount, 2);
	ck_assert_uint_eq (p11_token_info (SLOT_AUTH).ulRwSessionCount, 0);
	if (scenario_has_sign ())
		ck_assert_uint_eq (p11_token_info (SLOT_SIGN).ulSessionCount, 0);
	ck_assert_rv (p11->C_CloseSession (s1), CKR_OK);
	ck_assert_uint_eq (p11_token_info (SLOT_AUTH).ulSessionCount, 1);
	ck_assert_rv (p11->C_CloseSession (s2), CKR_OK);
	ck_assert_uint_eq (p11_token_info (SLOT_AUTH).ulSessionCount, 0);
}
END_TEST

TCase *
tcase_token (void)
{
	TCase *tc = tcase_new ("token");

	tcase_add_test (tc, test_token_labels);
	tcase_add_test (tc, test_token_serial);
	tcase_add_test (tc, test_token_flags);
	tcase_add_test (tc, test_token_session_count);
	return tc;
}

/* ------------------------------------------------------------------ */
/* Mechanisms */

START_TEST (test_mechanism_list)
{
	CK_MECHANISM_TYPE list[16];
	CK_ULONG n;

	for (CK_SLOT_ID slot = SLOT_AUTH; slot <= SLOT_SIGN; slot++) {
		n = 99;
		ck_assert_rv (p11->C_GetMechanismList (slot, NULL, &n), CKR_OK);
		ck_assert_uint_eq (n, 7);
		n = 2;
		ck_assert_rv (p11->C_GetMechanismList (slot, list, &n), CKR_BUFFER_TOO_SMALL);
		ck_assert_uint_eq (n, 7);
		n = 16;
		memset (list, 0xA5, sizeof list);
		ck_assert_rv (p11->C_GetMechanismList (slot, list, &n), CKR_OK);
		ck_assert_uint_eq (n, 7);
		for (int i = 0; i < 7; i++) {
			CK_MECHANISM_TYPE want = i < 5 ? all_mechs[i] : pss_mechs[i - 5];
			bool found = false;
			for (CK_ULONG j = 0; j < n; j++)
				found |= list[j] == want;
			ck_assert_msg (found, "%s missing on slot %lu", mech_name (want), slot);
		}
	}
	n = 16;
	ck_assert_rv (p11->C_GetMechanismList (SLOT_EMPTY_AUTH, list, &n), CKR_TOKEN_NOT_PRESENT);
	ck_assert_rv (p11->C_GetMechanismList (SLOT_COUNT + 5, list, &n), CKR_SLOT_ID_INVALID);
}
END_TEST

START_TEST (test_mechanism_info)
{
	static const CK_MECHANISM_TYPE unknown[] = {
		CKM_SHA1_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS, CKM_RSA_X_509, CKM_SHA224_RSA_PKCS,
		CKM_ECDSA, CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_SHA256, CKM_MD5_RSA_PKCS,
	};
	CK_MECHANISM_INFO info;

	for (CK_SLOT_ID slot = SLOT_AUTH; slot <= SLOT_SIGN; slot++) {
		for (int i = 0; i < 7; i++) {
			CK_MECHANISM_TYPE want = i < 5 ? all_mechs[i] : pss_mechs[i - 5];
			memset (&info, 0xA5, sizeof info);
			ck_assert_rv (p11->C_GetMechanismInfo (slot, want, &info), CKR_OK);
			ck_assert_uint_eq (info.ulMinKeySize, 2048);
			ck_assert_uint_eq (info.ulMaxKeySize, 2048);
			ck_assert_msg (info.flags == (CKF_SIGN | CKF_HW), "%s flags 0x%lx",
			               mech_name (want), info.flags);
		}
		for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
			ck_assert_rv (p11->C_GetMechanismInfo (slot, unknown[i], &info),
			              CKR_MECHANISM_INVALID);
	}
	ck_assert_rv (p11->C_GetMechanismInfo (SLOT_EMPTY_SIGN, CKM_RSA_PKCS, &info),
	              CKR_TOKEN_NOT_PRESENT);
	ck_assert_rv (p11->C_GetMechanismInfo (SLOT_AUTH, CKM_RSA_PKCS, NULL), CKR_ARGUMENTS_BAD);
}
END_TEST

TCase *
tcase_mechanisms (void)
{
	TCase *tc = tcase_new ("mechanisms");

	tcase_add_test (tc, test_mechanism_list);
	tcase_add_test (tc, test_mechanism_info);
	return tc;
}
