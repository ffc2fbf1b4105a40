/*
 * raw-sign: a second program that asks the card for a signature without
 * any PIN, to show whether a verified PIN was left behind.
 *
 * Usage: raw-sign [--reader N] 0017|001A
 *
 * Connects (shared) to the first PC/SC reader, or the Nth, selects the
 * JPKI application and the key EF, sends COMPUTE DIGITAL SIGNATURE
 * (80 2A 00 80) over 20 bytes and prints the status word of that command
 * as four hex digits.  The card is left as it is (no reset), so that this
 * program changes nothing but the selected EF.
 *
 * Exit status: 0 when the SIGN command got an answer (whatever its status
 * word), 1 when a SELECT failed (its status word is printed), 2 on usage or
 * PC/SC errors.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

static const unsigned char select_ap[] = {
	0x00, 0xA4, 0x04, 0x0C, 0x0A,
	0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
};

static void
usage (FILE *out)
{
	fprintf (out, "Usage: raw-sign [--reader N] 0017|001A\n"
	              "Prints the status word of a SIGN sent with no PIN verified by us.\n");
}

struct link {
	SCARDHANDLE card;
	const SCARD_IO_REQUEST *pci;
};

/* Sends cmd; follows 61xx with GET RESPONSE (T=0).  Returns the status word
 * or -1 on a transport error. */
static long
transmit (struct link *link, const unsigned char *cmd, DWORD cmd_len)
{
	unsigned char resp[600];
	unsigned char get_response[5] = { 0x00, 0xC0, 0x00, 0x00, 0x00 };
	DWORD resp_len = sizeof resp;
	LONG rc;

	rc = SCardTransmit (link->card, link->pci, cmd, cmd_len, NULL, resp, &resp_len);
	while (rc == SCARD_S_SUCCESS && resp_len == 2 && resp[0] == 0x61) {
		get_response[4] = resp[1];
		resp_len = sizeof resp;
		rc = SCardTransmit (link->card, link->pci, get_response, sizeof get_response, NULL,
		                    resp, &resp_len);
	}
	if (rc != SCARD_S_SUCCESS) {
		fprintf (stderr, "raw-sign: SCardTransmit: %s\n", pcsc_stringify_error (rc));
		return -1;
	}
	if (resp_len < 2) {
		fprintf (stderr, "raw-sign: answer of %lu bytes\n", (unsigned long) resp_len);
		return -1;
	}
	return (long) resp[resp_len - 2] << 8 | resp[resp_len - 1];
}

/* The n-th reader's name in pcsc-lite's multi-string, or NULL. */
static const char *
nth_reader (const char *names, DWORD len, unsigned n)
{
	const char *p = names;

	while (p < names + len && *p != '\0') {
		if (n-- == 0)
			return p;
		p += strlen (p) + 1;
	}
	return NULL;
}

int
main (int argc, char **argv)
{
	SCARDCONTEXT ctx = 0;
	struct link link = { 0, NULL };
	unsigned char select_ef[7] = { 0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x00 };
	unsigned char sign[5 + 20 + 1] = { 0x80, 0x2A, 0x00, 0x80, 20 };
	char *names = NULL;
	const char *reader;
	DWORD names_len = SCARD_AUTOALLOCATE, protocol = 0;
	unsigned reader_index = 0;
	const char *fid = NULL;
	long sw;
	int status = 2;
	LONG rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp (argv[i], "--reader") == 0 && i + 1 < argc) {
			reader_index = (unsigned) strtoul (argv[++i], NULL, 10);
		} else if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
			usage (stdout);
			return 0;
		} else if (fid == NULL) {
			fid = argv[i];
		} else {
			usage (stderr);
			return 2;
		}
	}
	if (fid == NULL || (strcmp (fid, "0017") != 0 && strcmp (fid, "001A") != 0 &&
	                    strcmp (fid, "001a") != 0)) {
		usage (stderr);
		return 2;
	}
	select_ef[6] = fid[2] == '1' && fid[3] == '7' ? 0x17 : 0x1A;
	for (int i = 0; i < 20; i++)
		sign[5 + i] = (unsigned char) (0xA0 + i);
	sign[25] = 0x00;   /* Le: the whole signature */

	rc = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rc != SCARD_S_SUCCESS) {
		fprintf (stderr, "raw-sign: SCardEstablishContext: %s\n", pcsc_stringify_error (rc));
		return 2;
	}
	rc = SCardListReaders (ctx, NULL, (LPSTR) &names, &names_len);
	if (rc != SCARD_S_SUCCESS) {
		fprintf (stderr, "raw-sign: SCardListReaders: %s\n", pcsc_stringify_error (rc));
		goto out;
	}
	reader = nth_reader (names, names_len, reader_index);
	if (reader == NULL) {
		fprintf (stderr, "raw-sign: no reader %u\n", reader_index);
		goto out;
	}
	rc = SCardConnect (ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                   &link.card, &protocol);
	if (rc != SCARD_S_SUCCESS) {
		fprintf (stderr, "raw-sign: SCardConnect(%s): %s\n", reader, pcsc_stringify_error (rc));
		goto out;
	}
	link.pci = protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;

	sw = transmit (&link, select_ap, sizeof select_ap);
	if (sw == 0x9000)
		sw = transmit (&link, select_ef, sizeof select_ef);
	if (sw != 0x9000) {
		if (sw >= 0) {
			printf ("%04lX\n", sw);
			status = 1;
		}
		goto out;
	}
	sw = transmit (&link, sign, sizeof sign);
	if (sw < 0)
		goto out;
	printf ("%04lX\n", sw);
	status = 0;
out:
	if (link.card != 0)
		SCardDisconnect (link.card, SCARD_LEAVE_CARD);
	if (names != NULL)
		SCardFreeMemory (ctx, names);
	SCardReleaseContext (ctx);
	return status;
}
