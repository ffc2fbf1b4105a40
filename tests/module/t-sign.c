/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Signing: every mechanism with both keys, checked with OpenSSL; lengths,
 * operation state, one VERIFY per login, logout across tokens, no PIN
 * left behind, threads. */
#include "test-module.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

static const char message[] =
	"My Number Card JPKI signature test: e-Tax attachment 1 of 10, "
	"with enough bytes to cross a block or two of every hash.";

static void
sign_every_mechanism (enum key key)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE priv = login_key (key, &s);
	unsigned char sig[SIG_LEN];
	CK_ULONG sig_len;

	for (int i = 0; i < 5; i++) {
		CK_MECHANISM_TYPE mech = all_mechs[i];
		const unsigned char *data = (const unsigned char *) message;
		CK_ULONG len = sizeof message - 1;

		/* Single-part. */
		sign_and_check (s, priv, key, mech, data, len);
		/* Multi-part: three C_SignUpdate, then C_SignFinal. */
		sig_len = sizeof sig;
		ck_assert_rv (p11_sign_parts_rv (s, priv, mech, data, len, sig, &sig_len), CKR_OK);
		ck_assert_uint_eq (sig_len, SIG_LEN);
		ck_assert_msg (sig_verify (key_cert (key), mech, data, len, sig, sig_len),
		               "multi-part %s signature does not verify", mech_name (mech));
		/* A signature of other data does not verify: the check can fail. */
		ck_assert (!sig_verify (key_cert (key), mech, data, len - 1, sig, sig_len));
	}
	/* Empty data for a hashing mechanism. */
	sign_and_check (s, priv, key, CKM_SHA256_RSA_PKCS, (const unsigned char *) "", 0);
}

START_TEST (test_sign_auth_key)
{
	sign_every_mechanism (KEY_AUTH);
}
END_TEST

START_TEST (test_sign_sign_key)
{
	sign_every_mechanism (KEY_SIGN);
}
END_TEST

/* CKM_RSA_PKCS: what TLS sends (MD5 and SHA-1 concatenated), up to k-11. */
START_TEST (test_rsa_pkcs_lengths)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE priv = login_key (KEY_AUTH, &s);
	unsigned char tls[36], data[300], sig[SIG_LEN];
	CK_ULONG sig_len = sizeof sig;
	unsigned int n;

	EVP_Digest (message, sizeof message - 1, tls, &n, EVP_md5 (), NULL);
	EVP_Digest (message, sizeof message - 1, tls + 16, &n, EVP_sha1 (), NULL);
	sign_and_check (s, priv, KEY_AUTH, CKM_RSA_PKCS, tls, sizeof tls);
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char) (i * 7 + 1);
	sign_and_check (s, priv, KEY_AUTH, CKM_RSA_PKCS, data, 245);
	sign_and_check (s, priv, KEY_AUTH, CKM_RSA_PKCS, data, 1);
	ck_assert_rv (p11_sign_rv (p11, s, priv, CKM_RSA_PKCS, data, 246, sig, &sig_len),
	              CKR_DATA_LEN_RANGE);
	/* The operation ended with the error. */
	ck_assert_rv (p11->C_Sign (s, data, 10, sig, &sig_len), CKR_OPERATION_NOT_INITIALIZED);
	sig_len = sizeof sig;
	ck_assert_rv (p11_sign_rv (p11, s, priv, CKM_RSA_PKCS, data, 256, sig, &sig_len),
	              CKR_DATA_LEN_RANGE);
	sig_len = sizeof sig;
	ck_assert_rv (p11_sign_parts_rv (s, priv, CKM_RSA_PKCS, data, 246, sig, &sig_len),
	              CKR_DATA_LEN_RANGE);
	sig_len = sizeof sig;
	ck_assert_rv (p11_sign_parts_rv (s, priv, CKM_RSA_PKCS, data, sizeof data, sig, &sig_len),
	              CKR_DATA_LEN_RANGE);
	/* Still usable afterwards. */
	sign_and_check (s, priv, KEY_AUTH, CKM_RSA_PKCS, tls, sizeof tls);
}
END_TEST

TCase *
tcase_sign (void)
{
	TCase *tc = tcase_new ("sign");

	tcase_add_test (tc, test_sign_auth_key);
	if (scenario_has_sign ())
		tcase_add_test (tc, test_sign_sign_key);
	tcase_add_test (tc, test_rsa_pkcs_lengths);
	return tc;
}

