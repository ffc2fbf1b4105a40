/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "library.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "libctx.h"
#include "log.h"
#include "mech.h"
#include "session.h"
#include "slot.h"

enum library_state { LIBRARY_DOWN, LIBRARY_UP, LIBRARY_FINALIZING };

/* The gate: our own mutex and condition, since waiting for the calls in
 * flight needs a condition the caller's mutex functions cannot give. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t idle;          /* signalled when calls drops to 0 */
	enum library_state state;     /* guarded by lock */
	pid_t pid;                    /* guarded by lock */
	unsigned calls;               /* guarded by lock: entry points inside */
} gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, LIBRARY_DOWN, 0, 0 };

/* The caller's mutex functions, or ours on top of pthreads.  Written by
 * C_Initialize before the gate opens, read by calls inside the gate. */
static struct {
	CK_CREATEMUTEX create;
	CK_DESTROYMUTEX destroy;
	CK_LOCKMUTEX lock;
	CK_UNLOCKMUTEX unlock;
} mutexes;

/* Serialises C_Initialize and C_Finalize. */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

static CK_RV
os_create_mutex (CK_VOID_PTR_PTR out)
{
	pthread_mutex_t *m = calloc (1, sizeof *m);
	if (m == NULL)
		return CKR_HOST_MEMORY;
	pthread_mutex_init (m, NULL);
	*out = m;
	return CKR_OK;
}

static CK_RV
os_destroy_mutex (CK_VOID_PTR m)
{
	pthread_mutex_destroy (m);
	free (m);
	return CKR_OK;
}

static CK_RV
os_lock_mutex (CK_VOID_PTR m)
{
	return pthread_mutex_lock (m) == 0 ? CKR_OK : CKR_MUTEX_BAD;
}

static CK_RV
os_unlock_mutex (CK_VOID_PTR m)
{
	return pthread_mutex_unlock (m) == 0 ? CKR_OK : CKR_MUTEX_NOT_LOCKED;
}

/* Chooses the mutex functions as the specification's four cases say. */
static CK_RV
choose_locking (const CK_C_INITIALIZE_ARGS *args)
{
	mutexes.create = os_create_mutex;
	mutexes.destroy = os_destroy_mutex;
	mutexes.lock = os_lock_mutex;
	mutexes.unlock = os_unlock_mutex;
	/* p11-kit hands a module's x-init-reserved option over as pReserved,
	 * a string: ours is pss=off or pss=on (mech.h); anything else is bad. */
	if (!mech_configure (args != NULL ? args->pReserved : NULL))
		return CKR_ARGUMENTS_BAD;
	if (args == NULL)
		return CKR_OK;
	int given = (args->CreateMutex != NULL) + (args->DestroyMutex != NULL) +
	            (args->LockMutex != NULL) + (args->UnlockMutex != NULL);
	if (given != 0 && given != 4)
		return CKR_ARGUMENTS_BAD;
	if (given == 4 && !(args->flags & CKF_OS_LOCKING_OK)) {
		mutexes.create = args->CreateMutex;
		mutexes.destroy = args->DestroyMutex;
		mutexes.lock = args->LockMutex;
		mutexes.unlock = args->UnlockMutex;
	}
	return CKR_OK;
}

/* The caller's handle, which may be NULL, in a box of ours. */
struct library_mutex {
	CK_VOID_PTR handle;
};

struct library_mutex *
library_mutex_new (void)
{
	struct library_mutex *m = calloc (1, sizeof *m);

	if (m == NULL || mutexes.create (&m->handle) != CKR_OK) {
		LOG ("cannot create a mutex");
		free (m);
		return NULL;
	}
	return m;
}

void
library_mutex_free (struct library_mutex *mutex)
{
	if (mutex == NULL)
		return;
	if (mutexes.destroy (mutex->handle) != CKR_OK)
		LOG ("cannot destroy a mutex");
	free (mutex);
}

CK_RV
library_lock_at (struct library_mutex *mutex, const char *file, int line, const char *func)
{
	if (mutex != NULL && mutexes.lock (mutex->handle) == CKR_OK)
		return CKR_OK;
	if (jpki_log_enabled)
		jpki_log_write (file, line, func, "cannot take a lock");
	return CKR_GENERAL_ERROR;
}

