/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Readers, and a connection to the card in one of them. */
#include "jpki-cli.h"

#include <stdlib.h>
#include <string.h>


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
reader_connect (struct readers *r, const char *reader, struct jpki_conn *c)
{
	struct pcsc_card *pcsc = NULL;
	struct pcsc_reader_state state = { .name = reader };
	unsigned long pnp = 0;

	memset (c, 0, sizeof *c);
	/* Timeout 0 on a reader not looked at yet: its state at once. */
	if (pcsc_wait_change (r->ctx, &state, 1, &pnp, 0) != PCSC_OK || !state.present)
		return 0;
	if (pcsc_connect (r->ctx, reader, &pcsc) != PCSC_OK || jpki_conn_open (c, pcsc) != PCSC_OK)
		return -1;
	return 1;
}
