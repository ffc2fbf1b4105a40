/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module's life inside a long-running program: threads while
 * C_Finalize runs, handles that are never reused, the card pulled out,
 * reset by another client or gone with pcscd, and slot events (a slow
 * card: t-slow-card.c).  Reader actions go through tests/with-card's
 * $JPKI_WITH_CARD_CONTROL. */
#include "test-module.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* C_Finalize and C_Initialize while four threads keep calling */

#define BUSY_THREADS 4

/* Loops the busy threads finished, all of them. */
static atomic_long busy_progress;

struct busy {
	pthread_t thread;
	int index;
	atomic_bool *stop;
	long calls, signatures;
	CK_RV unexpected;          /* the first answer no call should give */
	const char *what;
	bool bad_signature;
};

/* Answers a call may give while the library comes and goes. */
static bool
expected_while_cycling (CK_RV rv)
{
	return rv == CKR_OK || rv == CKR_CRYPTOKI_NOT_INITIALIZED ||
	       rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_USER_NOT_LOGGED_IN ||
	       rv == CKR_USER_ALREADY_LOGGED_IN || rv == CKR_OBJECT_HANDLE_INVALID ||
	       rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OPERATION_NOT_INITIALIZED;
}

#define BUSY_CHECK(b, call)                                        \
	do {                                                       \
		CK_RV _rv = (call);                                \
		(b)->calls++;                                      \
		if (!expected_while_cycling (_rv) && (b)->unexpected == CKR_OK) { \
			(b)->unexpected = _rv;                     \
			(b)->what = #call;                         \
		}                                                  \
		if (_rv == CKR_CRYPTOKI_NOT_INITIALIZED)           \
			sched_yield ();                            \
		if (_rv != CKR_OK)                                 \
			goto again;                                \
	} while (0)

/* One thread's loop: slot and token queries, and (thread 0) logging in
 * and signing, every signature checked. */
static void *
busy_run (void *arg)
{
	struct busy *b = arg;
	unsigned char data[32], sig[SIG_LEN];

	while (!atomic_load (b->stop)) {
		CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
		CK_OBJECT_HANDLE key;
		CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
		CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof cls };
		CK_ULONG n = 0, sig_len = sizeof sig;
		CK_SLOT_INFO si;
		CK_TOKEN_INFO ti;
		CK_SESSION_INFO info;
		CK_INFO li;
		CK_SLOT_ID event_slot;

		BUSY_CHECK (b, p11->C_GetInfo (&li));
		BUSY_CHECK (b, p11->C_GetSlotList (CK_TRUE, NULL, &n));
		BUSY_CHECK (b, p11->C_GetSlotInfo (SLOT_EMPTY_AUTH, &si));
		BUSY_CHECK (b, p11->C_GetTokenInfo (SLOT_AUTH, &ti));
		{
			CK_RV rv = p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &event_slot, NULL);
			if (rv != CKR_NO_EVENT)
				BUSY_CHECK (b, rv);
		}
		BUSY_CHECK (b, p11->C_OpenSession (SLOT_AUTH, CKF_SERIAL_SESSION, NULL, NULL, &s));
		BUSY_CHECK (b, p11->C_GetSessionInfo (s, &info));
		if (b->index == 0) {
			CK_RV rv = p11_login_rv (s, card_pin (KEY_AUTH));
			if (rv != CKR_USER_ALREADY_LOGGED_IN)
				BUSY_CHECK (b, rv);
			BUSY_CHECK (b, p11->C_FindObjectsInit (s, &t, 1));
			BUSY_CHECK (b, p11->C_FindObjects (s, &key, 1, &n));
			BUSY_CHECK (b, p11->C_FindObjectsFinal (s));
			if (n != 1)
				goto again;
			memset (data, (int) b->signatures, sizeof data);
			BUSY_CHECK (b, p11_sign_rv (p11, s, key, CKM_SHA256_RSA_PKCS, data, sizeof data,
			                            sig, &sig_len));
			b->signatures++;
			if (!sig_verify ("auth.crt", CKM_SHA256_RSA_PKCS, data, sizeof data, sig, sig_len))
				b->bad_signature = true;
		}
		atomic_fetch_add (&busy_progress, 1);
	again:
		if (s != CK_INVALID_HANDLE)
			p11->C_CloseSession (s);
	}
	return NULL;
}

