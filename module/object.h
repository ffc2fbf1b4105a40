/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Each token's four read-only objects: its certificate, the CA
 * certificate, the public key and the private key (which stays on the
 * card).  Handle = slot * 4 + row + 1. */
#ifndef JPKI_OBJECT_H
#define JPKI_OBJECT_H

#include <p11-kit/pkcs11.h>

#include "session.h"

CK_RV object_find_init (CK_SESSION_HANDLE handle, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count);
CK_RV object_find (CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE_PTR out, CK_ULONG max,
                   CK_ULONG_PTR count);
CK_RV object_find_final (CK_SESSION_HANDLE handle);
CK_RV object_get_attributes (CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object,
                             CK_ATTRIBUTE_PTR tmpl, CK_ULONG count);
CK_RV object_get_size (CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object, CK_ULONG_PTR size);

/* A private key of the session's token that can sign with mech. */
CK_RV object_check_signing_key (struct session *s, struct card *card, CK_OBJECT_HANDLE key);

#endif
