/*
 * pcsc-reset: another PC/SC client that resets the card in the first
 * reader (SCardDisconnect with SCARD_RESET_CARD), as a program that ends
 * with a reset does.  Every other client's handle then reports the reset.
 *
 * Usage: pcsc-reset
 * Exit status: 0 reset, 1 PC/SC error.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

static int
fail (const char *what, LONG rv)
{
	fprintf (stderr, "pcsc-reset: %s: %s (0x%08lX)\n", what, pcsc_stringify_error (rv),
	         (unsigned long) rv);
	return 1;
}

int
main (void)
{
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	DWORD len = 0, protocol;
	char *readers;
	LONG rv;

	rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS)
		return fail ("SCardEstablishContext", rv);
	rv = SCardListReaders (ctx, NULL, NULL, &len);
	if (rv != SCARD_S_SUCCESS)
		return fail ("SCardListReaders", rv);
	readers = calloc (1, len + 1);
	if (readers == NULL)
		return 1;
	rv = SCardListReaders (ctx, NULL, readers, &len);
	if (rv != SCARD_S_SUCCESS)
		return fail ("SCardListReaders", rv);
	/* The first reader only: vpcd's second stays empty. */
	rv = SCardConnect (ctx, readers, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                   &card, &protocol);
	if (rv != SCARD_S_SUCCESS)
		return fail ("SCardConnect", rv);
	rv = SCardDisconnect (card, SCARD_RESET_CARD);
	if (rv != SCARD_S_SUCCESS)
		return fail ("SCardDisconnect", rv);
	free (readers);
	SCardReleaseContext (ctx);
	return 0;
}
