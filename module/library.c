/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "library.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "libctx.h"
#include "log.h"
#include "session.h"
#include "slot.h"

static struct {
	bool initialized;
	pid_t pid;
	/* Caller's mutex functions, or ours on top of pthreads. */
	CK_CREATEMUTEX create_mutex;
	CK_DESTROYMUTEX destroy_mutex;
	CK_LOCKMUTEX lock_mutex;
	CK_UNLOCKMUTEX unlock_mutex;
	void *mutex;
} lib;

/* Serialises C_Initialize and C_Finalize, which run before and after the
 * caller's locking is known. */
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
	lib.create_mutex = os_create_mutex;
	lib.destroy_mutex = os_destroy_mutex;
	lib.lock_mutex = os_lock_mutex;
	lib.unlock_mutex = os_unlock_mutex;
	if (args == NULL)
		return CKR_OK;
	if (args->pReserved != NULL)
		return CKR_ARGUMENTS_BAD;
	int given = (args->CreateMutex != NULL) + (args->DestroyMutex != NULL) +
	            (args->LockMutex != NULL) + (args->UnlockMutex != NULL);
	if (given != 0 && given != 4)
		return CKR_ARGUMENTS_BAD;
	if (given == 4 && !(args->flags & CKF_OS_LOCKING_OK)) {
		lib.create_mutex = args->CreateMutex;
		lib.destroy_mutex = args->DestroyMutex;
		lib.lock_mutex = args->LockMutex;
		lib.unlock_mutex = args->UnlockMutex;
	}
	return CKR_OK;
}

CK_RV
library_initialize (CK_VOID_PTR init_args)
{
	CK_RV rv;

	pthread_mutex_lock (&init_lock);
	/* A child of fork() inherits our state but not pcscd's handles. */
	if (lib.initialized && lib.pid != getpid ())
		memset (&lib, 0, sizeof lib);
	if (lib.initialized) {
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
		goto out;
	}
	rv = choose_locking (init_args);
	if (rv != CKR_OK)
		goto out;
	rv = lib.create_mutex (&lib.mutex);
	if (rv != CKR_OK)
		goto out;
	jpki_log_open ();
	LOG ("C_Initialize");
	sessions_reset ();
	slots_open ();
	lib.pid = getpid ();
	lib.initialized = true;
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
	/* In a child of fork() the module is not initialised: the cards'
	 * connections belong to the parent and must not be touched. */
	if (!lib.initialized || lib.pid != getpid ()) {
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
		goto out;
	}
	lib.lock_mutex (lib.mutex);
	LOG ("C_Finalize");
	sessions_close_all_slots ();
	slots_close ();
	/* After the cards' certificates, which were made in it. */
	module_libctx_free ();
	lib.initialized = false;
	lib.unlock_mutex (lib.mutex);
	lib.destroy_mutex (lib.mutex);
	lib.mutex = NULL;
	jpki_log_close ();
out:
	pthread_mutex_unlock (&init_lock);
	return rv;
}

CK_RV
library_enter (void)
{
	if (!lib.initialized || lib.pid != getpid ())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (lib.lock_mutex (lib.mutex) != CKR_OK) {
		LOG ("cannot take the library lock");
		return CKR_GENERAL_ERROR;
	}
	return CKR_OK;
}

void
library_leave (void)
{
	if (lib.unlock_mutex (lib.mutex) != CKR_OK)
		LOG ("cannot release the library lock");
}