/* ------------------------------------------------------------------ */
/* Operation state */

START_TEST (test_length_query)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE priv = login_key (KEY_AUTH, &s);
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	const unsigned char *data = (const unsigned char *) message;
	CK_ULONG len = sizeof message - 1;
	unsigned char sig[SIG_LEN];
	CK_ULONG sig_len;
	long apdus;

	/* C_Sign: NULL buffer gives the length and keeps the operation. */
	ck_assert_rv (p11->C_SignInit (s, &m, priv), CKR_OK);
	apdus = apdu_count ();
	sig_len = 0;
	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) data, len, NULL, &sig_len), CKR_OK);
	ck_assert_uint_eq (sig_len, SIG_LEN);
	ck_assert_int_eq (apdu_count (), apdus);
	/* Too small: CKR_BUFFER_TOO_SMALL, the length, still active. */
	sig_len = SIG_LEN - 1;
	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) data, len, sig, &sig_len), CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (sig_len, SIG_LEN);
	ck_assert_rv (p11->C_SignInit (s, &m, priv), CKR_OPERATION_ACTIVE);
	sig_len = sizeof sig;
	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) data, len, sig, &sig_len), CKR_OK);
	ck_assert_uint_eq (sig_len, SIG_LEN);
	/* The data went in once, not three times. */
	ck_assert (sig_verify ("auth.crt", CKM_SHA256_RSA_PKCS, data, len, sig, sig_len));
	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) data, len, sig, &sig_len),
	              CKR_OPERATION_NOT_INITIALIZED);

	/* The same for C_SignFinal. */
	ck_assert_rv (p11->C_SignInit (s, &m, priv), CKR_OK);
	ck_assert_rv (p11->C_SignUpdate (s, (CK_BYTE_PTR) data, 10), CKR_OK);
	ck_assert_rv (p11->C_SignUpdate (s, (CK_BYTE_PTR) data + 10, len - 10), CKR_OK);
	sig_len = 0;
	ck_assert_rv (p11->C_SignFinal (s, NULL, &sig_len), CKR_OK);
	ck_assert_uint_eq (sig_len, SIG_LEN);
	sig_len = 100;
	ck_assert_rv (p11->C_SignFinal (s, sig, &sig_len), CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (sig_len, SIG_LEN);
	sig_len = sizeof sig;
	ck_assert_rv (p11->C_SignFinal (s, sig, &sig_len), CKR_OK);
	ck_assert (sig_verify ("auth.crt", CKM_SHA256_RSA_PKCS, data, len, sig, sig_len));
	ck_assert_rv (p11->C_SignFinal (s, sig, &sig_len), CKR_OPERATION_NOT_INITIALIZED);
	ck_assert_rv (p11->C_SignUpdate (s, (CK_BYTE_PTR) data, 1), CKR_OPERATION_NOT_INITIALIZED);
}
END_TEST

