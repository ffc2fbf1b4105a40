/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A scripted stand-in transport for the JPKI card layer: each test lists
 * the exact APDUs it expects and the card's canned answers, and checks
 * that all of them, and no others, were sent.  The fixture gives each
 * test a card on this transport, inside a transaction. */
#ifndef SCRIPT_TRANSPORT_H
#define SCRIPT_TRANSPORT_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki.h"

#define MAX_STEPS 64

#define SELECT_AP "00A4040C0AD392F000260100000001"
#define SELECT_EF(fid) "00A4020C02" fid
#define EMPTY_VERIFY "00200080"
#define SELECT_MF "00A4000C023F00"
#define SELECT_MF_PLAIN "00A40000"
#define OK "9000"

#define N_ROWS(a) (int) (sizeof (a) / sizeof ((a)[0]))

struct step {
	char *cmd;                            /* expected command, hex */
	uint8_t *resp;                        /* canned answer, SW included */
	size_t resp_len;
	enum jpki_transport_result result;
};

struct script {
	struct step steps[MAX_STEPS];
	size_t count, pos;
};

/* The script of the running test, and its card. */
extern struct script script;
extern struct jpki_card *card;

/* hex into out; the number of bytes. */
size_t bytes_of (const char *hex, uint8_t *out);

/* A new step expecting cmd, with no answer yet: the caller fills in
 * resp and resp_len. */
struct step *add_step (const char *cmd);

/* The card answers data then sw. */
void expect_data (const char *cmd, const uint8_t *data, size_t len, uint16_t sw);

/* The card answers resp (hex, SW included; may be too short). */
void expect (const char *cmd, const char *resp);

/* The transport fails on cmd with result. */
void expect_transport (const char *cmd, enum jpki_transport_result result);

/* READ BINARY at offset for le bytes, short or extended, as hex (a static
 * buffer, overwritten by the next call). */
const char *read_cmd (size_t offset, size_t le);

void expect_read (size_t offset, size_t le, const uint8_t *data, size_t len, uint16_t sw);

void assert_all_sent (void);

/* A test case in s whose tests each get a fresh script and card. */
TCase *script_case (Suite *s, const char *name);

#endif
