/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* C_Initialize/C_Finalize and the library lock.  Every entry point runs
 * between library_enter and library_leave: one lock, one order. */
#ifndef JPKI_LIBRARY_H
#define JPKI_LIBRARY_H

#include <p11-kit/pkcs11.h>

CK_RV library_initialize (CK_VOID_PTR init_args);
CK_RV library_finalize (CK_VOID_PTR reserved);

/* CKR_CRYPTOKI_NOT_INITIALIZED, or CKR_OK with the lock held. */
CK_RV library_enter (void);
void library_leave (void);

#endif