static int
finalize_rounds (void)
{
	const char *env = getenv ("JPKI_TEST_FINALIZE_ROUNDS");
	return env != NULL && atoi (env) > 0 ? atoi (env) : 200;
}

START_TEST (test_finalize_under_threads)
{
	CK_C_INITIALIZE_ARGS args = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, NULL };
	struct busy busy[BUSY_THREADS];
	atomic_bool stop = false;
	int rounds = finalize_rounds (), survived = 0;
	long long start = now_ms ();
	long calls = 0, signatures = 0;

	memset (busy, 0, sizeof busy);
	for (int i = 0; i < BUSY_THREADS; i++) {
		busy[i].index = i;
		busy[i].stop = &stop;
		ck_assert_int_eq (pthread_create (&busy[i].thread, NULL, busy_run, &busy[i]), 0);
	}
	for (int round = 0; round < rounds; round++) {
		long before = atomic_load (&busy_progress);
		long long until = now_ms () + 200;

		/* Every other round lets the threads get through a loop, a
		 * signature included, and C_Finalize comes in the middle of
		 * the next; the others cut in at once. */
		if (round % 2 == 0)
			while (atomic_load (&busy_progress) < before + BUSY_THREADS && now_ms () < until)
				sleep_ms (1);
		ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
		ck_assert_rv (p11->C_Initialize (&args), CKR_OK);
		survived++;
	}
	atomic_store (&stop, true);
	for (int i = 0; i < BUSY_THREADS; i++)
		pthread_join (busy[i].thread, NULL);
	for (int i = 0; i < BUSY_THREADS; i++) {
		ck_assert_msg (busy[i].unexpected == CKR_OK, "thread %d: %s -> %s", i, busy[i].what,
		               rv_name (busy[i].unexpected));
		ck_assert_msg (!busy[i].bad_signature, "thread %d: a signature did not verify", i);
		calls += busy[i].calls;
		signatures += busy[i].signatures;
	}
	printf ("bench: C_Finalize/C_Initialize rounds survived under %d busy threads: %d of %d "
	        "(%lld ms, %ld calls, %ld signatures verified)\n",
	        BUSY_THREADS, survived, rounds, now_ms () - start, calls, signatures);
	fflush (stdout);
	ck_assert_int_eq (survived, rounds);
	/* Still working afterwards. */
	ck_assert_uint_ne (login_and_sign (KEY_AUTH, CKM_SHA256_RSA_PKCS, "after"), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Eight threads, fifty signatures each, one card */

#define SIGN_THREADS 8
#define SIGN_EACH 50

struct signer {
	pthread_t thread;
	int index;
	CK_OBJECT_HANDLE key;
	int good;
	CK_RV failure;
};

static void *
signer_run (void *arg)
{
	struct signer *w = arg;
	unsigned char data[24], sig[SIG_LEN];
	CK_SESSION_HANDLE s;
	CK_RV rv = p11->C_OpenSession (SLOT_AUTH, CKF_SERIAL_SESSION, NULL, NULL, &s);

	if (rv != CKR_OK) {
		w->failure = rv;
		return NULL;
	}
	for (int i = 0; i < SIGN_EACH; i++) {
		CK_MECHANISM_TYPE mech = all_mechs[(w->index + i) % 5];
		CK_ULONG sig_len = sizeof sig;

		memset (data, w->index * 64 + i, sizeof data);
		rv = p11_sign_rv (p11, s, w->key, mech, data, sizeof data, sig, &sig_len);
		if (rv != CKR_OK) {
			w->failure = rv;
			break;
		}
		w->good += sig_verify ("auth.crt", mech, data, sizeof data, sig, sig_len);
	}
	p11->C_CloseSession (s);
	return NULL;
}

START_TEST (test_many_signers)
{
	struct signer w[SIGN_THREADS];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key = login_key (KEY_AUTH, &s);

	memset (w, 0, sizeof w);
	for (int i = 0; i < SIGN_THREADS; i++) {
		w[i].index = i;
		w[i].key = key;
		ck_assert_int_eq (pthread_create (&w[i].thread, NULL, signer_run, &w[i]), 0);
	}
	for (int i = 0; i < SIGN_THREADS; i++)
		pthread_join (w[i].thread, NULL);
	for (int i = 0; i < SIGN_THREADS; i++) {
		ck_assert_msg (w[i].failure == CKR_OK, "thread %d: %s", i, rv_name (w[i].failure));
		ck_assert_int_eq (w[i].good, SIGN_EACH);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Handles */

START_TEST (test_handles_not_reused)
{
	CK_SESSION_HANDLE a = p11_open (SLOT_AUTH), b, c;
	CK_SESSION_INFO info;

	ck_assert_rv (p11->C_CloseSession (a), CKR_OK);
	b = p11_open (SLOT_AUTH);
	ck_assert_uint_ne (a, b);
	ck_assert_rv (p11->C_GetSessionInfo (a, &info), CKR_SESSION_HANDLE_INVALID);
	/* Another card in the same reader: the old handle stays dead. */
	reader_action ("remove");
	wait_token (SLOT_AUTH, false);
	reader_action ("insert");
	wait_token (SLOT_AUTH, true);
	c = p11_open (SLOT_AUTH);
	ck_assert_uint_ne (c, a);
	ck_assert_uint_ne (c, b);
	ck_assert_rv (p11->C_GetSessionInfo (b, &info), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetSessionInfo (c, &info), CKR_OK);
	/* Nor across C_Finalize. */
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	a = p11_open (SLOT_AUTH);
	ck_assert_uint_gt (a, c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reset by another client, and pcscd going away */

START_TEST (test_reset_by_other_client)
{
	CK_SESSION_HANDLE s = login_and_sign (KEY_AUTH, CKM_SHA256_RSA_PKCS, "before");
	CK_OBJECT_HANDLE key = p11_find_one (s, CKO_PRIVATE_KEY);
	unsigned char sig[SIG_LEN];
	CK_ULONG sig_len = sizeof sig;
	long verifies;

	reader_action ("reset");
	verifies = apdu_verify_count ();
	ck_assert_rv (p11_sign_rv (p11, s, key, CKM_SHA256_RSA_PKCS, (const unsigned char *) "x", 1,
	                           sig, &sig_len),
	              CKR_USER_NOT_LOGGED_IN);
	ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);
	/* The PIN is never sent again by the module itself. */
	ck_assert_int_eq (apdu_verify_count (), verifies);
	p11_login (s, card_pin (KEY_AUTH));
	sign_and_check (s, p11_find_one (s, CKO_PRIVATE_KEY), KEY_AUTH, CKM_SHA256_RSA_PKCS,
	                (const unsigned char *) "y", 1);
}
END_TEST

START_TEST (test_pcscd_restart)
{
	CK_SESSION_HANDLE s = login_and_sign (KEY_AUTH, CKM_SHA256_RSA_PKCS, "before");
	CK_SESSION_INFO info;
	CK_ULONG n = 8;
	long long back, working;

	reader_action ("pcscd-stop");
	ck_assert_rv (p11->C_GetSessionInfo (s, &info), CKR_DEVICE_REMOVED);
	ck_assert_rv (p11->C_GetSessionInfo (s, &info), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
	/* Slot ids stay valid while pcscd is away. */
	ck_assert_rv (p11->C_GetSlotInfo (SLOT_AUTH, &(CK_SLOT_INFO) { 0 }), CKR_OK);

	reader_action ("pcscd-start");
	back = now_ms ();
	wait_token (SLOT_AUTH, true);
	s = login_and_sign (KEY_AUTH, CKM_SHA256_RSA_PKCS, "after");
	working = now_ms ();
	printf ("bench: from pcscd's return (reader and card up) to a token that signs: %lld ms\n",
	        working - back);
	fflush (stdout);
	n = 8;
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, SLOT_COUNT);
	ck_assert_rv (p11->C_CloseSession (s), CKR_OK);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Two programs on one card */

/* Another program logs in and out (its C_Finalize logs out): the card
 * clears both PINs, so ours are gone too, whichever token we were on. */
static void
other_program_logs_out_under (enum key ours, enum key theirs)
{
	CK_SESSION_HANDLE s = login_and_sign (ours, CKM_SHA256_RSA_PKCS, "mine");
	CK_OBJECT_HANDLE key = p11_find_one (s, CKO_PRIVATE_KEY);
	unsigned char sig[SIG_LEN];
	CK_ULONG sig_len = sizeof sig;
	long verifies;

	other_program_login (key_slot (theirs), card_pin (theirs), CKR_OK, true);
	verifies = apdu_verify_count ();
	ck_assert_rv (p11_sign_rv (p11, s, key, CKM_SHA256_RSA_PKCS, (const unsigned char *) "x", 1,
	                           sig, &sig_len),
	              CKR_USER_NOT_LOGGED_IN);
	ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);
	/* No silent login again. */
	ck_assert_int_eq (apdu_verify_count (), verifies);
	ck_assert_rv (p11->C_Logout (s), CKR_USER_NOT_LOGGED_IN);
	p11_login (s, card_pin (ours));
	sign_and_check (s, p11_find_one (s, CKO_PRIVATE_KEY), ours, CKM_SHA256_RSA_PKCS,
	                (const unsigned char *) "again", 5);
	ck_assert_rv (p11->C_CloseSession (s), CKR_OK);
}

START_TEST (test_other_program_logs_out)
{
	other_program_logs_out_under (KEY_AUTH, KEY_AUTH);
	other_program_logs_out_under (KEY_SIGN, KEY_AUTH);
	other_program_logs_out_under (KEY_AUTH, KEY_SIGN);
}
END_TEST

/* pcscd comes up after C_Initialize: an application that asks with a
 * list straight away (no NULL-list query) sees the tokens too.  The
 * readers' slots stay listed meanwhile: a reader keeps its slot ids. */
START_TEST (test_pcscd_after_initialize)
{
	CK_SLOT_ID list[8];
	CK_ULONG n = 8;
	long long deadline;

	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	reader_action ("pcscd-stop");
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, list, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
	n = 8;
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, list, &n), CKR_OK);
	ck_assert_uint_eq (n, SLOT_COUNT);
	reader_action ("pcscd-start");
	deadline = now_ms () + 20000;
	do {
		ck_assert_msg (now_ms () < deadline, "no token after pcscd came up");
		sleep_ms (20);
		n = 8;
		ck_assert_rv (p11->C_GetSlotList (CK_TRUE, list, &n), CKR_OK);
	} while (n == 0);
	ck_assert_uint_eq (n, 2);
	ck_assert_uint_eq (list[0], SLOT_AUTH);
	ck_assert_rv (p11->C_CloseSession (login_and_sign (KEY_AUTH, CKM_SHA256_RSA_PKCS, "up")),
	              CKR_OK);
}
END_TEST

/* ------------------------------------------------------------------ */
/* C_WaitForSlotEvent */

struct waiter {
	pthread_t thread;
	CK_SLOT_ID slot;
	CK_RV rv;
	atomic_bool done;
};

static void *
waiter_run (void *arg)
{
	struct waiter *w = arg;

	w->rv = p11->C_WaitForSlotEvent (0, &w->slot, NULL);
	atomic_store (&w->done, true);
	return NULL;
}

/* The next event without blocking, polled for up to 20 s. */
static CK_SLOT_ID
poll_event (void)
{
	long long deadline = now_ms () + 20000;
	CK_SLOT_ID slot = 99;
	CK_RV rv;

	while ((rv = p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &slot, NULL)) == CKR_NO_EVENT) {
		ck_assert_msg (now_ms () < deadline, "no slot event");
		sleep_ms (20);
	}
	ck_assert_rv (rv, CKR_OK);
	return slot;
}

START_TEST (test_slot_events)
{
	struct waiter w;
	CK_SLOT_ID slot = 99;

	ck_assert_rv (p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, NULL, NULL), CKR_ARGUMENTS_BAD);
	ck_assert_rv (p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &slot, (CK_VOID_PTR) 1),
	              CKR_ARGUMENTS_BAD);
	/* What was there at C_Initialize is no event. */
	ck_assert_rv (p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);

	reader_action ("remove");
	ck_assert_uint_eq (poll_event (), SLOT_AUTH);
	ck_assert_uint_eq (poll_event (), SLOT_SIGN);
	ck_assert_rv (p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);

	/* A blocked waiter wakes when the card comes back. */
	memset (&w, 0, sizeof w);
	ck_assert_int_eq (pthread_create (&w.thread, NULL, waiter_run, &w), 0);
	sleep_ms (200);
	ck_assert (!atomic_load (&w.done));
	reader_action ("insert");
	pthread_join (w.thread, NULL);
	ck_assert_rv (w.rv, CKR_OK);
	ck_assert_uint_eq (w.slot, SLOT_AUTH);
	ck_assert_uint_eq (poll_event (), SLOT_SIGN);

	/* C_Finalize wakes a blocked waiter. */
	memset (&w, 0, sizeof w);
	ck_assert_int_eq (pthread_create (&w.thread, NULL, waiter_run, &w), 0);
	sleep_ms (200);
	ck_assert (!atomic_load (&w.done));
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	pthread_join (w.thread, NULL);
	ck_assert_rv (w.rv, CKR_CRYPTOKI_NOT_INITIALIZED);
}
END_TEST

