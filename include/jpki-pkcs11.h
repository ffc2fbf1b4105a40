/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jpki-pkcs11: what an application may rely on besides PKCS#11 itself. */
#ifndef JPKI_PKCS11_H
#define JPKI_PKCS11_H

#include <p11-kit/pkcs11.h>

/* Slot ids are stable: the n-th PC/SC reader the module sees (from 0)
 * gives one slot per JPKI certificate. */
#define JPKI_PKCS11_SLOT_AUTH(reader) ((CK_SLOT_ID) (reader) * 2)
#define JPKI_PKCS11_SLOT_SIGN(reader) ((CK_SLOT_ID) (reader) * 2 + 1)

/* Token labels: they tell a person which PIN a prompt asks for. */
#define JPKI_PKCS11_LABEL_AUTH "My Number Auth (4-digit PIN)"
#define JPKI_PKCS11_LABEL_SIGN "My Number Sign (6-16 char PIN)"

/* Debug trace of calls and APDUs (PINs masked): "1" or "stderr" for
 * stderr, otherwise a file to append to. */
#define JPKI_PKCS11_DEBUG_ENV "JPKI_PKCS11_DEBUG"

#endif
