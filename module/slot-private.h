/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What slot.c (the reader table), reader-presence.c (the tracker of card
 * presence) and slot-card.c (the card bound in each reader) share.  Each
 * file calls only those before it in that list. */
#ifndef JPKI_SLOT_PRIVATE_H
#define JPKI_SLOT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "library.h"
#include "slot.h"

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

/* Defined in slot.c. */
struct slot_table {
	struct library_mutex *table_lock;
	/* Guarded by table_lock. */
	struct reader readers[SLOT_MAX_READERS];
	unsigned count;
	uint64_t pending;           /* bit n: slot n has an event to report */
	/* For SCardListReaders; guarded by list_lock. */
	struct library_mutex *list_lock;
	struct pcsc_context *list_ctx;
	long long list_retry_at;
};
extern struct slot_table slots;

/* slot.c.  A context for *ctx unless pcscd was found away a moment ago;
 * with the lock that guards *ctx held. */
bool slots_context_ready (struct pcsc_context **ctx, long long *retry_at);
/* pcscd went away or restarted: its handles are dead. */
void slots_context_lost (struct pcsc_context **ctx, long long *retry_at);
/* Asks pcscd for its readers (outside the table lock) and adds new ones;
 * unless always, only when the list's context is gone. */
void readers_refresh (bool always);

/* reader-presence.c.  Whether st is news for the reader (a card came or
 * went since the module last looked); if so, with report, its slots have
 * an event for C_WaitForSlotEvent. */
bool reader_note_tablelocked (unsigned index, const struct pcsc_reader_state *st, bool report);
/* Whether the card lock's view of the reader is of a past insertion. */
bool reader_stale_tablelocked (unsigned index);

#endif