START_TEST (test_sign_init_rules)
{
	CK_SESSION_HANDLE s, other;
	CK_OBJECT_HANDLE priv = login_key (KEY_AUTH, &s);
	CK_OBJECT_HANDLE pub = p11_find_one (s, CKO_PUBLIC_KEY);
	CK_OBJECT_HANDLE cert = p11_find_cert (s, 1);
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM pss = { CKM_SHA256_RSA_PKCS_PSS, NULL, 0 };
	CK_BYTE param[4] = { 0 };
	CK_MECHANISM with_param = { CKM_SHA256_RSA_PKCS, param, sizeof param };
	unsigned char sig[SIG_LEN];
	CK_ULONG sig_len = sizeof sig;

	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) "x", 1, sig, &sig_len),
	              CKR_OPERATION_NOT_INITIALIZED);
	ck_assert_rv (p11->C_SignUpdate (s, (CK_BYTE_PTR) "x", 1), CKR_OPERATION_NOT_INITIALIZED);
	ck_assert_rv (p11->C_SignFinal (s, sig, &sig_len), CKR_OPERATION_NOT_INITIALIZED);
	/* PSS takes its parameters (hashAlg, mgf, sLen), never none. */
	ck_assert_rv (p11->C_SignInit (s, &pss, priv), CKR_MECHANISM_PARAM_INVALID);
	ck_assert_rv (p11->C_SignInit (s, &with_param, priv), CKR_MECHANISM_PARAM_INVALID);
	/* The public key has CKA_SIGN false (as SoftHSMv2 answers too). */
	ck_assert_rv (p11->C_SignInit (s, &m, pub), CKR_KEY_FUNCTION_NOT_PERMITTED);
	ck_assert_rv (p11->C_SignInit (s, &m, cert), CKR_KEY_HANDLE_INVALID);
	ck_assert_rv (p11->C_SignInit (s, &m, 0), CKR_KEY_HANDLE_INVALID);
	ck_assert_rv (p11->C_SignInit (s, NULL, priv), CKR_ARGUMENTS_BAD);
	/* None of that left an operation behind. */
	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) "x", 1, sig, &sig_len),
	              CKR_OPERATION_NOT_INITIALIZED);
	ck_assert_rv (p11->C_SignInit (s, &m, priv), CKR_OK);
	ck_assert_rv (p11->C_SignInit (s, &m, priv), CKR_OPERATION_ACTIVE);
	/* Operations are per session. */
	other = p11_open (SLOT_AUTH);
	sign_and_check (other, priv, KEY_AUTH, CKM_SHA1_RSA_PKCS, (const unsigned char *) "y", 1);
	sig_len = sizeof sig;
	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) "x", 1, sig, &sig_len), CKR_OK);
	ck_assert (sig_verify ("auth.crt", CKM_SHA256_RSA_PKCS, (const unsigned char *) "x", 1, sig,
	                       sig_len));

	/* v2.40 C_Logout: handles to private objects become invalid. */
	ck_assert_rv (p11->C_Logout (s), CKR_OK);
	ck_assert_rv (p11->C_SignInit (s, &m, priv), CKR_KEY_HANDLE_INVALID);
	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) "x", 1, sig, &sig_len),
	              CKR_OPERATION_NOT_INITIALIZED);
}
END_TEST

/* One login serves many signatures: one VERIFY for ten signatures. */
START_TEST (test_ten_signatures_one_verify)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE priv;
	long verifies = apdu_verify_count (), apdus;
	unsigned char data[32];

	for (enum key key = KEY_AUTH; key <= (scenario_has_sign () ? KEY_SIGN : KEY_AUTH); key++) {
		priv = login_key (key, &s);
		ck_assert_int_eq (apdu_verify_count (), verifies + 1);
		apdus = apdu_count ();
		for (int i = 0; i < 10; i++) {
			memset (data, i, sizeof data);
			sign_and_check (s, priv, key, i % 2 ? CKM_SHA256_RSA_PKCS : CKM_SHA512_RSA_PKCS,
			                data, sizeof data);
		}
		ck_assert_int_eq (apdu_verify_count (), verifies + 1);
		/* A handful of APDUs per signature, not a re-read of the card. */
		ck_assert_int_le (apdu_count () - apdus, 10 * 4);
		verifies = apdu_verify_count ();
	}
}
END_TEST

TCase *
tcase_sign_rules (void)
{
	TCase *tc = tcase_new ("sign-rules");

	tcase_add_test (tc, test_length_query);
	tcase_add_test (tc, test_sign_init_rules);
	tcase_add_test (tc, test_ten_signatures_one_verify);
	return tc;
}

/* ------------------------------------------------------------------ */
/* Logout */

/* Logging out one token ends the other's login too (the card clears both
 * PINs at once), and its sessions say so. */
static void
logout_across (enum key from)
{
	enum key to = key_other (from);
	CK_SESSION_HANDLE s_from, s_to;
	CK_OBJECT_HANDLE k_from = login_key (from, &s_from);
	CK_OBJECT_HANDLE k_to = login_key (to, &s_to);
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	unsigned char sig[SIG_LEN];
	CK_ULONG sig_len = sizeof sig;
	long verifies;

	(void) k_from;
	/* An operation begun before the logout. */
	ck_assert_rv (p11->C_SignInit (s_to, &m, k_to), CKR_OK);
	ck_assert_rv (p11->C_Logout (s_from), CKR_OK);
	verifies = apdu_verify_count ();
	ck_assert_uint_eq (p11_state (s_from), CKS_RO_PUBLIC_SESSION);
	ck_assert_uint_eq (p11_state (s_to), CKS_RO_PUBLIC_SESSION);
	ck_assert_rv (p11->C_Sign (s_to, (CK_BYTE_PTR) "x", 1, sig, &sig_len), CKR_USER_NOT_LOGGED_IN);
	/* Its login ended with the other's C_Logout: its private handles too. */
	ck_assert_rv (p11->C_SignInit (s_to, &m, k_to), CKR_KEY_HANDLE_INVALID);
	ck_assert_rv (p11->C_Logout (s_to), CKR_USER_NOT_LOGGED_IN);
	ck_assert_uint_eq (p11_count_class (s_to, CKO_PRIVATE_KEY), 0);
	/* No silent re-login, and no PIN on the card. */
	ck_assert_int_eq (apdu_verify_count (), verifies);
	ck_assert_int_eq (raw_sign ("0017"), 0x6982);
	ck_assert_int_eq (raw_sign ("001A"), 0x6982);
	/* A new login works (v2.40: old handles to private objects may be
	 * invalid after C_Logout, so find the key again). */
	p11_login (s_to, card_pin (to));
	k_to = p11_find_one (s_to, CKO_PRIVATE_KEY);
	sign_and_check (s_to, k_to, to, CKM_SHA256_RSA_PKCS, (const unsigned char *) "x", 1);
}