/* A removal that C_WaitForSlotEvent sees closes the card's sessions at
 * once: the next call on one of them finds it gone, with no slot call in
 * between to notice the removal (that would answer CKR_DEVICE_REMOVED). */
START_TEST (test_removal_seen_by_wait)
{
	CK_SESSION_HANDLE auth = login_and_sign (KEY_AUTH, CKM_SHA256_RSA_PKCS, "before");
	CK_SESSION_HANDLE sign = p11_open (SLOT_SIGN);
	CK_SESSION_INFO info;
	struct waiter w;
	CK_SLOT_ID slot;

	ck_assert_rv (p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
	memset (&w, 0, sizeof w);
	ck_assert_int_eq (pthread_create (&w.thread, NULL, waiter_run, &w), 0);
	sleep_ms (200);
	reader_action ("remove");
	pthread_join (w.thread, NULL);
	ck_assert_rv (w.rv, CKR_OK);
	ck_assert_uint_eq (w.slot, SLOT_AUTH);
	ck_assert_rv (p11->C_GetSessionInfo (auth, &info), CKR_SESSION_HANDLE_INVALID);
	/* The other token of the same card went with it. */
	ck_assert_rv (p11->C_GetSessionInfo (sign, &info), CKR_SESSION_HANDLE_INVALID);
	ck_assert_uint_eq (poll_event (), SLOT_SIGN);

	reader_action ("insert");
	ck_assert_uint_eq (poll_event (), SLOT_AUTH);
	ck_assert_uint_eq (poll_event (), SLOT_SIGN);
	ck_assert_rv (p11->C_GetSessionInfo (auth, &info), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_CloseSession (login_and_sign (KEY_AUTH, CKM_SHA256_RSA_PKCS, "after")),
	              CKR_OK);
}
END_TEST

TCase *
tcase_life (void)
{
	TCase *tc = tcase_new ("life");

	tcase_set_timeout (tc, 300);
	tcase_add_test (tc, test_finalize_under_threads);
	tcase_add_test (tc, test_many_signers);
	tcase_add_test (tc, test_handles_not_reused);
	tcase_add_test (tc, test_reset_by_other_client);
	tcase_add_test (tc, test_other_program_logs_out);
	tcase_add_test (tc, test_slot_events);
	tcase_add_test (tc, test_removal_seen_by_wait);
	tcase_add_test (tc, test_pcscd_restart);
	tcase_add_test (tc, test_pcscd_after_initialize);
	return tc;
}
