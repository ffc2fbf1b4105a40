/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The card in each reader: bound once per insertion the tracker sees,
 * dropped with its sessions when the tracker sees it go, and what the
 * slots show of it. */
#include "slot-private.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "session.h"
#include "util.h"

/* The insertion the card lock's view of the reader now belongs to. */
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

	if (slots_context_ready (&r->ctx, &r->retry_at))
		pr = pcsc_wait_change (r->ctx, &st, 1, &pnp, 0);
	if (pr == PCSC_NO_SERVICE && r->ctx != NULL)
		slots_context_lost (&r->ctx, &r->retry_at);
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
