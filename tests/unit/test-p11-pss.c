/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RSA-PSS through the PKCS#11 layer over the fake PC/SC library, one card
 * generation per row (tests/vcard/README.md): what the tokens list, what
 * a PSS signature gives, and how one refused signature settles a card,
 * all in one process. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "fake-pcsc.h"
#include "p11-fixture.h"
#include "test-fixture.h"

static struct vcard *card;

/* The module on a fresh card with opt, the user's PSS switch as pss
 * (NULL: unset). */
static void
start (const struct vcard_options *opt, const char *pss)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	const struct fixture_spec adult = { 0 };

	if (pss != NULL)
		setenv ("JPKI_PKCS11_PSS", pss, 1);
	else
		unsetenv ("JPKI_PKCS11_PSS");
	card = fixture_open_card (&adult, opt);
	fake_pcsc_insert (card);
	ck_assert_rv (C_GetFunctionList (&p11), CKR_OK);
	ck_assert_rv (p11->C_Initialize (&args), CKR_OK);
}

static void
stop (void)
{
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	fake_pcsc_remove ();
	vcard_close (card);
	unsetenv ("JPKI_PKCS11_PSS");
}

static CK_ULONG
mechanism_count (CK_SLOT_ID slot)
{
	CK_ULONG n = 0;

	ck_assert_rv (p11->C_GetMechanismList (slot, NULL, &n), CKR_OK);
	return n;
}

static bool
pss_verifies (CK_SLOT_ID slot, const uint8_t *hash, const uint8_t *sig)
{
	EVP_PKEY *key = fixture_key (slot == SLOT_AUTH ? CREDENTIAL_AUTH : CREDENTIAL_SIGN);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new (key, NULL);
	bool ok;

	ck_assert_ptr_nonnull (ctx);
	ck_assert_int_eq (EVP_PKEY_verify_init (ctx), 1);
	ck_assert_int_gt (EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PSS_PADDING), 0);
	ck_assert_int_gt (EVP_PKEY_CTX_set_signature_md (ctx, EVP_sha256 ()), 0);
	ck_assert_int_gt (EVP_PKEY_CTX_set_rsa_mgf1_md (ctx, EVP_sha256 ()), 0);
	ck_assert_int_gt (EVP_PKEY_CTX_set_rsa_pss_saltlen (ctx, 32), 0);
	ok = EVP_PKEY_verify (ctx, sig, 256, hash, 32) == 1;
	EVP_PKEY_CTX_free (ctx);
	return ok;
}

/* C_SignInit and C_Sign with a PSS mechanism over data; sig zeroed first. */
static CK_RV
sign_pss (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE type, const uint8_t *data,
          CK_ULONG len, uint8_t *sig)
{
	CK_RSA_PKCS_PSS_PARAMS params = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM mech = { type, &params, sizeof params };
	CK_ULONG sig_len = 256;
	CK_RV rv;

	memset (sig, 0, 256);
	rv = p11->C_SignInit (s, &mech, key);
	if (rv != CKR_OK)
		return rv;
	return p11->C_Sign (s, (CK_BYTE_PTR) data, len, sig, &sig_len);
}

static const uint8_t message[] = "to be signed";

/* What each card makes of a PSS signature, asked for after the tokens'
 * mechanisms (as NSS does). */
static const struct pss_row {
	const char *name;
	enum vcard_generation generation;
	unsigned salt;           /* the card's PSS salt length; 0: 32 */
	const char *pss;         /* JPKI_PKCS11_PSS */
	CK_ULONG listed;         /* mechanisms before the signature */
	CK_RV init, sign;        /* C_SignInit, C_Sign */
	CK_ULONG listed_after;
} pss_rows[] = {
	{ "current", VCARD_GENERATION_CURRENT, 0, NULL, 7, CKR_OK, CKR_OK, 7 },
	/* Its PSS signature fails the check: PSS is gone. */
	{ "salt 20", VCARD_GENERATION_CURRENT, 20, NULL, 7, CKR_OK, CKR_DEVICE_ERROR, 5 },
	{ "switched off", VCARD_GENERATION_CURRENT, 0, "off", 5, CKR_MECHANISM_INVALID, 0, 5 },
	{ "older", VCARD_GENERATION_OLDER, 0, NULL, 5, CKR_MECHANISM_INVALID, 0, 5 },
	{ "6982-first", VCARD_GENERATION_6982_FIRST, 0, NULL, 5, CKR_MECHANISM_INVALID, 0, 5 },
	/* Listed as asked; the first signature settles it, for good. */
	{ "6982-first, on", VCARD_GENERATION_6982_FIRST, 0, "on", 7, CKR_OK, CKR_FUNCTION_FAILED, 5 },
};

