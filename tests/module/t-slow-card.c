/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A slow card (with-card --sign-latency-ms 3000): one card's long
 * signature does not hold up another reader, and the card pulled out
 * mid-command ends its sessions.  Reader actions go through
 * tests/with-card's $JPKI_WITH_CARD_CONTROL. */
#include "test-module.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

struct slow_sign {
	pthread_t thread;
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE key;
	CK_RV rv;
	bool verified;
	atomic_bool done;
};

static void *
slow_sign_run (void *arg)
{
	struct slow_sign *o = arg;
	unsigned char sig[SIG_LEN];
	CK_ULONG sig_len = sizeof sig;

	o->rv = p11_sign_rv (p11, o->session, o->key, CKM_SHA256_RSA_PKCS,
	                     (const unsigned char *) "slow", 4, sig, &sig_len);
	if (o->rv == CKR_OK)
		o->verified = sig_verify ("auth.crt", CKM_SHA256_RSA_PKCS,
		                          (const unsigned char *) "slow", 4, sig, sig_len);
	atomic_store (&o->done, true);
	return NULL;
}

static void
slow_sign_start (struct slow_sign *o)
{
	memset (o, 0, sizeof *o);
	o->key = login_key (KEY_AUTH, &o->session);
	ck_assert_int_eq (pthread_create (&o->thread, NULL, slow_sign_run, o), 0);
	/* The command is at the card by now. */
	sleep_ms (500);
	ck_assert (!atomic_load (&o->done));
}

START_TEST (test_other_reader_not_held_up)
{
	struct slow_sign o;
	CK_SLOT_INFO info;
	CK_SLOT_ID slot;
	CK_INFO li;
	long long t0, slot_wait, info_wait, event_wait;

	slow_sign_start (&o);
	t0 = now_ms ();
	ck_assert_rv (p11->C_GetSlotInfo (SLOT_EMPTY_AUTH, &info), CKR_OK);
	slot_wait = now_ms () - t0;
	t0 = now_ms ();
	ck_assert_rv (p11->C_GetInfo (&li), CKR_OK);
	info_wait = now_ms () - t0;
	/* A look at every reader, the busy one too, takes no card lock
	 * unless its card came or went. */
	t0 = now_ms ();
	ck_assert_rv (p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
	event_wait = now_ms () - t0;
	ck_assert (!atomic_load (&o.done));
	pthread_join (o.thread, NULL);
	ck_assert_rv (o.rv, CKR_OK);
	ck_assert (o.verified);
	printf ("bench: during a 3 s signature on reader 0: C_GetSlotInfo on reader 1 waited %lld ms, "
	        "C_GetInfo %lld ms, C_WaitForSlotEvent without blocking %lld ms\n", slot_wait,
	        info_wait, event_wait);
	fflush (stdout);
	/* Only a generous margin: the machine may be busy. */
	ck_assert_int_lt (slot_wait, 1500);
	ck_assert_int_lt (info_wait, 1500);
	ck_assert_int_lt (event_wait, 1500);
}
END_TEST

START_TEST (test_pulled_mid_command)
{
	struct slow_sign o;
	CK_SESSION_INFO info;

	slow_sign_start (&o);
	reader_action ("pull");
	pthread_join (o.thread, NULL);
	ck_assert_rv (o.rv, CKR_DEVICE_REMOVED);
	ck_assert_rv (p11->C_GetSessionInfo (o.session, &info), CKR_SESSION_HANDLE_INVALID);
	ck_assert (!token_present (SLOT_AUTH));
	reader_action ("insert");
	wait_token (SLOT_AUTH, true);
	ck_assert_rv (p11->C_GetSessionInfo (o.session, &info), CKR_SESSION_HANDLE_INVALID);
}
END_TEST

TCase *
tcase_slow_card (void)
{
	TCase *tc = tcase_new ("slow-card");

	tcase_set_timeout (tc, 120);
	tcase_add_test (tc, test_other_reader_not_held_up);
	tcase_add_test (tc, test_pulled_mid_command);
	return tc;
}