void
library_unlock_at (struct library_mutex *mutex, const char *file, int line, const char *func)
{
	if (mutexes.unlock (mutex->handle) != CKR_OK && jpki_log_enabled)
		jpki_log_write (file, line, func, "cannot release a lock");
}

/* In a child of fork() the module is not initialised: the parent's
 * pcscd handles and locks are not ours. */
static bool
up_gatelocked (void)
{
	return gate.state == LIBRARY_UP && gate.pid == getpid ();
}

CK_RV
library_initialize (CK_VOID_PTR init_args)
{
	CK_RV rv;

	pthread_mutex_lock (&init_lock);
	pthread_mutex_lock (&gate.lock);
	if (gate.state != LIBRARY_DOWN && gate.pid != getpid ()) {
		/* A child of fork() starts afresh: nothing of the parent's is
		 * freed, it is not ours. */
		gate.state = LIBRARY_DOWN;
		gate.calls = 0;
		slots_forget ();
		event_forget ();
	}
	rv = gate.state == LIBRARY_DOWN ? CKR_OK : CKR_CRYPTOKI_ALREADY_INITIALIZED;
	pthread_mutex_unlock (&gate.lock);
	if (rv != CKR_OK)
		goto out;
	/* The log first: choose_locking logs the module option. */
	jpki_log_open ();
	LOG ("C_Initialize");
	rv = choose_locking (init_args);
	if (rv != CKR_OK) {
		jpki_log_close ();
		goto out;
	}
	rv = sessions_open ();
	if (rv == CKR_OK)
		rv = slots_open ();
	if (rv != CKR_OK) {
		slots_close ();
		sessions_close ();
		jpki_log_close ();
		goto out;
	}
	event_open ();
	pthread_mutex_lock (&gate.lock);
	gate.pid = getpid ();
	gate.state = LIBRARY_UP;
	pthread_mutex_unlock (&gate.lock);
out:
	pthread_mutex_unlock (&init_lock);
	return rv;
}

CK_RV
library_finalize (CK_VOID_PTR reserved)
{
	CK_RV rv = CKR_OK;

	if (reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock (&init_lock);
	pthread_mutex_lock (&gate.lock);
	if (!up_gatelocked ()) {
		pthread_mutex_unlock (&gate.lock);
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
		goto out;
	}
	/* From here on new calls are refused; the ones inside finish. */
	gate.state = LIBRARY_FINALIZING;
	pthread_mutex_unlock (&gate.lock);
	LOG ("C_Finalize");
	event_wake ();
	pthread_mutex_lock (&gate.lock);
	while (gate.calls > 0)
		pthread_cond_wait (&gate.idle, &gate.lock);
	pthread_mutex_unlock (&gate.lock);
	sessions_close_all_slots ();
	slots_close ();
	sessions_close ();
	/* After the cards' certificates, which were made in it. */
	module_libctx_free ();
	jpki_log_close ();
	pthread_mutex_lock (&gate.lock);
	gate.state = LIBRARY_DOWN;
	pthread_mutex_unlock (&gate.lock);
out:
	pthread_mutex_unlock (&init_lock);
	return rv;
}

CK_RV
library_enter (void)
{
	CK_RV rv = CKR_CRYPTOKI_NOT_INITIALIZED;

	pthread_mutex_lock (&gate.lock);
	if (up_gatelocked ()) {
		gate.calls++;
		rv = CKR_OK;
	}
	pthread_mutex_unlock (&gate.lock);
	return rv;
}

void
library_leave (void)
{
	pthread_mutex_lock (&gate.lock);
	if (--gate.calls == 0)
		pthread_cond_broadcast (&gate.idle);
	pthread_mutex_unlock (&gate.lock);
}

bool
library_finalizing (void)
{
	bool finalizing;

	pthread_mutex_lock (&gate.lock);
	finalizing = gate.state != LIBRARY_UP;
	pthread_mutex_unlock (&gate.lock);
	return finalizing;
}
