/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* C_Initialize and C_Finalize, locking, slots (token information and
 * mechanisms: t-token.c). */
#include "test-module.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Before C_Initialize */

START_TEST (test_not_initialized)
{
	CK_ULONG n = 99;
	CK_SESSION_HANDLE s = 99;
	CK_OBJECT_HANDLE o = 99;
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof cls };
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_INFO info;
	CK_TOKEN_INFO tinfo;
	long apdus = apdu_count ();

	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_OpenSession (0, CKF_SERIAL_SESSION, NULL, NULL, &s),
	              CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_CreateObject (1, &t, 1, &o), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_Login (1, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4),
	              CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_Logout (1), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_GetInfo (&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_GetTokenInfo (0, &tinfo), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_InitToken (0, (CK_UTF8CHAR_PTR) "1234", 4, (CK_UTF8CHAR_PTR) "x"),
	              CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_DestroyObject (1, 1), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_SetAttributeValue (1, 1, &t, 1), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_SignInit (1, &m, 1), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_CloseAllSessions (0), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_uint_eq (n, 99);
	ck_assert_uint_eq (s, 99);
	ck_assert_uint_eq (o, 99);
	/* Loading the module does not touch the card. */
	if (card_present ())
		ck_assert_int_eq (apdu_count (), apdus);
}
END_TEST

