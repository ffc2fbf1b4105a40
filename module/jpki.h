/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JPKI application protocol.  Knows nothing of PKCS#11 nor of PC/SC:
 * APDUs go through the transport given at creation.  The caller brackets
 * every sequence of calls with jpki_transaction_begin/end (and a PC/SC
 * transaction), so that the application is selected once per transaction. */
#ifndef JPKI_JPKI_H
#define JPKI_JPKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jpki_result {
	JPKI_OK = 0,
	JPKI_NOT_JPKI,          /* the JPKI application could not be selected */
	JPKI_NOT_FOUND,         /* EF absent (no such certificate, key or PIN) */
	JPKI_SECURITY_STATUS,   /* PIN not verified */
	JPKI_PIN_INCORRECT,     /* wrong PIN, tries left reported */
	JPKI_PIN_BLOCKED,
	JPKI_PIN_REJECTED,      /* new PIN refused by the card */
	JPKI_BAD_INPUT,         /* caller's data too long/short */
	JPKI_BAD_RESPONSE,      /* malformed or unexpected answer from the card */
	JPKI_CARD_RESET,        /* transport: card reset under us */
	JPKI_CARD_REMOVED,      /* transport: card gone */
	JPKI_TRANSPORT_ERROR,
	JPKI_NO_MEMORY,
	JPKI_NOT_SUPPORTED,     /* the card refused the signature scheme asked for */
};

const char *jpki_result_name (enum jpki_result r);

enum jpki_key { JPKI_KEY_AUTH = 0, JPKI_KEY_SIGN = 1 };

enum jpki_file {
	JPKI_FILE_AUTH_CERT,     /* EF 000A */
	JPKI_FILE_AUTH_CA_CERT,  /* EF 000B */
	JPKI_FILE_SIGN_CERT,     /* EF 0001, needs the sign PIN */
	JPKI_FILE_SIGN_CA_CERT,  /* EF 0002 */
};

/* The file's name for a log line: "authentication certificate (EF 000A)". */
const char *jpki_file_name (enum jpki_file file);

/* The transport's result for one APDU, mapped by the transport owner. */
enum jpki_transport_result {
	JPKI_TRANSPORT_OK = 0,
	JPKI_TRANSPORT_RESET,
	JPKI_TRANSPORT_REMOVED,
	JPKI_TRANSPORT_FAILED,
};

struct jpki_transport {
	/* *resp_len: buffer size in, answer length (with SW) out. */
	enum jpki_transport_result (*transmit) (void *ctx, const uint8_t *cmd, size_t cmd_len,
	                                        uint8_t *resp, size_t *resp_len);
	void *ctx;
};

struct jpki_card;

struct jpki_card *jpki_card_new (const struct jpki_transport *transport);
void jpki_card_free (struct jpki_card *card);

/* Short reads only, from the start: for a reader already known to refuse
 * extended-length APDUs.  jpki_short_reads_only says whether this card
 * found that out (or was told). */
void jpki_use_short_reads (struct jpki_card *card);
bool jpki_short_reads_only (const struct jpki_card *card);

/* The EF selection is forgotten (another program may have used the card
 * between our transactions); the application is assumed still selected
 * when our last transaction left it so, and selected again after any
 * unexpected answer, and always before a PIN is sent. */
void jpki_transaction_begin (struct jpki_card *card);
/* The card was reset (or must be taken as if): nothing is selected. */
void jpki_forget_selection (struct jpki_card *card);
/* Whether this transaction runs on an application assumed selected. */
bool jpki_selection_assumed (const struct jpki_card *card);
/* Wipes the answer buffer: card data (the signature certificate, for
 * one) does not outlive the transaction that read it. */
void jpki_transaction_end (struct jpki_card *card);

/* SELECT of the JPKI application; JPKI_NOT_JPKI when the card has none. */
enum jpki_result jpki_select_application (struct jpki_card *card);

/* Token information EF 0006, trailing spaces and NULs trimmed,
 * NUL-terminated (label_cap >= 33). */
enum jpki_result jpki_read_token_info (struct jpki_card *card, char *label, size_t label_cap);

/* Whether the card says it carries a signature certificate (EF 0008). */
enum jpki_result jpki_read_certificate_presence (struct jpki_card *card, bool *has_sign_cert);

/* Reads a certificate: the DER header gives the length, checked against
 * what the card returns.  *der is malloc'd, the caller frees it. */
