/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* C_SignInit, C_Sign, C_SignUpdate, C_SignFinal. */
#ifndef JPKI_SIGN_H
#define JPKI_SIGN_H

#include <p11-kit/pkcs11.h>

CK_RV sign_init (CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key);
CK_RV sign_single (CK_SESSION_HANDLE handle, CK_BYTE_PTR data, CK_ULONG data_len,
                   CK_BYTE_PTR sig, CK_ULONG_PTR sig_len);
CK_RV sign_update (CK_SESSION_HANDLE handle, CK_BYTE_PTR data, CK_ULONG data_len);
CK_RV sign_final (CK_SESSION_HANDLE handle, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len);

#endif