/* Closing the last session logs its token out (v2.40 C_CloseSession),
 * and the card can only clear both PINs at once (select the MF): the
 * other token is logged out too, never silently logged in again. */
static void
assert_logged_out (CK_SESSION_HANDLE s, enum key key)
{
	ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);
	ck_assert_msg (raw_sign (key_fid (key)) == 0x6982,
	               "token %d logged out, PIN verified on card", key);
	ck_assert_uint_eq (p11_count_class (s, CKO_PRIVATE_KEY), 0);
}

/* Closing the last session of one token while the other is logged in. */
static void
close_last_across (enum key from)
{
	enum key to = key_other (from);
	CK_SESSION_HANDLE s_from, s_to;
	long verifies;

	login_key (from, &s_from);
	login_key (to, &s_to);
	verifies = apdu_verify_count ();
	ck_assert_rv (p11->C_CloseSession (s_from), CKR_OK);
	ck_assert_int_eq (raw_sign (key_fid (from)), 0x6982);
	assert_logged_out (s_to, to);
	ck_assert_int_eq (apdu_verify_count (), verifies);
	/* C_CloseAllSessions as well. */
	s_from = p11_open (key_slot (from));
	p11_login (s_to, card_pin (to));
	p11_login (s_from, card_pin (from));
	ck_assert_rv (p11->C_CloseAllSessions (key_slot (from)), CKR_OK);
	ck_assert_int_eq (raw_sign (key_fid (from)), 0x6982);
	assert_logged_out (s_to, to);
}

START_TEST (test_close_auth_sessions_with_sign_logged_in)
{
	close_last_across (KEY_AUTH);
}
END_TEST

START_TEST (test_close_sign_sessions_with_auth_logged_in)
{
	close_last_across (KEY_SIGN);
}
END_TEST

START_TEST (test_logout_auth_ends_sign)
{
	logout_across (KEY_AUTH);
}
END_TEST

START_TEST (test_logout_sign_ends_auth)
{
	logout_across (KEY_SIGN);
}
END_TEST

/* raw-sign sees a verified PIN: so that its 6982 below means something. */
START_TEST (test_raw_sign_control)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);

	ck_assert_int_eq (raw_sign ("0017"), 0x6982);
	p11_login (s, card_pin (KEY_AUTH));
	ck_assert_int_eq (raw_sign ("0017"), 0x9000);
	ck_assert_int_eq (raw_sign ("001A"), 0x6982);
}
END_TEST

START_TEST (test_no_pin_after_logout)
{
	CK_SESSION_HANDLE s = login_and_sign (KEY_AUTH, CKM_SHA256_RSA_PKCS, "a");

	ck_assert_rv (p11->C_Logout (s), CKR_OK);
	ck_assert_int_eq (raw_sign ("0017"), 0x6982);
}
END_TEST

START_TEST (test_no_pin_after_finalize)
{
	CK_SESSION_HANDLE s2;

	login_and_sign (KEY_AUTH, CKM_SHA256_RSA_PKCS, "a");
	if (scenario_has_sign ())
		login_key (KEY_SIGN, &s2);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_int_eq (raw_sign ("0017"), 0x6982);
	if (scenario_has_sign ())
		ck_assert_int_eq (raw_sign ("001A"), 0x6982);
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
}
END_TEST