enum jpki_result jpki_read_certificate (struct jpki_card *card, enum jpki_file file,
                                        uint8_t **der, size_t *der_len);

/* Takes a certificate's DER, wiped after the call: false when it is not
 * a certificate the caller can use. */
typedef bool jpki_cert_taker (void *ctx, const uint8_t *der, size_t der_len);

/* jpki_read_certificate, the DER handed to take.  One that take refuses
 * is JPKI_BAD_RESPONSE, after one more read with a fresh selection when
 * the application was only assumed selected (the EF may have been another
 * DF's). */
enum jpki_result jpki_read_certificate_into (struct jpki_card *card, enum jpki_file file,
                                             jpki_cert_taker *take, void *ctx);

/* Empty VERIFY, which uses no try.  JPKI_OK with *tries (-1 when the card
 * answered 90 00, i.e. already verified and count unknown),
 * JPKI_PIN_BLOCKED, or JPKI_NOT_FOUND when the card has no such PIN. */
enum jpki_result jpki_pin_tries (struct jpki_card *card, enum jpki_key key, int *tries);

/* VERIFY; on JPKI_PIN_INCORRECT *tries_left is set.  The PIN has been
 * checked and folded by the caller. */
enum jpki_result jpki_verify_pin (struct jpki_card *card, enum jpki_key key,
                                  const uint8_t *pin, size_t pin_len, int *tries_left);

/* VERIFY with the old PIN, then CHANGE REFERENCE DATA. */
enum jpki_result jpki_change_pin (struct jpki_card *card, enum jpki_key key,
                                  const uint8_t *old_pin, size_t old_len,
                                  const uint8_t *new_pin, size_t new_len, int *tries_left);

/* How the card is asked to sign: P1 of COMPUTE DIGITAL SIGNATURE. */
enum jpki_scheme {
	JPKI_SCHEME_PKCS1,      /* P1 00: PKCS#1 v1.5 over the data as given (1-245 bytes) */
	JPKI_SCHEME_PSS,        /* P1 04: RSASSA-PSS over a 32-byte SHA-256 hash */
};

/* What is known of something not every card may have. */
enum jpki_support {
	JPKI_SUPPORT_UNKNOWN,   /* not asked yet */
	JPKI_SUPPORT_LIKELY,    /* the card's answer without a PIN suggests it */
	JPKI_SUPPORT_UNTOLD,    /* the card would not say without a PIN */
	JPKI_SUPPORT_YES,       /* the card did it */
	JPKI_SUPPORT_NO,        /* the card refused it */
};

/* COMPUTE DIGITAL SIGNATURE over data (a DigestInfo or raw data; for PSS
 * the hash); the card pads.  The key is named in the command (P2 97/9A,
 * no SELECT) until the card refuses that once, then selected (P2 80).
 * JPKI_NOT_SUPPORTED when the card refuses the scheme; the card's PSS
 * support is then JPKI_SUPPORT_NO.  sig_cap must be >= 256; *sig_len is
 * the answer's length, not checked here: the caller tells the result of
 * its check to jpki_note_signature_checked. */
enum jpki_result jpki_sign (struct jpki_card *card, enum jpki_key key, enum jpki_scheme scheme,
                            const uint8_t *data, size_t data_len,
                            uint8_t *sig, size_t sig_cap, size_t *sig_len);

/* After the check of jpki_sign's last signature (with scheme): verified,
 * PSS and the named key it used are known to work; not verified, PSS is
 * taken as not working and a named key as ignored.  True when the named
 * key was given up: signing again selects the key EF. */
bool jpki_note_signature_checked (struct jpki_card *card, enum jpki_scheme scheme, bool verified);

/* Inside a transaction, with or without a PIN verified, signing nothing:
 * 80 2A 04 97 with no data.  6A 86 (P1 or P2 unknown): no PSS, and the
 * key is selected for every signature; 67 00 (a PIN verified, no data):
 * PSS likely; 69 82 (no PIN verified): 80 2A FF 97, an unknown P1, tells
 * a card that reads P1 first (6A 86: PSS likely) from one that wants a
 * PIN before it reads anything (69 82 again: untold).  A likely PSS is
 * settled by the first PSS signature. */
enum jpki_result jpki_ask_pss (struct jpki_card *card);
enum jpki_support jpki_pss_support (const struct jpki_card *card);

/* Selects the MF, which clears both PINs' verified state on the card. */
enum jpki_result jpki_clear_security_state (struct jpki_card *card);

#endif
