/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the files of the JPKI protocol (jpki.c, jpki-read.c,
 * jpki-pin.c); nothing outside them includes this. */
#ifndef JPKI_PRIVATE_H
#define JPKI_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu.h"
#include "jpki.h"

#define NO_EF (-1)

/* File ids of the application's EFs. */
#define EF_TOKEN_INFO 0x0006
#define EF_PRESENCE 0x0008
#define EF_AUTH_CERT 0x000A
#define EF_AUTH_CA_CERT 0x000B
#define EF_SIGN_CERT 0x0001
#define EF_SIGN_CA_CERT 0x0002
#define EF_AUTH_KEY 0x0017
#define EF_AUTH_PIN 0x0018
#define EF_SIGN_KEY 0x001A
#define EF_SIGN_PIN 0x001B

#define TOKEN_INFO_LEN 32
#define PRESENCE_SIGN_CERT 0x8F
/* A certificate longer than this is taken for a corrupt header. */
#define CERT_MAX_LEN 8192
/* 30 82 LL LL: enough to know a DER SEQUENCE's length. */
#define CERT_HEADER_LEN 4
/* RSA-2048 PKCS#1 v1.5: k - 11 bytes at most go into the padding. */
#define SIGN_MAX_INPUT 245
#define SIGNATURE_LE 256
/* Commands we send carry at most a short Lc and 255 bytes. */
#define COMMAND_MAX (4 + 1 + APDU_SHORT_MAX_DATA + 1)
/* Room for the longest answer we ask for (a certificate in one read),
 * plus slack so that an answer longer than asked is seen as such. */
#define RESPONSE_MAX (CERT_MAX_LEN + 2 + APDU_SHORT_MAX_LE)
/* Header and Lc: a PIN starts here in VERIFY and CHANGE REFERENCE DATA. */
#define PIN_OFFSET 5
/* How much of an answer's data the debug log shows. */
#define LOG_DATA_MAX 32

/* What the debug log may show of an exchange. */
enum exchange_log {
	SHOW_ALL,
	SHOW_NO_PIN,           /* the command's data is a PIN */
	SHOW_NO_ANSWER_DATA,   /* a certificate: the signature one is personal data */
};

struct jpki_card {
	struct jpki_transport transport;
	bool ap_selected;       /* current DF is the JPKI application */
	/* ... as our previous transaction left it: another program may have
	 * changed it since, so an unexpected answer means "select again". */
	bool ap_assumed;
	int current_ef;         /* NO_EF when unknown */
	bool no_extended;       /* the reader or card refused an extended read */
	enum jpki_support pss;  /* P1 04 */
	enum jpki_support named_key;   /* P2 80 | short EF id */
	bool last_named;        /* the last signature named its key */
	uint8_t resp[RESPONSE_MAX];
};

/* One decoded answer: data in card->resp[0..data_len). */
struct answer {
	size_t data_len;
	uint16_t sw;
	enum sw_meaning meaning;
	int count;              /* what SW2 carries (apdu_status), or -1 */
};

/* Sends one APDU through the transport: the one way every command goes. */
enum jpki_result jpki_exchange (struct jpki_card *card, const struct apdu *apdu,
                                enum exchange_log show, struct answer *a);
/* The default meaning of a status word for an operation's result; PIN
 * words are malformed answers here. */
enum jpki_result jpki_result_from_sw (const struct answer *a);
/* The same for VERIFY and CHANGE REFERENCE DATA, PIN words included. */
enum jpki_result jpki_pin_result_from_sw (const struct answer *a);
/* After r: true (and the selection forgotten) when the application was
 * only assumed selected and r may come from another DF, so that the
 * operation is worth one more try with a fresh selection. */
bool jpki_retry_with_selection (struct jpki_card *card, enum jpki_result r);
/* A PIN goes only to a PIN of an application selected in this
 * transaction: a PIN sent to another DF's PIN would cost a try there. */
void jpki_confirm_application (struct jpki_card *card);
/* SELECT EF under the application (selected first if need be), unless it
 * is the current EF. */
enum jpki_result jpki_select_ef (struct jpki_card *card, int fid);

#endif
