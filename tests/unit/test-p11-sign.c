/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Signing through the PKCS#11 layer, on the fake PC/SC library with a
 * virtual card in its one reader: the length query and short buffers of
 * v2.40 section 5.2, a card pulled out mid-call, and two threads on one
 * card at once, with the module's locks and with the application's. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-pcsc.h"
#include "p11-fixture.h"

#define SIG_BYTES 256

static const CK_BYTE data[] = "data to sign";
static CK_MECHANISM sha256_rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 };

/* A logged-in session on slot with a signature operation begun. */
static CK_SESSION_HANDLE
signing_session (CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE s = open_session (slot, 0);

	login (s, slot);
	ck_assert_rv (p11->C_SignInit (s, &sha256_rsa, find_private_key (s)), CKR_OK);
	return s;
}

static const CK_SLOT_ID sign_rows[] = { SLOT_AUTH, SLOT_SIGN };

START_TEST (test_sign_length_query)
{
	CK_SLOT_ID slot = sign_rows[_i];
	CK_SESSION_HANDLE s = signing_session (slot);
	CK_BYTE sig[SIG_BYTES + 1];
	CK_ULONG len = 0;
	unsigned apdus = fake_pcsc_apdus ();

	/* Neither the query nor a short buffer reaches the card or ends the
	 * operation. */
	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) data, sizeof data, NULL, &len), CKR_OK);
	ck_assert_uint_eq (len, SIG_BYTES);
	len = SIG_BYTES - 1;
	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) data, sizeof data, sig, &len),
	              CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (len, SIG_BYTES);
	ck_assert_uint_eq (fake_pcsc_apdus (), apdus);

	len = sizeof sig;
	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) data, sizeof data, sig, &len), CKR_OK);
	ck_assert_uint_eq (len, SIG_BYTES);
	ck_assert_uint_gt (fake_pcsc_apdus (), apdus);
	ck_assert_msg (signature_verifies (slot, data, sizeof data, sig, len),
	               "slot %lu: the signature does not verify", slot);
	/* A signature ends the operation. */
	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) data, sizeof data, sig, &len),
	              CKR_OPERATION_NOT_INITIALIZED);
}
END_TEST

