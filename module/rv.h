/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one map from card and transport results to CKR_ values. */
#ifndef JPKI_RV_H
#define JPKI_RV_H

#include <p11-kit/pkcs11.h>
#include "jpki.h"
#include "pcsc.h"

/* What the card was asked for, which says what a missing file means. */
enum rv_asked {
	RV_ASKED_COMMAND,   /* a missing file is the card's fault */
	RV_ASKED_BIND,      /* another kind of card: no token, no error */
	RV_ASKED_PIN,       /* the token has no PIN */
	RV_ASKED_OBJECT,    /* the token has no such object */
	RV_ASKED_KEY,       /* the same, the object named as a key */
};

CK_RV rv_from_jpki (enum jpki_result r);
CK_RV rv_from_jpki_asked (enum rv_asked asked, enum jpki_result r);
CK_RV rv_from_pcsc (enum pcsc_result r);
/* What a session call answers when its slot answered slot_rv. */
CK_RV rv_for_session (CK_RV slot_rv);

#endif
