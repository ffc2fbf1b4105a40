/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which tokens this build of the module shows.  jpki-pkcs11.so shows both;
 * jpki-pkcs11-auth.so, for browsers, only the authentication token, so that
 * a web login asks for one PIN and never for the signature PIN (NSS logs
 * in to every token that needs it when a server asks for a certificate).
 * jpki-pkcs11-sign.so, for document signers, only the signature token, so
 * that a signer asks for the signature PIN alone (pdfsig answers only the
 * first PIN request), as the official client ships separate modules. */
#ifndef JPKI_VARIANT_H
#define JPKI_VARIANT_H

#include <stdbool.h>

extern const bool variant_has_auth_token;
extern const bool variant_has_sign_token;

#endif