/* The card goes at the first APDU of the signature. */
START_TEST (test_card_pulled_mid_sign)
{
	CK_SESSION_HANDLE s = signing_session (SLOT_SIGN);
	CK_BYTE sig[SIG_BYTES];
	CK_ULONG len = sizeof sig, n = 9;
	CK_SESSION_INFO info;

	fake_pcsc_pull_at (1);
	ck_assert_rv (p11->C_Sign (s, (CK_BYTE_PTR) data, sizeof data, sig, &len), CKR_DEVICE_REMOVED);
	ck_assert_rv (p11->C_GetSessionInfo (s, &info), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
}
END_TEST

#define ROUNDS 8

struct signer {
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE key;
	int good;                 /* signatures made and verified */
	CK_RV failed;             /* the first call that did not give CKR_OK */
};

static void *
sign_rounds (void *arg)
{
	struct signer *w = arg;

	for (int i = 0; i < ROUNDS; i++) {
		CK_BYTE msg[32], sig[SIG_BYTES];
		CK_ULONG len = sizeof sig;
		CK_RV rv;

		snprintf ((char *) msg, sizeof msg, "slot %lu, round %d", w->slot, i);
		rv = p11->C_SignInit (w->session, &sha256_rsa, w->key);
		if (rv == CKR_OK)
			rv = p11->C_Sign (w->session, msg, sizeof msg, sig, &len);
		if (rv != CKR_OK) {
			w->failed = rv;
			break;
		}
		if (signature_verifies (w->slot, msg, sizeof msg, sig, len))
			w->good++;
	}
	return NULL;
}

/* Both tokens of one card signing from two threads: every signature
 * right, and never two commands on the card at once. */
static void
sign_from_two_threads (void)
{
	struct signer w[2] = { { .slot = SLOT_AUTH }, { .slot = SLOT_SIGN } };
	pthread_t thread[2];

	for (int i = 0; i < 2; i++) {
		w[i].session = open_session (w[i].slot, 0);
		login (w[i].session, w[i].slot);
		w[i].key = find_private_key (w[i].session);
	}
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq (pthread_create (&thread[i], NULL, sign_rounds, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join (thread[i], NULL);
	for (int i = 0; i < 2; i++) {
		ck_assert_msg (w[i].failed == CKR_OK, "slot %lu: rv 0x%lx", w[i].slot, w[i].failed);
		ck_assert_int_eq (w[i].good, ROUNDS);
	}
	ck_assert_uint_eq (fake_pcsc_overlaps (), 0);
}

START_TEST (test_two_threads)
{
	sign_from_two_threads ();
}
END_TEST

/* The application's mutex functions, counted; a handle is a pthread
 * mutex with a flag that says whether it is held. */
struct app_mutex {
	pthread_mutex_t m;
	int held;
};

static struct {
	pthread_mutex_t lock;
	int created, destroyed, locked, unlocked, misused;
} app = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
app_count (int *counter)
{
	pthread_mutex_lock (&app.lock);
	(*counter)++;
	pthread_mutex_unlock (&app.lock);
}

static CK_RV
app_create (CK_VOID_PTR_PTR out)
{
	struct app_mutex *m = calloc (1, sizeof *m);

	if (m == NULL)
		return CKR_HOST_MEMORY;
	pthread_mutex_init (&m->m, NULL);
	app_count (&app.created);
	*out = m;
	return CKR_OK;
}

static CK_RV
app_destroy (CK_VOID_PTR p)
{
	struct app_mutex *m = p;

	if (m->held)
		app_count (&app.misused);
	pthread_mutex_destroy (&m->m);
	free (m);
	app_count (&app.destroyed);
	return CKR_OK;
}

static CK_RV
app_lock (CK_VOID_PTR p)
{
	struct app_mutex *m = p;

	pthread_mutex_lock (&m->m);
	m->held = 1;
	app_count (&app.locked);
	return CKR_OK;
}

static CK_RV
app_unlock (CK_VOID_PTR p)
{
	struct app_mutex *m = p;

	if (!m->held) {
		app_count (&app.misused);
		return CKR_MUTEX_NOT_LOCKED;
	}
	m->held = 0;
	app_count (&app.unlocked);
	pthread_mutex_unlock (&m->m);
	return CKR_OK;
}

/* Given mutex functions and no CKF_OS_LOCKING_OK, the module locks with
 * the application's (v2.40 section 5.4): every lock released, every
 * mutex destroyed by C_Finalize. */
START_TEST (test_application_mutexes)
{
	CK_C_INITIALIZE_ARGS mine = { app_create, app_destroy, app_lock, app_unlock, 0, NULL };
	CK_C_INITIALIZE_ARGS os = { .flags = CKF_OS_LOCKING_OK };

	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Initialize (&mine), CKR_OK);
	sign_from_two_threads ();
	ck_assert_int_gt (app.created, 0);
	ck_assert_int_gt (app.locked, 0);
	ck_assert_int_eq (app.unlocked, app.locked);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_int_eq (app.destroyed, app.created);
	ck_assert_int_eq (app.misused, 0);
	/* For the fixture's C_Finalize. */
	ck_assert_rv (p11->C_Initialize (&os), CKR_OK);
}
END_TEST

static Suite *
p11_sign_suite (void)
{
	Suite *s = suite_create ("p11-sign");
	TCase *tc = p11_card_case (s, "sign");

	tcase_add_loop_test (tc, test_sign_length_query, 0, N_ROWS (sign_rows));
	tcase_add_test (tc, test_card_pulled_mid_sign);
	tc = p11_card_case (s, "threads");
	tcase_add_test (tc, test_two_threads);
	tcase_add_test (tc, test_application_mutexes);
	return s;
}

int
main (void)
{
	return p11_run_suite (p11_sign_suite ());
}
