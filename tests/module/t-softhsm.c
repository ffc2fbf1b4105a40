/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SoftHSMv2 as a second verifier: the authentication public key, read from
 * our module, imported into a SoftHSM token, and our signatures checked
 * there with C_Verify. */
#include "test-module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define SOFTHSM_MODULE "/usr/lib/softhsm/libsofthsm2.so"

static char softhsm_dir[] = "/tmp/jpki-softhsm.XXXXXX";

/* A private SoftHSM configuration with one initialised token.
 * scripts/install-deps installs softhsm2, so a missing one is a broken
 * set-up: the cross-check fails rather than passing without checking. */
static void
softhsm_prepare (void)
{
	char path[256], cmd[512];
	FILE *f;

	ck_assert_msg (access (SOFTHSM_MODULE, R_OK) == 0,
	               "SoftHSMv2 not installed (%s): install softhsm2 (scripts/install-deps)",
	               SOFTHSM_MODULE);
	ck_assert_ptr_nonnull (mkdtemp (softhsm_dir));
	snprintf (path, sizeof path, "%s/tokens", softhsm_dir);
	ck_assert_int_eq (mkdir (path, 0700), 0);
	snprintf (path, sizeof path, "%s/softhsm2.conf", softhsm_dir);
	f = fopen (path, "w");
	ck_assert_ptr_nonnull (f);
	fprintf (f, "directories.tokendir = %s/tokens\nobjectstore.backend = file\n"
	            "log.level = ERROR\nslots.removable = false\n", softhsm_dir);
	fclose (f);
	ck_assert_int_eq (setenv ("SOFTHSM2_CONF", path, 1), 0);
	snprintf (cmd, sizeof cmd, "softhsm2-util --init-token --free --label x --pin 1234 "
	                           "--so-pin 1234 >%s/init.log 2>&1", softhsm_dir);
	ck_assert_msg (system (cmd) == 0, "softhsm2-util --init-token failed");
}

static void
softhsm_cleanup (void)
{
	char cmd[300];

	snprintf (cmd, sizeof cmd, "rm -rf '%s'", softhsm_dir);
	if (system (cmd) != 0)
		fprintf (stderr, "could not remove %s\n", softhsm_dir);
}

/* C_VerifyInit with SoftHSM's copy of the key, then C_Verify's answer. */
static CK_RV
hsm_verify (CK_FUNCTION_LIST_PTR hsm, CK_SESSION_HANDLE hs, CK_OBJECT_HANDLE key,
            CK_MECHANISM_TYPE mech, const unsigned char *data, CK_ULONG len, unsigned char *sig,
            CK_ULONG sig_len)
{
	CK_MECHANISM m = { mech, NULL, 0 };

	ck_assert_rv (hsm->C_VerifyInit (hs, &m, key), CKR_OK);
	return hsm->C_Verify (hs, (CK_BYTE_PTR) data, len, sig, sig_len);
}

START_TEST (test_softhsm_verifies)
{
	CK_FUNCTION_LIST_PTR hsm;
	CK_SESSION_HANDLE s, hs;
	CK_OBJECT_HANDLE priv, pub, hpub;
	CK_SLOT_ID slots[8];
	CK_ULONG n = 8, mod_len, exp_len;
	unsigned char *modulus, *exponent;
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = CKK_RSA;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE tmpl[6];
	const unsigned char data[] = "signed by the card, verified by SoftHSM";
	unsigned char tls[36], sig[SIG_LEN];
	CK_ULONG sig_len;

	softhsm_prepare ();
	priv = login_key (KEY_AUTH, &s);
	pub = p11_find_one (s, CKO_PUBLIC_KEY);
	modulus = p11_attr (s, pub, CKA_MODULUS, &mod_len);
	exponent = p11_attr (s, pub, CKA_PUBLIC_EXPONENT, &exp_len);

	hsm = p11_load_module (SOFTHSM_MODULE);
	ck_assert_rv (hsm->C_Initialize (NULL), CKR_OK);
	ck_assert_rv (hsm->C_GetSlotList (CK_TRUE, slots, &n), CKR_OK);
	ck_assert_uint_ge (n, 1);
	ck_assert_rv (hsm->C_OpenSession (slots[0], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
	                                  &hs),
	              CKR_OK);
	ck_assert_rv (hsm->C_Login (hs, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK);
	tmpl[0] = (CK_ATTRIBUTE) { CKA_CLASS, &cls, sizeof cls };
	tmpl[1] = (CK_ATTRIBUTE) { CKA_KEY_TYPE, &type, sizeof type };
	tmpl[2] = (CK_ATTRIBUTE) { CKA_TOKEN, &no, sizeof no };
	tmpl[3] = (CK_ATTRIBUTE) { CKA_VERIFY, &yes, sizeof yes };
	tmpl[4] = (CK_ATTRIBUTE) { CKA_MODULUS, modulus, mod_len };
	tmpl[5] = (CK_ATTRIBUTE) { CKA_PUBLIC_EXPONENT, exponent, exp_len };
	ck_assert_rv (hsm->C_CreateObject (hs, tmpl, 6, &hpub), CKR_OK);

	/* CKM_SHA256_RSA_PKCS */
	sig_len = sizeof sig;
	ck_assert_rv (p11_sign_rv (p11, s, priv, CKM_SHA256_RSA_PKCS, data, sizeof data, sig,
	                           &sig_len),
	              CKR_OK);
	ck_assert_rv (hsm_verify (hsm, hs, hpub, CKM_SHA256_RSA_PKCS, data, sizeof data, sig, sig_len),
	              CKR_OK);
	/* A changed byte must fail there: the check is real. */
	sig[100] ^= 1;
	ck_assert_rv (hsm_verify (hsm, hs, hpub, CKM_SHA256_RSA_PKCS, data, sizeof data, sig, sig_len),
	              CKR_SIGNATURE_INVALID);

	/* CKM_RSA_PKCS over a TLS-style MD5+SHA1 block. */
	for (size_t i = 0; i < sizeof tls; i++)
		tls[i] = (unsigned char) (i * 13 + 5);
	sig_len = sizeof sig;
	ck_assert_rv (p11_sign_rv (p11, s, priv, CKM_RSA_PKCS, tls, sizeof tls, sig, &sig_len),
	              CKR_OK);
	ck_assert_rv (hsm_verify (hsm, hs, hpub, CKM_RSA_PKCS, tls, sizeof tls, sig, sig_len), CKR_OK);

	/* CKM_SHA512_RSA_PKCS, signed in parts. */
	sig_len = sizeof sig;
	ck_assert_rv (p11_sign_parts_rv (s, priv, CKM_SHA512_RSA_PKCS, data, sizeof data, sig,
	                                 &sig_len),
	              CKR_OK);
	ck_assert_rv (hsm_verify (hsm, hs, hpub, CKM_SHA512_RSA_PKCS, data, sizeof data, sig, sig_len),
	              CKR_OK);

	hsm->C_Finalize (NULL);
	free (modulus);
	free (exponent);
	softhsm_cleanup ();
}
END_TEST

TCase *
tcase_softhsm (void)
{
	TCase *tc = tcase_new ("softhsm");

	tcase_add_test (tc, test_softhsm_verifies);
	return tc;
}