START_TEST (test_initialize_twice)
{
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Initialize (NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	ck_assert_rv (p11->C_Finalize ((CK_VOID_PTR) 1), CKR_ARGUMENTS_BAD);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	/* and again, after C_Finalize */
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	{
		CK_ULONG n;
		ck_assert_rv (p11->C_GetSlotList (CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	}
}
END_TEST

START_TEST (test_get_info)
{
	CK_INFO info;

	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	memset (&info, 0xA5, sizeof info);
	ck_assert_rv (p11->C_GetInfo (&info), CKR_OK);
	ck_assert_uint_eq (info.cryptokiVersion.major, 2);
	ck_assert_uint_eq (info.cryptokiVersion.minor, 40);
	ck_assert_uint_eq (info.flags, 0);
	ck_assert_str_ne (p11_text (info.manufacturerID, sizeof info.manufacturerID), "");
	ck_assert_str_ne (p11_text (info.libraryDescription, sizeof info.libraryDescription), "");
	for (size_t i = 0; i < sizeof info.manufacturerID; i++)
		ck_assert_uint_ne (info.manufacturerID[i], 0);
	ck_assert_rv (p11->C_GetInfo (NULL), CKR_ARGUMENTS_BAD);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
}
END_TEST

START_TEST (test_os_locking)
{
	CK_C_INITIALIZE_ARGS args = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, NULL };
	CK_ULONG n = 0;

	ck_assert_rv (p11->C_Initialize (&args), CKR_OK);
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, SLOT_COUNT);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
}
END_TEST

/* The caller's mutexes, counted, with their holder checked: the module
 * must take them for its work, release only what it holds, and stop when
 * one cannot be taken. */
struct counted_mutex {
	pthread_mutex_t m;
	pthread_t holder;
	bool held;
};

static struct {
	int created, destroyed, locked, unlocked, misuse;
	bool refuse;              /* LockMutex fails */
} mutex_calls;

static CK_RV
count_create (CK_VOID_PTR_PTR out)
{
	struct counted_mutex *m = calloc (1, sizeof *m);
	if (m == NULL)
		return CKR_HOST_MEMORY;
	pthread_mutex_init (&m->m, NULL);
	__atomic_add_fetch (&mutex_calls.created, 1, __ATOMIC_SEQ_CST);
	*out = m;
	return CKR_OK;
}

static CK_RV
count_destroy (CK_VOID_PTR p)
{
	struct counted_mutex *m = p;

	if (m->held)
		__atomic_add_fetch (&mutex_calls.misuse, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_destroy (&m->m);
	free (m);
	__atomic_add_fetch (&mutex_calls.destroyed, 1, __ATOMIC_SEQ_CST);
	return CKR_OK;
}

static CK_RV
count_lock (CK_VOID_PTR p)
{
	struct counted_mutex *m = p;

	if (__atomic_load_n (&mutex_calls.refuse, __ATOMIC_SEQ_CST))
		return CKR_MUTEX_BAD;
	pthread_mutex_lock (&m->m);
	m->holder = pthread_self ();
	m->held = true;
	__atomic_add_fetch (&mutex_calls.locked, 1, __ATOMIC_SEQ_CST);
	return CKR_OK;
}

static CK_RV
count_unlock (CK_VOID_PTR p)
{
	struct counted_mutex *m = p;

	/* Only the holder may unlock; anything else is the module's bug. */
	if (!m->held || !pthread_equal (m->holder, pthread_self ())) {
		__atomic_add_fetch (&mutex_calls.misuse, 1, __ATOMIC_SEQ_CST);
		return CKR_MUTEX_NOT_LOCKED;
	}
	m->held = false;
	__atomic_add_fetch (&mutex_calls.unlocked, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock (&m->m);
	return CKR_OK;
}

START_TEST (test_caller_mutexes)
{
	CK_C_INITIALIZE_ARGS args = { count_create, count_destroy, count_lock, count_unlock, 0,
	                              NULL };
	CK_SESSION_HANDLE s;
	CK_SLOT_INFO info;
	CK_ULONG n = 0;
	int locked;

	memset (&mutex_calls, 0, sizeof mutex_calls);
	ck_assert_rv (p11->C_Initialize (&args), CKR_OK);
	/* The table lock and each reader's card lock. */
	ck_assert_int_ge (mutex_calls.created, 1 + SLOT_COUNT / 2);
	locked = mutex_calls.locked;
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, SLOT_COUNT);
	ck_assert_int_gt (mutex_calls.locked, locked);
	locked = mutex_calls.locked;
	ck_assert_rv (p11->C_GetSlotInfo (SLOT_AUTH, &info), CKR_OK);
	ck_assert_int_gt (mutex_calls.locked, locked);
	if (card_present ()) {
		s = p11_open (SLOT_AUTH);
		locked = mutex_calls.locked;
		ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);
		ck_assert_int_gt (mutex_calls.locked, locked);
		/* A lock that cannot be taken stops the call, with no card I/O. */
		long apdus = apdu_count ();
		__atomic_store_n (&mutex_calls.refuse, true, __ATOMIC_SEQ_CST);
		ck_assert_rv (p11->C_GetSlotInfo (SLOT_AUTH, &info), CKR_GENERAL_ERROR);
		ck_assert_rv (p11->C_GetTokenInfo (SLOT_AUTH, &(CK_TOKEN_INFO) { 0 }), CKR_GENERAL_ERROR);
		ck_assert_rv (p11->C_GetSessionInfo (s, &(CK_SESSION_INFO) { 0 }), CKR_GENERAL_ERROR);
		__atomic_store_n (&mutex_calls.refuse, false, __ATOMIC_SEQ_CST);
		ck_assert_int_eq (apdu_count (), apdus);
		ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);
	}
	ck_assert_int_eq (mutex_calls.locked, mutex_calls.unlocked);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_int_eq (mutex_calls.locked, mutex_calls.unlocked);
	ck_assert_int_eq (mutex_calls.destroyed, mutex_calls.created);
	ck_assert_int_eq (mutex_calls.misuse, 0);

	/* With CKF_OS_LOCKING_OK as well, the module may use its own. */
	args.flags = CKF_OS_LOCKING_OK;
	ck_assert_rv (p11->C_Initialize (&args), CKR_OK);
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, NULL, &n), CKR_OK);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_int_eq (mutex_calls.locked, mutex_calls.unlocked);
	ck_assert_int_eq (mutex_calls.destroyed, mutex_calls.created);
	ck_assert_int_eq (mutex_calls.misuse, 0);
}
END_TEST

/* Mutex functions that work but hand back NULL handles (pkcs11test's
 * Init.InitArgsMyLocks): the handle is the caller's, opaque, and only the
 * CKR_ value says whether a call worked. */
static struct {
	int created, destroyed, locked, unlocked, misuse;
} null_calls;

static CK_RV
null_create (CK_VOID_PTR_PTR out)
{
	*out = NULL;
	__atomic_add_fetch (&null_calls.created, 1, __ATOMIC_SEQ_CST);
	return CKR_OK;
}

/* Counts a call given the handle: anything but the NULL handed out is
 * the module's bug. */
