/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "slot.h"

#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "session.h"
#include "util.h"
#include "variant.h"

struct reader {
	char *name;
	bool listed;          /* in pcscd's latest reader list */
	struct card *card;    /* the bound JPKI card, if any */
	bool checked;         /* events and present say what we last saw */
	uint32_t events;      /* pcsc-lite's insert/remove counter */
	bool present;         /* a card, JPKI or not, was in the reader */
};

static struct {
	struct pcsc_context *ctx;
	struct reader readers[SLOT_MAX_READERS];
	unsigned count;
} slots;

static void
reader_drop_card (unsigned index)
{
	struct reader *r = &slots.readers[index];

	if (r->card == NULL)
		return;
	LOG ("card in reader %u gone; closing its sessions", index);
	sessions_close_slot (slot_id_of (index, JPKI_KEY_AUTH));
	sessions_close_slot (slot_id_of (index, JPKI_KEY_SIGN));
	card_free (r->card);
	r->card = NULL;
}

/* New readers are appended, so a reader keeps its slot ids while the
 * module is loaded. */
static void
readers_refresh (void)
{
	char **names = NULL;

	if (slots.ctx == NULL && pcsc_context_open (&slots.ctx) != PCSC_OK) {
		slots.ctx = NULL;
		return;
	}
	for (unsigned i = 0; i < slots.count; i++)
		slots.readers[i].listed = false;
	if (pcsc_list_readers (slots.ctx, &names) != PCSC_OK)
		goto out;
	for (size_t n = 0; names[n] != NULL; n++) {
		unsigned i;
		for (i = 0; i < slots.count; i++)
			if (strcmp (slots.readers[i].name, names[n]) == 0)
				break;
		if (i == slots.count) {
			if (slots.count == SLOT_MAX_READERS)
				continue;
			slots.readers[i].name = strdup (names[n]);
			if (slots.readers[i].name == NULL)
				continue;
			slots.count++;
			LOG ("reader %u: %s", i, names[n]);
		}
		slots.readers[i].listed = true;
	}
out:
	for (unsigned i = 0; i < slots.count; i++)
		if (!slots.readers[i].listed) {
			reader_drop_card (i);
			slots.readers[i].checked = false;
		}
	pcsc_readers_free (names);
}

/* Binds the card in a reader once per insertion: no APDU while the
 * reader's event counter stays the same. */
static void
reader_update (unsigned index)
{
	struct reader *r = &slots.readers[index];
	struct pcsc_card *conn = NULL;
	bool present = false;
	uint32_t events = 0;

	if (!r->listed || slots.ctx == NULL)
		return;
	if (pcsc_reader_status (slots.ctx, r->name, &present, &events) != PCSC_OK)
		present = false;
	/* A card that is not JPKI is probed once, not at every call. */
	if (r->checked && events == r->events && present == r->present)
		return;
	reader_drop_card (index);
	r->checked = false;
	if (!present)
		goto done;
	if (pcsc_connect (slots.ctx, r->name, &conn) != PCSC_OK) {
		LOG ("reader %u: cannot connect", index);
		return;
	}
	if (card_bind (conn, &r->card) != CKR_OK)
		return;   /* card_bind took conn; try again next time */
done:
	r->events = events;
	r->present = present;
	r->checked = true;
}

void
slots_open (void)
{
	memset (&slots, 0, sizeof slots);
	readers_refresh ();
}

void
slots_close (void)
{
	for (unsigned i = 0; i < slots.count; i++) {
		card_free (slots.readers[i].card);
		free (slots.readers[i].name);
	}
	if (slots.ctx != NULL)
		pcsc_context_close (slots.ctx);
	memset (&slots, 0, sizeof slots);
}

/* Slot ids keep their meaning in every variant: reader n's signature
 * slot 2n+1 simply does not exist in the authentication-only one, nor
 * its authentication slot 2n in the signature-only one. */
static bool
slot_exists (CK_SLOT_ID id)
{
	return id < 2 * (CK_SLOT_ID) slots.count &&
	       (slot_key (id) == JPKI_KEY_AUTH ? variant_has_auth_token : variant_has_sign_token);
}

static bool
slot_has_token (CK_SLOT_ID id)
{
	unsigned index = id / 2;

	reader_update (index);
	return slots.readers[index].card != NULL &&
	       card_has_token (slots.readers[index].card, slot_key (id));
}

CK_RV
slots_list (CK_BBOOL token_present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	CK_ULONG n = 0;

	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	if (list == NULL)
		readers_refresh ();
	for (CK_SLOT_ID id = 0; id < 2 * (CK_SLOT_ID) slots.count; id++) {
		if (!slot_exists (id) || (token_present && !slot_has_token (id)))
			continue;
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
slot_info (CK_SLOT_ID id, CK_SLOT_INFO *info)
{
	static const char *kind[] = { "JPKI user authentication", "JPKI digital signature" };
	char description[128];

	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!slot_exists (id))
		return CKR_SLOT_ID_INVALID;
	memset (info, 0, sizeof *info);
	snprintf (description, sizeof description, "%s (%s)", slots.readers[id / 2].name,
	          kind[slot_key (id)]);
	pad_copy (info->slotDescription, sizeof info->slotDescription, description);
	pad_copy (info->manufacturerID, sizeof info->manufacturerID, "PC/SC");
	info->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
	if (slot_has_token (id))
		info->flags |= CKF_TOKEN_PRESENT;
	return CKR_OK;
}

CK_RV
slot_card (CK_SLOT_ID id, struct card **out)
{
	*out = NULL;
	if (!slot_exists (id))
		return CKR_SLOT_ID_INVALID;
	if (!slot_has_token (id))
		return CKR_TOKEN_NOT_PRESENT;
	*out = slots.readers[id / 2].card;
	return CKR_OK;
}
