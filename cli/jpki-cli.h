/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The jpki command: what a card holder asks of the card (tries left,
 * expiry and renewal, PIN change, certificate export), on the module's own
 * card layer (module/jpki*.c over module/pcsc.c). */
#ifndef JPKI_CLI_H
#define JPKI_CLI_H

#include <libintl.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <openssl/x509.h>

#include "jpki-probe.h"
#include "jpki.h"
#include "pcsc-transport.h"
#include "pcsc.h"

#define _(s) gettext (s)
#define N_(s) (s)

/* Exit status: all fine; something needs the holder's attention (renewal
 * open, expired, a PIN low or blocked); an error (no reader, no card, a
 * card that cannot be used, a refused PIN, bad usage). */
enum { EXIT_FINE = 0, EXIT_ATTENTION = 1, EXIT_ERROR = 2 };

struct options {
	const char *reader;     /* --reader: a reader name, or part of one */
	const char *output;     /* -o FILE */
	const char *socket;     /* serve --socket PATH */
	bool json, sign, personal, der, use_stdin, final_try, auth_only;
};

/* card-access.c: readers, and the card in one of them on the module's
 * card layer (pcsc-transport.h: its connection and transactions). */
struct readers {
	struct pcsc_context *ctx;
	char **names;           /* the readers --reader selects */
};
/* EXIT_FINE, or EXIT_ERROR after saying why (no pcscd, no reader). */
int readers_open (struct readers *r, const char *wanted);
void readers_close (struct readers *r);
/* 1: a card is there and connected; 0: none; -1: it cannot be used. */
int reader_connect (struct readers *r, const char *reader, struct jpki_conn *c);

/* facts.c: what a card is and says, read with no PIN and no try spent:
 * the module's probe (jpki-probe.h), then both PINs' tries. */
struct card_facts {
	bool jpki;              /* false: another kind of card */
	struct jpki_facts card;
	X509 *auth_cert;        /* NULL if not read */
};
/* In one transaction.  false when the card could not be read. */
bool card_read_facts (struct jpki_conn *c, struct card_facts *f);
void card_facts_free (struct card_facts *f);
/* A PIN's state as the holder reads it. */
enum pin_state { PIN_SET, PIN_NOT_SET, PIN_BLOCKED, PIN_UNKNOWN };
enum pin_state pin_state_of (struct jpki_pin_state pin);
const char *pin_state_name (enum pin_state s);
/* The certificate in file, inside a transaction; NULL with *r saying why. */
X509 *card_read_x509 (struct jpki_conn *c, enum jpki_file file, enum jpki_result *r);

/* validity.c */
struct validity {
	char not_after[11];     /* YYYY-MM-DD, in Japan */
	long days_left;
	bool renewal_open;      /* from three months before expiry */
	bool expired;
};
bool cert_validity (X509 *cert, time_t now, struct validity *v);

/* pin-input.c: a PIN from the terminal without echo, or a line of
 * standard input with --stdin; never from the command line. */
bool read_pin (const struct options *o, const char *prompt, char *buf, size_t cap);

/* PIN checks and login: pin.c */
const char *key_name (enum jpki_key key);
/* Refuses a PIN of the wrong shape before anything reaches the card. */
bool pin_shape_ok (enum jpki_key key, const char *pin, bool for_new, char *folded, size_t cap,
                   size_t *folded_len);
/* A PIN read as o says and checked for its shape, folded into folded
 * (outside any transaction: typing takes time).  With one try left it is
 * asked only with --final-try. */
#define PIN_BUF 17
int ask_pin (const struct options *o, enum jpki_key key, int tries, const char *prompt,
             bool for_new, char folded[PIN_BUF], size_t *len);
const char *pin_prompt (enum jpki_key key);
/* Says what a VERIFY or a PIN change answered; the exit status. */
int report_pin_result (enum jpki_key key, enum jpki_result r, int tries_left);

int command_status (const struct options *o);
int command_pin_change (const struct options *o, enum jpki_key key);
int command_cert_export (const struct options *o, const char *which);
/* serve.c: the card over p11-kit's RPC, until stopped. */
int command_serve (const struct options *o);

#endif
