/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JPKI layer's transport over a PC/SC connection: the one place where
 * PC/SC results become the card protocol's transport results.  Used by the
 * module and by the jpki command. */
#ifndef JPKI_PCSC_TRANSPORT_H
#define JPKI_PCSC_TRANSPORT_H

#include "jpki.h"
#include "pcsc.h"

struct jpki_transport pcsc_jpki_transport (struct pcsc_card *conn);

#endif
