/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "slot.h"

#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "library.h"
#include "log.h"
#include "session.h"
#include "util.h"
#include "variant.h"

/* A context that pcscd lost is made again at most this often, so that a
 * missing pcscd costs a call nothing but a failed connect. */
#define CONTEXT_RETRY_MS 200

struct reader {
	/* Set before the reader is counted in, then fixed for the module's
	 * life (table lock to read count, then no lock). */
	char *name;
	/* The card lock: made at C_Initialize or when the reader appears. */
	struct library_mutex *lock;
	/* Guarded by lock. */
	struct pcsc_context *ctx;   /* this reader's own; NULL: pcscd away */
	long long retry_at;         /* no new ctx before this (ms) */
	struct card *card;          /* the bound JPKI card, if any */
	bool unusable;              /* a card, but not bound: not JPKI, unreadable */
	struct card_reader memory;  /* what the bound card knows of its reader */
	/* The tracker of card presence, guarded by the table lock: what the
	 * module last saw in the reader, from a slot call or a slot-event
	 * waiter, and a count of the changes. */
	bool seen;
	bool present;               /* a card, JPKI or not, is in the reader */
	uint32_t events;            /* pcsc-lite's insert/remove counter */
	unsigned long insertion;    /* one more at each change seen */
	/* The insertion card, unusable and memory belong to (0: none, look
	 * again); written with both locks held, read with either. */
	unsigned long looked;
};

static struct {
	struct library_mutex *table_lock;
	/* Guarded by table_lock. */
	struct reader readers[SLOT_MAX_READERS];
	unsigned count;
	uint64_t pending;           /* bit n: slot n has an event to report */
	/* For SCardListReaders; guarded by list_lock. */
	struct library_mutex *list_lock;
	struct pcsc_context *list_ctx;
	long long list_retry_at;
} slots;

/* A context for *ctx unless pcscd was found away a moment ago. */
static bool
context_ready (struct pcsc_context **ctx, long long *retry_at)
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

/* pcscd went away or restarted: its handles are dead. */
static void
context_lost (struct pcsc_context **ctx, long long *retry_at)
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

/* The tracker: whether st is news for the reader (a card came or went
 * since the module last looked); if so, with report, its slots have an
 * event for C_WaitForSlotEvent. */
static bool
reader_note_tablelocked (unsigned index, const struct pcsc_reader_state *st, bool report)
{
	struct reader *r = &slots.readers[index];

	if (r->seen && r->present == st->present && r->events == st->event_count)
		return false;
	r->seen = true;
	r->present = st->present;
	r->events = st->event_count;
	r->insertion++;
	for (enum jpki_key key = JPKI_KEY_AUTH; key <= JPKI_KEY_SIGN && report; key++)
		if (variant_has_slot (slot_id_of (index, key)))
			slots.pending |= 1ULL << slot_id_of (index, key);
	return true;
}

/* Whether the card lock's view of the reader is of a past insertion. */
static bool
reader_stale_tablelocked (unsigned index)
{
	const struct reader *r = &slots.readers[index];

	return r->looked != 0 && r->looked != r->insertion;
}

static CK_RV
reader_set_looked_cardlocked (unsigned index, unsigned long insertion)
{
	CK_RV rv = slots_table_lock ();

	if (rv == CKR_OK) {
		slots.readers[index].looked = insertion;
		slots_table_unlock ();
	}
	return rv;
}

/* Drops the bound card, closing its sessions: the next look binds what
 * the reader holds then. */
static void
reader_reset_cardlocked (unsigned index)
{
	struct reader *r = &slots.readers[index];

	if (r->card != NULL) {
		LOG ("card in reader %u gone; closing its sessions", index);
		sessions_close_slot_cardlocked (slot_id_of (index, JPKI_KEY_AUTH));
		sessions_close_slot_cardlocked (slot_id_of (index, JPKI_KEY_SIGN));
		card_free_cardlocked (r->card);
		r->card = NULL;
	}
	r->unusable = false;
	reader_set_looked_cardlocked (index, 0);
}

