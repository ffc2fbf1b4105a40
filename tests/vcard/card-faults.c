/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Faults in single EFs (--file-fault): two change the EF's image when the
 * card opens, three change every READ BINARY of the EF.  Access rules run
 * first, so a faulty signature certificate still needs the sign PIN. */
#include "card-private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GARBAGE_BYTE 0x5A
#define DER_HEADER_LEN 4
#define OVERLONG_EXTRA 16

static const struct {
	const char *name;
	enum vcard_file_fault_kind kind;
} fault_names[] = {
	{ "garbage", VCARD_FILE_GARBAGE },
	{ "length-past-ef", VCARD_FILE_LENGTH_PAST_EF },
	{ "empty", VCARD_FILE_EMPTY },
	{ "overlong", VCARD_FILE_OVERLONG },
	{ "endless-6c", VCARD_FILE_ENDLESS_6C },
};

bool vcard_parse_file_fault(const char *text, struct vcard_file_fault *fault)
{
	char *end;
	unsigned long fid;

	if (strlen(text) < 6 || text[4] != ':')
		return false;
	fid = strtoul(text, &end, 16);
	if (end != text + 4)
		return false;
	for (size_t i = 0; i < sizeof(fault_names) / sizeof(fault_names[0]); i++) {
		if (strcmp(text + 5, fault_names[i].name) == 0) {
			fault->fid = (uint16_t)fid;
			fault->kind = fault_names[i].kind;
			return true;
		}
	}
	return false;
}

/* The image faults: the EF's bytes in memory change, the profile's files do not. */
static bool damage_image(struct profile_ef *ef, enum vcard_file_fault_kind kind)
{
	size_t claimed;

	if (ef->size < DER_HEADER_LEN)
		return kind != VCARD_FILE_GARBAGE && kind != VCARD_FILE_LENGTH_PAST_EF;
	switch (kind) {
	case VCARD_FILE_GARBAGE:
		memset(ef->data + DER_HEADER_LEN, GARBAGE_BYTE, ef->size - DER_HEADER_LEN);
		break;
	case VCARD_FILE_LENGTH_PAST_EF:
		claimed = ef->size;     /* + the 4 header bytes: past the end */
		if (claimed > 0xFFFF)
			return false;
		ef->data[0] = 0x30;
		ef->data[1] = 0x82;
		ef->data[2] = (uint8_t)(claimed >> 8);
		ef->data[3] = (uint8_t)claimed;
		break;
	default:
		break;
	}
	return true;
}

static bool refuse(char *error, size_t error_size, const char *fmt, ...)
{
	va_list ap;

	if (error && error_size) {
		va_start(ap, fmt);
		vsnprintf(error, error_size, fmt, ap);
		va_end(ap);
	}
	return false;
}

bool card_set_file_faults(struct vcard *card, const struct vcard_options *opt,
			  char *error, size_t error_size)
{
	if (opt->file_fault_count > VCARD_MAX_FILE_FAULTS)
		return refuse(error, error_size, "more than %d file faults", VCARD_MAX_FILE_FAULTS);
	for (size_t i = 0; i < opt->file_fault_count; i++) {
		const struct vcard_file_fault *f = &opt->file_faults[i];
		struct profile_ef *ef = (struct profile_ef *)profile_find_ef(&card->profile, f->fid);

		if (!ef)
			return refuse(error, error_size, "file fault on %04X: no such EF", f->fid);
		for (size_t j = 0; j < i; j++)
			if (opt->file_faults[j].fid == f->fid)
				return refuse(error, error_size, "two file faults on %04X", f->fid);
		if (!damage_image(ef, f->kind))
			return refuse(error, error_size, "file fault on %04X: EF too small or too large",
				      f->fid);
		card->file_faults[i] = *f;
	}
	card->file_fault_count = opt->file_fault_count;
	return true;
}

static enum vcard_file_fault_kind read_fault(const struct vcard *card)
{
	enum vcard_file_fault_kind kind = 0;

	for (size_t i = 0; i < card->file_fault_count; i++)
		if (card->file_faults[i].fid == card->current_ef)
			kind = card->file_faults[i].kind;
	return kind;
}

bool card_faulty_read(const struct vcard *card, const struct command_apdu *cmd,
		      struct response_data *out, uint16_t *sw)
{
	const struct profile_ef *ef = profile_find_ef(&card->profile, card->current_ef);
	size_t offset = (size_t)cmd->p1 << 8 | cmd->p2, count, from_ef;

	switch (read_fault(card)) {
	case VCARD_FILE_EMPTY:
		out->len = 0;
		*sw = SW_OK;
		return true;
	case VCARD_FILE_ENDLESS_6C:
		*sw = 0x6C00 | (cmd->le & 0xFF);
		return true;
	case VCARD_FILE_OVERLONG:
		count = cmd->le + OVERLONG_EXTRA;
		if (count > out->cap) {
			*sw = SW_NO_DIAGNOSIS;
			return true;
		}
		from_ef = offset < ef->size ? ef->size - offset : 0;
		if (from_ef > count)
			from_ef = count;
		memcpy(out->buf, ef->data + offset, from_ef);
		memset(out->buf + from_ef, 0xFF, count - from_ef);
		out->len = count;
		*sw = SW_OK;
		return true;
	default:
		return false;
	}
}