static CK_RV
null_use (CK_VOID_PTR p, int *calls)
{
	if (p != NULL)
		__atomic_add_fetch (&null_calls.misuse, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch (calls, 1, __ATOMIC_SEQ_CST);
	return CKR_OK;
}

static CK_RV null_destroy (CK_VOID_PTR p) { return null_use (p, &null_calls.destroyed); }
static CK_RV null_lock (CK_VOID_PTR p) { return null_use (p, &null_calls.locked); }
static CK_RV null_unlock (CK_VOID_PTR p) { return null_use (p, &null_calls.unlocked); }

START_TEST (test_null_mutex_handles)
{
	CK_C_INITIALIZE_ARGS args = { null_create, null_destroy, null_lock, null_unlock, 0, NULL };
	CK_SLOT_INFO info;
	CK_ULONG n = 0;

	memset (&null_calls, 0, sizeof null_calls);
	ck_assert_rv (p11->C_Initialize (&args), CKR_OK);
	/* The table lock and each reader's card lock. */
	ck_assert_int_ge (null_calls.created, 1 + SLOT_COUNT / 2);
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, SLOT_COUNT);
	ck_assert_rv (p11->C_GetSlotInfo (SLOT_AUTH, &info), CKR_OK);
	if (card_present ()) {
		CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);
		ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);
		ck_assert_rv (p11->C_CloseSession (s), CKR_OK);
	}
	ck_assert_int_gt (null_calls.locked, 0);
	ck_assert_int_eq (null_calls.locked, null_calls.unlocked);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_int_eq (null_calls.destroyed, null_calls.created);
	ck_assert_int_eq (null_calls.misuse, 0);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
}
END_TEST

START_TEST (test_bad_init_args)
{
	CK_C_INITIALIZE_ARGS some = { count_create, count_destroy, NULL, NULL, 0, NULL };
	CK_C_INITIALIZE_ARGS three = { count_create, count_destroy, count_lock, NULL,
	                               CKF_OS_LOCKING_OK, NULL };
	/* Another module's x-init-reserved option (NSS softokn's). */
	CK_C_INITIALIZE_ARGS reserved = { NULL, NULL, NULL, NULL, 0, (CK_VOID_PTR) "configDir=sql:db" };
	CK_ULONG n;

	ck_assert_rv (p11->C_Initialize (&some), CKR_ARGUMENTS_BAD);
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_rv (p11->C_Initialize (&three), CKR_ARGUMENTS_BAD);
	ck_assert_rv (p11->C_Initialize (&reserved), CKR_ARGUMENTS_BAD);
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	/* A refused C_Initialize leaves the library usable. */
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
}
END_TEST

/* The module option (p11-kit's x-init-reserved, handed over as
 * pReserved): pss=off takes PSS off both tokens, pss=on brings it back. */
START_TEST (test_init_reserved_pss)
{
	CK_C_INITIALIZE_ARGS off = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, (CK_VOID_PTR) "pss=off" };
	CK_C_INITIALIZE_ARGS on = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, (CK_VOID_PTR) "pss=on" };
	CK_MECHANISM_INFO info;
	CK_ULONG n;

	ck_assert_rv (p11->C_Initialize (&off), CKR_OK);
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, NULL, &n), CKR_OK);
	ck_assert_rv (p11->C_GetMechanismList (SLOT_AUTH, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, 5);
	ck_assert_rv (p11->C_GetMechanismInfo (SLOT_AUTH, CKM_RSA_PKCS_PSS, &info),
	              CKR_MECHANISM_INVALID);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Initialize (&on), CKR_OK);
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, NULL, &n), CKR_OK);
	ck_assert_rv (p11->C_GetMechanismList (SLOT_AUTH, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, 7);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
}
END_TEST

TCase *
tcase_library (void)
{
	TCase *tc = tcase_create ("library");

	tcase_add_checked_fixture (tc, p11_load, p11_teardown);
	tcase_set_timeout (tc, 60);
	tcase_add_test (tc, test_not_initialized);
	tcase_add_test (tc, test_initialize_twice);
	tcase_add_test (tc, test_get_info);
	tcase_add_test (tc, test_os_locking);
	tcase_add_test (tc, test_caller_mutexes);
	tcase_add_test (tc, test_null_mutex_handles);
	tcase_add_test (tc, test_bad_init_args);
	tcase_add_test (tc, test_init_reserved_pss);
	return tc;
}

/* ------------------------------------------------------------------ */
/* Slots */

