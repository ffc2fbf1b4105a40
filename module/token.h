/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CK_TOKEN_INFO and the mechanism queries of a slot's token. */
#ifndef JPKI_TOKEN_H
#define JPKI_TOKEN_H

#include <p11-kit/pkcs11.h>
#include "jpki-pkcs11.h"


CK_RV token_info (CK_SLOT_ID slot, CK_TOKEN_INFO *info);
CK_RV token_mechanisms (CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count);
CK_RV token_mechanism_info (CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);

#endif
