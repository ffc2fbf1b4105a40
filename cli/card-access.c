/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Readers and the card in one of them, through the module's PC/SC
 * transport. */
#include "jpki-cli.h"

#include <stdlib.h>
#include <string.h>

#include "pcsc-transport.h"

int
readers_open (struct readers *r, const char *wanted)
{
	char **all = NULL;
	size_t n = 0, kept = 0;
	enum pcsc_result pr;

	memset (r, 0, sizeof *r);
	if (pcsc_context_open (&r->ctx) != PCSC_OK) {
		fprintf (stderr, "%s\n", _("jpki: pcscd is not running (install and start pcscd)"));
		return EXIT_ERROR;
	}
	pr = pcsc_list_readers (r->ctx, &all);
	if (pr == PCSC_OK)
		while (all[n] != NULL)
			n++;
	r->names = calloc (n + 1, sizeof *r->names);
	for (size_t i = 0; r->names != NULL && i < n; i++)
		if (wanted == NULL || strstr (all[i], wanted) != NULL)
			r->names[kept++] = strdup (all[i]);
	if (pr == PCSC_OK)
		pcsc_readers_free (all);
	if (kept == 0) {
		if (wanted != NULL)
			fprintf (stderr, _("jpki: no reader named \"%s\"\n"), wanted);
		else
			fprintf (stderr, "%s\n", _("jpki: no card reader found"));
		return EXIT_ERROR;
	}
	return EXIT_FINE;
}

void
readers_close (struct readers *r)
{
	for (size_t i = 0; r->names != NULL && r->names[i] != NULL; i++)
		free (r->names[i]);
	free (r->names);
	pcsc_context_close (r->ctx);
	memset (r, 0, sizeof *r);
}

int
card_open (struct readers *r, const char *reader, struct held_card *c)
{
	bool present = false;
	uint32_t events = 0;
	struct jpki_transport t;

	memset (c, 0, sizeof *c);
	if (pcsc_reader_status (r->ctx, reader, &present, &events) != PCSC_OK || !present)
		return 0;
	if (pcsc_connect (r->ctx, reader, &c->conn) != PCSC_OK)
		return -1;
	t = pcsc_jpki_transport (c->conn);
	c->jpki = jpki_card_new (&t);
	if (c->jpki == NULL) {
		card_close (c);
		return -1;
	}
	return 1;
}

void
card_close (struct held_card *c)
{
	jpki_card_free (c->jpki);
	if (c->conn != NULL)
		pcsc_disconnect (c->conn);
	memset (c, 0, sizeof *c);
}

bool
card_begin (struct held_card *c)
{
	enum pcsc_result r = pcsc_begin_transaction (c->conn);

	if (r == PCSC_CARD_RESET && pcsc_reconnect (c->conn) == PCSC_OK)
		r = pcsc_begin_transaction (c->conn);
	if (r != PCSC_OK)
		return false;
	jpki_forget_selection (c->jpki);
	jpki_transaction_begin (c->jpki);
	return true;
}

void
card_end (struct held_card *c)
{
	jpki_transaction_end (c->jpki);
	pcsc_end_transaction (c->conn);
}