/* Drops the card if the tracker has seen it go. */
static void
reader_sync_cardlocked (unsigned index)
{
	bool stale;

	if (slots_table_lock () != CKR_OK)
		return;
	stale = reader_stale_tablelocked (index);
	slots_table_unlock ();
	if (stale)
		reader_reset_cardlocked (index);
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

/* Asks pcscd for its readers (outside the table lock) and adds new ones. */
static void
readers_refresh (bool always)
{
	char **names = NULL;
	enum pcsc_result r;

	if (library_lock (slots.list_lock) != CKR_OK)
		return;
	if (!always && slots.list_ctx != NULL)
		goto out;
	if (!context_ready (&slots.list_ctx, &slots.list_retry_at))
		goto out;
	r = pcsc_list_readers (slots.list_ctx, &names);
	if (r == PCSC_NO_SERVICE)
		context_lost (&slots.list_ctx, &slots.list_retry_at);
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

/* Binds the card in a reader once per insertion: no APDU while the
 * reader's event counter stays the same.  With pcscd away, no card and
 * no news: the tracker waits for what pcscd says when it is back. */
static void
reader_update_cardlocked (unsigned index)
{
	struct reader *r = &slots.readers[index];
	struct pcsc_reader_state st = { .name = r->name };
	struct pcsc_card *conn = NULL;
	unsigned long pnp = 0, insertion;
	enum pcsc_result pr = PCSC_NO_SERVICE;
	bool fresh;

	if (context_ready (&r->ctx, &r->retry_at))
		pr = pcsc_wait_change (r->ctx, &st, 1, &pnp, 0);
	if (pr == PCSC_NO_SERVICE && r->ctx != NULL)
		context_lost (&r->ctx, &r->retry_at);
	if (pr != PCSC_OK) {
		reader_reset_cardlocked (index);
		return;
	}
	if (slots_table_lock () != CKR_OK)
		return;
	reader_note_tablelocked (index, &st, true);
	insertion = r->insertion;
	/* A card that could not be bound is tried again only after an event. */
	fresh = r->looked != insertion;
	slots_table_unlock ();
	if (!fresh)
		return;
	reader_reset_cardlocked (index);
	if (reader_set_looked_cardlocked (index, insertion) != CKR_OK || !st.present)
		return;
	if (pcsc_connect (r->ctx, r->name, &conn) != PCSC_OK) {
		LOG ("reader %u: cannot connect; again at the next look", index);
		reader_set_looked_cardlocked (index, 0);
		return;
	}
	r->memory.name = r->name;
	r->memory.events = st.event_count;
	if (card_bind_cardlocked (conn, &r->memory, &r->card) != CKR_OK)
		LOG ("reader %u: card unreadable; again after the next card event", index);
	r->unusable = r->card == NULL;
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

void
slots_note (const struct pcsc_reader_state *st, unsigned count, bool report)
{
	for (unsigned i = 0; i < count; i++) {
		struct reader *r = &slots.readers[i];
		bool stale;

		if (slots_table_lock () != CKR_OK)
			return;
		reader_note_tablelocked (i, &st[i], report);
		stale = reader_stale_tablelocked (i);
		slots_table_unlock ();
		/* Only then the card lock: a long command on another card
		 * holds up no event. */
		if (stale && library_lock (r->lock) == CKR_OK) {
			reader_sync_cardlocked (i);
			library_unlock (r->lock);
		}
	}
}

CK_RV
slots_take_event (CK_SLOT_ID *slot)
{
	CK_RV rv = slots_table_lock ();

	if (rv != CKR_OK)
		return rv;
	rv = CKR_NO_EVENT;
	if (slots.pending != 0) {
		*slot = (CK_SLOT_ID) __builtin_ctzll (slots.pending);
		slots.pending &= slots.pending - 1;
		rv = CKR_OK;
	}
	slots_table_unlock ();
	return rv;
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

static bool
slot_has_token_cardlocked (CK_SLOT_ID id)
{
	unsigned index = id / 2;

	reader_update_cardlocked (index);
	return slots.readers[index].card != NULL &&
	       card_has_token (slots.readers[index].card, slot_key (id));
}

/* Each reader's card lock in turn, never two at once. */
CK_RV
slots_list (CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	CK_ULONG n = 0;
	CK_SLOT_ID end;
	CK_RV rv;

	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	/* With a list, the readers of the length query: only a pcscd that
	 * was away makes us look again. */
	readers_refresh (list == NULL);
	rv = slots_table_lock ();
	if (rv != CKR_OK)
		return rv;
	end = 2 * (CK_SLOT_ID) slots.count;
	slots_table_unlock ();
	for (CK_SLOT_ID id = 0; id < end; id++) {
		bool has;
		if (!variant_has_slot (id))
			continue;
		if (token_present) {
			rv = slot_lock (id);
			if (rv != CKR_OK)
				return rv;
			has = slot_has_token_cardlocked (id);
			slot_unlock (id);
			if (!has)
				continue;
		}
		if (list != NULL && n < *count)
			list[n] = id;
		n++;
	}
	if (list != NULL && n > *count) {
		*count = n;
		return CKR_BUFFER_TOO_SMALL;
	}
	*count = n;
	return CKR_OK;
}

CK_RV
slot_info_cardlocked (CK_SLOT_ID id, CK_SLOT_INFO *info)
{
	static const char *kind[] = { "JPKI user authentication", "JPKI digital signature" };
	const struct reader *r = &slots.readers[id / 2];
	const char *state = "";
	char description[128];

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	memset (info, 0, sizeof *info);
	/* So that a user can tell "no card" from "a card we cannot use". */
	if (r->card != NULL && card_token_damaged_cardlocked (r->card, slot_key (id)))
		state = ", card damaged";
	else if (r->unusable)
		state = ", card not usable";
	snprintf (description, sizeof description, "%s (%s%s)", r->name, kind[slot_key (id)], state);
	pad_copy (info->slotDescription, sizeof info->slotDescription, description);
	pad_copy (info->manufacturerID, sizeof info->manufacturerID, "PC/SC");
	info->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
	if (slot_has_token_cardlocked (id))
		info->flags |= CKF_TOKEN_PRESENT;
	return CKR_OK;
}

CK_RV
slot_card_cardlocked (CK_SLOT_ID id, struct card **out)
{
	*out = NULL;
	if (!slot_has_token_cardlocked (id))
		return CKR_TOKEN_NOT_PRESENT;
	*out = slots.readers[id / 2].card;
	return CKR_OK;
}

void
slot_card_lost_cardlocked (CK_SLOT_ID id)
{
	/* Bound again at the next look, if the card is back by then. */
	reader_reset_cardlocked (id / 2);
}