START_TEST (test_no_pin_after_last_session)
{
	CK_SESSION_HANDLE s, s2;
	CK_OBJECT_HANDLE k = login_key (KEY_AUTH, &s);

	s2 = p11_open (SLOT_AUTH);
	sign_and_check (s, k, KEY_AUTH, CKM_SHA256_RSA_PKCS, (const unsigned char *) "a", 1);
	/* Not the last session: the login stays. */
	ck_assert_rv (p11->C_CloseSession (s), CKR_OK);
	ck_assert_uint_eq (p11_state (s2), CKS_RO_USER_FUNCTIONS);
	ck_assert_int_eq (raw_sign ("0017"), 0x9000);
	ck_assert_rv (p11->C_CloseSession (s2), CKR_OK);
	ck_assert_int_eq (raw_sign ("0017"), 0x6982);
	/* A new session starts logged out. */
	s = p11_open (SLOT_AUTH);
	ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);

	/* The same with C_CloseAllSessions. */
	login_key (KEY_AUTH, &s2);
	ck_assert_rv (p11->C_CloseAllSessions (SLOT_AUTH), CKR_OK);
	ck_assert_int_eq (raw_sign ("0017"), 0x6982);
}
END_TEST

TCase *
tcase_logout (void)
{
	TCase *tc = tcase_new ("logout");

	tcase_add_test (tc, test_raw_sign_control);
	if (scenario_has_sign ()) {
		tcase_add_test (tc, test_logout_auth_ends_sign);
		tcase_add_test (tc, test_logout_sign_ends_auth);
		tcase_add_test (tc, test_close_auth_sessions_with_sign_logged_in);
		tcase_add_test (tc, test_close_sign_sessions_with_auth_logged_in);
	}
	tcase_add_test (tc, test_no_pin_after_logout);
	tcase_add_test (tc, test_no_pin_after_finalize);
	tcase_add_test (tc, test_no_pin_after_last_session);
	return tc;
}

/* ------------------------------------------------------------------ */
/* Threads */

#define THREADS 4
#define SIGNATURES 5

struct worker {
	pthread_t thread;
	int index;
	CK_OBJECT_HANDLE key;
	int good;
	CK_RV failure;
};

static void *
worker_run (void *arg)
{
	struct worker *w = arg;
	CK_SESSION_HANDLE s;
	unsigned char data[40], sig[SIG_LEN];
	CK_ULONG sig_len;
	CK_RV rv;

	rv = p11->C_OpenSession (SLOT_AUTH, CKF_SERIAL_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK) {
		w->failure = rv;
		return NULL;
	}
	for (int i = 0; i < SIGNATURES; i++) {
		memset (data, w->index * 16 + i, sizeof data);
		sig_len = sizeof sig;
		rv = p11_sign_rv (p11, s, w->key, all_mechs[(w->index + i) % 5], data, sizeof data, sig,
		                  &sig_len);
		if (rv != CKR_OK) {
			w->failure = rv;
			break;
		}
		if (sig_verify ("auth.crt", all_mechs[(w->index + i) % 5], data, sizeof data, sig,
		                sig_len))
			w->good++;
	}
	p11->C_CloseSession (s);
	return NULL;
}

START_TEST (test_threads)
{
	CK_C_INITIALIZE_ARGS args = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, NULL };
	struct worker workers[THREADS];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;

	/* Again with OS locking. */
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Initialize (&args), CKR_OK);
	key = login_key (KEY_AUTH, &s);
	memset (workers, 0, sizeof workers);
	for (int i = 0; i < THREADS; i++) {
		workers[i].index = i;
		workers[i].key = key;
		ck_assert_int_eq (pthread_create (&workers[i].thread, NULL, worker_run, &workers[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join (workers[i].thread, NULL);
	for (int i = 0; i < THREADS; i++) {
		ck_assert_msg (workers[i].failure == CKR_OK, "thread %d: %s", i,
		               rv_name (workers[i].failure));
		ck_assert_int_eq (workers[i].good, SIGNATURES);
	}
	/* The login is still there, and the main session still works. */
	ck_assert_uint_eq (p11_state (s), CKS_RO_USER_FUNCTIONS);
	sign_and_check (s, key, KEY_AUTH, CKM_SHA256_RSA_PKCS, (const unsigned char *) "z", 1);
}
END_TEST

TCase *
tcase_threads (void)
{
	TCase *tc = tcase_new ("threads");

	tcase_add_test (tc, test_threads);
	return tc;
}