/* C_GetSlotList's count, then the list into list[8]: want slots both times. */
static void
assert_slot_list (CK_BBOOL present, CK_SLOT_ID list[8], CK_ULONG want)
{
	CK_ULONG n = 99;

	ck_assert_rv (p11->C_GetSlotList (present, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, want);
	memset (list, 0xA5, 8 * sizeof list[0]);
	n = 8;
	ck_assert_rv (p11->C_GetSlotList (present, list, &n), CKR_OK);
	ck_assert_uint_eq (n, want);
}

START_TEST (test_slot_list)
{
	CK_SLOT_ID list[8];
	CK_ULONG n;
	CK_ULONG want_present = scenario_has_sign () ? 2 : 1;

	assert_slot_list (CK_FALSE, list, SLOT_COUNT);
	for (CK_ULONG i = 0; i < SLOT_COUNT; i++)
		ck_assert_uint_eq (list[i], i);

	assert_slot_list (CK_TRUE, list, want_present);
	ck_assert_uint_eq (list[0], SLOT_AUTH);
	if (want_present == 2)
		ck_assert_uint_eq (list[1], SLOT_SIGN);

	/* Too small: the count needed, CKR_BUFFER_TOO_SMALL. */
	n = 1;
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, list, &n), CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (n, SLOT_COUNT);
	n = 0;
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, list, &n), CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (n, want_present);
	/* Exactly big enough. */
	n = SLOT_COUNT;
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, list, &n), CKR_OK);
	ck_assert_uint_eq (n, SLOT_COUNT);
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD);
}
END_TEST

START_TEST (test_slot_info)
{
	CK_FLAGS base = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
	CK_SLOT_INFO info;
	CK_TOKEN_INFO tinfo;

	for (CK_SLOT_ID id = 0; id < SLOT_COUNT; id++) {
		bool present = id == SLOT_AUTH || (id == SLOT_SIGN && scenario_has_sign ());
		const char *desc;

		memset (&info, 0xA5, sizeof info);
		ck_assert_rv (p11->C_GetSlotInfo (id, &info), CKR_OK);
		ck_assert_uint_eq (info.flags, base | (present ? CKF_TOKEN_PRESENT : 0));
		desc = p11_text (info.slotDescription, sizeof info.slotDescription);
		ck_assert_ptr_nonnull (strstr (desc, id < 2 ? "Virtual PCD 00 00" : "Virtual PCD 00 01"));
		ck_assert_rv (p11->C_GetTokenInfo (id, &tinfo), present ? CKR_OK : CKR_TOKEN_NOT_PRESENT);
	}
	ck_assert_rv (p11->C_GetSlotInfo (SLOT_COUNT, &info), CKR_SLOT_ID_INVALID);
	ck_assert_rv (p11->C_GetSlotInfo (1000, &info), CKR_SLOT_ID_INVALID);
	ck_assert_rv (p11->C_GetTokenInfo (SLOT_COUNT, &tinfo), CKR_SLOT_ID_INVALID);
	ck_assert_rv (p11->C_GetTokenInfo ((CK_SLOT_ID) -1, &tinfo), CKR_SLOT_ID_INVALID);
	ck_assert_rv (p11->C_GetSlotInfo (SLOT_AUTH, NULL), CKR_ARGUMENTS_BAD);
	ck_assert_rv (p11->C_GetTokenInfo (SLOT_AUTH, NULL), CKR_ARGUMENTS_BAD);
}
END_TEST

/* What cannot change while the card stays is read from it once; the
 * PIN's tries can change (another program), so token information asks
 * the card again: select application, select PIN EF, empty VERIFY. */
START_TEST (test_no_card_traffic_when_cached)
{
	CK_SESSION_HANDLE s;
	CK_ULONG n;
	long before, reads_before;

	for (int round = 0; round < 2; round++) {
		before = apdu_count ();
		reads_before = apdu_read_count ();
		n = 8;
		ck_assert_rv (p11->C_GetSlotList (CK_TRUE, NULL, &n), CKR_OK);
		p11_token_info (SLOT_AUTH);
		s = p11_open (SLOT_AUTH);
		/* A phone gives its certificate only after the PIN. */
		if (!scenario_is ("smartphone"))
			free (p11_attr (s, p11_find_cert (s, 1), CKA_VALUE, NULL));
		free (p11_attr (s, p11_find_cert (s, 2), CKA_VALUE, NULL));
		ck_assert_rv (p11->C_CloseSession (s), CKR_OK);
		if (round == 1) {
			ck_assert_int_eq (apdu_read_count (), reads_before);
			ck_assert_int_le (apdu_count () - before, 3);
		}
	}
}
END_TEST

TCase *
tcase_slots (void)
{
	TCase *tc = tcase_new ("slots");

	tcase_add_test (tc, test_slot_list);
	tcase_add_test (tc, test_slot_info);
	tcase_add_test (tc, test_no_card_traffic_when_cached);
	return tc;
}
