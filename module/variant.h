/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which tokens this build of the module shows.  jpki-pkcs11.so shows both;
 * jpki-pkcs11-auth.so, for browsers, only the authentication token, so that
 * a web login asks for one PIN and never for the signature PIN (NSS logs
 * in to every token that needs it when a server asks for a certificate). */
#ifndef JPKI_VARIANT_H
#define JPKI_VARIANT_H

#include <stdbool.h>

extern const bool variant_has_sign_token;

#endif
