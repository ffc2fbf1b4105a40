/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Card state shared by the command handlers (card*.c) and nothing else. */
#ifndef VCARD_CARD_PRIVATE_H
#define VCARD_CARD_PRIVATE_H

#include "apdu-parse.h"
#include "card.h"
#include "profile.h"

enum {
	SW_OK = 0x9000,
	SW_END_OF_FILE = 0x6282,
	SW_MEMORY_FAILURE = 0x6581,
	SW_WRONG_LENGTH = 0x6700,
	SW_SECURITY_STATUS = 0x6982,
	SW_PIN_BLOCKED = 0x6983,
	SW_NO_CURRENT_EF = 0x6986,
	SW_WRONG_DATA = 0x6A80,
	SW_NOT_FOUND = 0x6A82,
	SW_WRONG_P1P2 = 0x6A86,
	SW_WRONG_OFFSET = 0x6B00,
	SW_INS_NOT_SUPPORTED = 0x6D00,
	SW_CLA_NOT_SUPPORTED = 0x6E00,
	SW_NO_DIAGNOSIS = 0x6F00,
	SW_TRIES_LEFT = 0x63C0,         /* | tries left */
};

struct vcard {
	struct profile profile;
	bool extended_apdu;
	enum vcard_signature_fault signature_fault;
	enum vcard_generation generation;
	int pss_salt_len;
	bool no_jpki;
	bool smartphone;                /* EF 000A needs the auth PIN */
	struct vcard_file_fault file_faults[VCARD_MAX_FILE_FAULTS];
	size_t file_fault_count;
	uint8_t atr[VCARD_MAX_ATR];
	size_t atr_len;
	bool jpki_selected;             /* current DF: JPKI AP, else the MF */
	bool has_current_ef;
	uint16_t current_ef;
	bool verified[CREDENTIAL_COUNT];
};

/* Where a handler puts response data: at most cap bytes, len set. */
struct response_data {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

enum ef_kind {
	EF_KIND_NONE,
	EF_KIND_BINARY,
	EF_KIND_KEY,
	EF_KIND_PIN,
};

/* What fid is on this card; *cred is set for key and PIN EFs. */
enum ef_kind card_ef_kind(const struct vcard *card, uint16_t fid, enum credential *cred);
enum ef_kind card_current_ef_kind(const struct vcard *card, enum credential *cred);

/* Command handlers: return the status word. */
uint16_t card_select(struct vcard *card, const struct command_apdu *cmd);
uint16_t card_read_binary(struct vcard *card, const struct command_apdu *cmd,
			  struct response_data *out);
uint16_t card_verify(struct vcard *card, const struct command_apdu *cmd);
uint16_t card_change_reference_data(struct vcard *card, const struct command_apdu *cmd);
uint16_t card_compute_signature(struct vcard *card, const struct command_apdu *cmd,
				struct response_data *out);

/* Damages the EF images named by opt's file faults and keeps the
 * read-time ones; false with a message on a fault the profile cannot take. */
bool card_set_file_faults(struct vcard *card, const struct vcard_options *opt,
			  char *error, size_t error_size);
/* A READ BINARY of a faulty current EF, access rules already checked:
 * true with *sw and out set when the fault decides the answer. */
bool card_faulty_read(const struct vcard *card, const struct command_apdu *cmd,
		      struct response_data *out, uint16_t *sw);

#endif
