/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one map from card and transport results to CKR_ values. */
#ifndef JPKI_RV_H
#define JPKI_RV_H

#include <p11-kit/pkcs11.h>
#include "jpki.h"
#include "pcsc.h"

CK_RV rv_from_jpki (enum jpki_result r);
CK_RV rv_from_pcsc (enum pcsc_result r);

#endif