START_TEST (test_pss_by_card)
{
	const struct pss_row *row = &pss_rows[_i];
	struct vcard_options opt = { .generation = row->generation, .pss_salt_len = row->salt };
	uint8_t hash[32], sig[256], zeros[256] = { 0 };
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_RV rv;

	start (&opt, row->pss);
	ck_assert_msg (mechanism_count (SLOT_AUTH) == row->listed, "%s: %lu mechanisms listed",
	               row->name, mechanism_count (SLOT_AUTH));
	ck_assert_uint_eq (mechanism_count (SLOT_SIGN), row->listed);
	s = open_session (SLOT_AUTH, 0);
	login (s, SLOT_AUTH);
	key = find_private_key (s);
	rv = sign_pss (s, key, CKM_SHA256_RSA_PKCS_PSS, message, sizeof message, sig);
	if (row->init != CKR_OK) {
		ck_assert_msg (rv == row->init, "%s: C_SignInit 0x%lx", row->name, rv);
	} else {
		ck_assert_msg (rv == row->sign, "%s: C_Sign 0x%lx", row->name, rv);
		ck_assert_int_eq (EVP_Digest (message, sizeof message, hash, NULL, EVP_sha256 (), NULL), 1);
		if (rv == CKR_OK)
			ck_assert (pss_verifies (SLOT_AUTH, hash, sig));
		else
			ck_assert_mem_eq (sig, zeros, 256);   /* nothing released */
	}
	ck_assert_uint_eq (mechanism_count (SLOT_AUTH), row->listed_after);
	if (row->listed_after == 5) {
		ck_assert_rv (sign_pss (s, key, CKM_RSA_PKCS_PSS, hash, 32, sig), CKR_MECHANISM_INVALID);
	}
	/* PKCS#1 v1.5 signs on every card. */
	{
		CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
		CK_ULONG sig_len = sizeof sig;

		ck_assert_rv (p11->C_SignInit (s, &m, key), CKR_OK);
		ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) message, sizeof message, sig, &sig_len),
		              CKR_OK);
		ck_assert (signature_verifies (SLOT_AUTH, message, sizeof message, sig, sig_len));
	}
	stop ();
}
END_TEST

/* CKM_RSA_PKCS_PSS signs the caller's 32-byte hash, the same as
 * CKM_SHA256_RSA_PKCS_PSS over the data; other lengths never reach the card. */
START_TEST (test_pss_raw_hash)
{
	uint8_t hash[33], sig[256];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	unsigned before;

	start (NULL, NULL);
	s = open_session (SLOT_SIGN, 0);
	login (s, SLOT_SIGN);
	key = find_private_key (s);
	ck_assert_int_eq (EVP_Digest (message, sizeof message, hash, NULL, EVP_sha256 (), NULL), 1);
	ck_assert_rv (sign_pss (s, key, CKM_RSA_PKCS_PSS, hash, 32, sig), CKR_OK);
	ck_assert (pss_verifies (SLOT_SIGN, hash, sig));
	before = fake_pcsc_apdus ();
	ck_assert_rv (sign_pss (s, key, CKM_RSA_PKCS_PSS, hash, 33, sig), CKR_DATA_LEN_RANGE);
	ck_assert_rv (sign_pss (s, key, CKM_RSA_PKCS_PSS, hash, 20, sig), CKR_DATA_LEN_RANGE);
	ck_assert_uint_eq (fake_pcsc_apdus (), before);
	stop ();
}
END_TEST

/* One APDU per signature once the card took the named key; the PSS
 * question is asked once, and not at all when PSS is switched off. */
START_TEST (test_apdus)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	uint8_t sig[256];
	CK_ULONG sig_len;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	unsigned before;

	start (NULL, _i ? "off" : NULL);
	s = open_session (SLOT_AUTH, 0);
	login (s, SLOT_AUTH);
	key = find_private_key (s);
	for (int i = 0; i < 3; i++) {
		before = fake_pcsc_apdus ();
		sig_len = sizeof sig;
		ck_assert_rv (p11->C_SignInit (s, &m, key), CKR_OK);
		ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) message, sizeof message, sig, &sig_len),
		              CKR_OK);
		ck_assert_uint_eq (fake_pcsc_apdus () - before, 1);
	}
	before = fake_pcsc_apdus ();
	mechanism_count (SLOT_AUTH);
	/* With a PIN verified the card answers the question 67 00: one APDU. */
	ck_assert_uint_eq (fake_pcsc_apdus () - before, _i ? 0 : 1);
	before = fake_pcsc_apdus ();
	mechanism_count (SLOT_SIGN);
	mechanism_count (SLOT_AUTH);
	ck_assert_uint_eq (fake_pcsc_apdus (), before);
	stop ();
}
END_TEST

/* The card pulled out at the PSS question: the caller hears of it (NSS
 * would keep a mechanism list without PSS), and is not told "no PSS". */
START_TEST (test_question_card_gone)
{
	CK_RSA_PKCS_PSS_PARAMS params = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS_PSS, &params, sizeof params };
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_ULONG n = 0;

	start (NULL, NULL);
	s = open_session (SLOT_AUTH, 0);
	login (s, SLOT_AUTH);
	key = find_private_key (s);
	fake_pcsc_pull_at (1);
	if (_i == 0)
		ck_assert_rv (p11->C_GetMechanismList (SLOT_AUTH, NULL, &n), CKR_DEVICE_REMOVED);
	else
		ck_assert_rv (p11->C_SignInit (s, &mech, key), CKR_DEVICE_REMOVED);
	stop ();
}
END_TEST

int
main (void)
{
	Suite *suite = suite_create ("p11-pss");
	TCase *tc = tcase_create ("pss");

	tcase_set_timeout (tc, 30);
	tcase_add_loop_test (tc, test_pss_by_card, 0, N_ROWS (pss_rows));
	tcase_add_test (tc, test_pss_raw_hash);
	tcase_add_loop_test (tc, test_apdus, 0, 2);
	tcase_add_loop_test (tc, test_question_card_gone, 0, 2);
	suite_add_tcase (suite, tc);
	return p11_run_suite (suite);
}
