/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reader table: readers as pcscd lists them, their slot ids and card
 * locks, and the table lock. */
#include "slot-private.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "variant.h"

/* A context that pcscd lost is made again at most this often, so that a
 * missing pcscd costs a call nothing but a failed connect. */
#define CONTEXT_RETRY_MS 200

struct slot_table slots;

bool
slots_context_ready (struct pcsc_context **ctx, long long *retry_at)
{
	if (*ctx != NULL)
		return true;
	if (monotonic_ms () < *retry_at)
		return false;
	if (pcsc_context_open (ctx) == PCSC_OK)
		return true;
	*ctx = NULL;
	*retry_at = monotonic_ms () + CONTEXT_RETRY_MS;
	return false;
}

void
slots_context_lost (struct pcsc_context **ctx, long long *retry_at)
{
	LOG ("PC/SC context lost; a new one later");
	pcsc_context_close (*ctx);
	*ctx = NULL;
	*retry_at = monotonic_ms () + CONTEXT_RETRY_MS;
}

CK_RV
slots_table_lock (void)
{
	return library_lock (slots.table_lock);
}

void
slots_table_unlock (void)
{
	library_unlock (slots.table_lock);
}

/* Slot ids keep their meaning in every variant: reader n's signature
 * slot 2n+1 simply does not exist in the authentication-only file, nor
 * its authentication slot 2n in the signature-only one. */
bool
variant_has_slot (CK_SLOT_ID id)
{
	return slot_key (id) == JPKI_KEY_AUTH ? variant_has_auth_token : variant_has_sign_token;
}

/* The reader of a slot id: CKR_SLOT_ID_INVALID, or a failed table lock. */
static CK_RV
reader_of (CK_SLOT_ID id, struct reader **out)
{
	CK_RV rv = slots_table_lock ();

	if (rv != CKR_OK)
		return rv;
	*out = NULL;
	if (id < 2 * (CK_SLOT_ID) slots.count && variant_has_slot (id))
		*out = &slots.readers[id / 2];
	slots_table_unlock ();
	return *out != NULL ? CKR_OK : CKR_SLOT_ID_INVALID;
}

/* Appends a reader not seen before, so that a name keeps its slot ids. */
static void
reader_add_tablelocked (const char *name)
{
	struct reader *r;

	for (unsigned i = 0; i < slots.count; i++)
		if (strcmp (slots.readers[i].name, name) == 0)
			return;
	if (slots.count == SLOT_MAX_READERS)
		return;
	r = &slots.readers[slots.count];
	r->name = strdup (name);
	r->lock = library_mutex_new ();
	if (r->name == NULL || r->lock == NULL) {
		free (r->name);
		library_mutex_free (r->lock);
		memset (r, 0, sizeof *r);
		return;
	}
	LOG ("reader %u: %s", slots.count, name);
	slots.count++;
}

void
readers_refresh (bool always)
{
	char **names = NULL;
	enum pcsc_result r;

	if (library_lock (slots.list_lock) != CKR_OK)
		return;
	if (!always && slots.list_ctx != NULL)
		goto out;
	if (!slots_context_ready (&slots.list_ctx, &slots.list_retry_at))
		goto out;
	r = pcsc_list_readers (slots.list_ctx, &names);
	if (r == PCSC_NO_SERVICE)
		slots_context_lost (&slots.list_ctx, &slots.list_retry_at);
	if (r != PCSC_OK)
		goto out;
	if (slots_table_lock () != CKR_OK)
		goto out;
	for (size_t n = 0; names[n] != NULL; n++)
		reader_add_tablelocked (names[n]);
	slots_table_unlock ();
out:
	library_unlock (slots.list_lock);
	pcsc_readers_free (names);
}

unsigned
slots_readers (const char *names[SLOT_MAX_READERS])
{
	unsigned count = 0;

	readers_refresh (true);
	if (slots_table_lock () != CKR_OK)
		return 0;
	count = slots.count;
	for (unsigned i = 0; i < count; i++)
		names[i] = slots.readers[i].name;
	slots_table_unlock ();
	return count;
}

CK_RV
slots_open (void)
{
	slots.table_lock = library_mutex_new ();
	slots.list_lock = library_mutex_new ();
	if (slots.table_lock == NULL || slots.list_lock == NULL)
		return CKR_HOST_MEMORY;
	for (unsigned i = 0; i < slots.count; i++) {
		slots.readers[i].lock = library_mutex_new ();
		if (slots.readers[i].lock == NULL)
			return CKR_HOST_MEMORY;
	}
	readers_refresh (true);
	return CKR_OK;
}

void
slots_close (void)
{
	for (unsigned i = 0; i < slots.count; i++) {
		struct reader *r = &slots.readers[i];
		card_free_cardlocked (r->card);
		pcsc_context_close (r->ctx);
		library_mutex_free (r->lock);
		r->card = NULL;
		r->ctx = NULL;
		r->lock = NULL;
		r->retry_at = 0;
		r->unusable = false;
		r->seen = false;
		r->looked = 0;
	}
	slots.pending = 0;
	pcsc_context_close (slots.list_ctx);
	library_mutex_free (slots.list_lock);
	library_mutex_free (slots.table_lock);
	slots.list_ctx = NULL;
	slots.list_lock = slots.table_lock = NULL;
	slots.list_retry_at = 0;
}

void
slots_forget (void)
{
	memset (&slots, 0, sizeof slots);
}

CK_RV
slot_lock (CK_SLOT_ID id)
{
	struct reader *r;
	CK_RV rv = reader_of (id, &r);

	return rv == CKR_OK ? library_lock (r->lock) : rv;
}

void
slot_unlock (CK_SLOT_ID id)
{
	library_unlock (slots.readers[id / 2].lock);
}
