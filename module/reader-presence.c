/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one tracker of card presence: what the module last saw in each
 * reader, from a slot call or a slot-event waiter alike, and the slot
 * events not yet reported, kept in the reader table under the table
 * lock. */
#include "slot-private.h"

bool
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

bool
reader_stale_tablelocked (unsigned index)
{
	const struct reader *r = &slots.readers[index];

	return r->looked != 0 && r->looked != r->insertion;
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
