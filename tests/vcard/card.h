/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The virtual JPKI card as a state machine: APDU in, response out.  No
 * sockets; jpki-vcard (main.c, vpcd.c) connects it to vpcd. */
#ifndef VCARD_CARD_H
#define VCARD_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest response: 65536 data bytes (extended Le 0000) plus SW1 SW2. */
#define VCARD_MAX_RESPONSE (65536 + 2)
#define VCARD_MAX_ATR 33

struct vcard;

/* Zero-initialised options give the default card. */
struct vcard_options {
	bool no_extended_apdu;  /* answer extended-length APDUs with 67 00 */
	bool contactless_atr;   /* PC/SC part 3 ATR built from an ATQB */
	enum vcard_signature_fault {
		VCARD_SIGNATURE_GOOD = 0,
		VCARD_SIGNATURE_ZEROS,      /* 256 zero bytes */
		VCARD_SIGNATURE_SHORT,      /* the last byte missing */
		VCARD_SIGNATURE_FLIPPED,    /* one bit of the real signature flipped */
	} signature_fault;              /* a faulty card, to test the host's check */
	bool no_jpki;                   /* another kind of card: no JPKI application */
};

/* Loads profile_dir (see README.md).  opt may be NULL.  Returns NULL with a
 * message in error (if given) when the profile is missing or malformed.
 * The card starts powered, as after vcard_power_on. */
struct vcard *vcard_open(const char *profile_dir, const struct vcard_options *opt,
			 char *error, size_t error_size);
void vcard_close(struct vcard *card);

/* Each of these leaves the MF current with no PIN verified. */
void vcard_power_on(struct vcard *card);
void vcard_power_off(struct vcard *card);
void vcard_reset(struct vcard *card);

const uint8_t *vcard_atr(const struct vcard *card, size_t *len);

/* Executes one command APDU and writes response data plus SW1 SW2 to resp.
 * Returns the response length, always >= 2 as long as cap >= 2 (0 when
 * cap < 2).  A response that does not fit cap becomes 6F 00. */
size_t vcard_transmit(struct vcard *card, const uint8_t *cmd, size_t len,
		      uint8_t *resp, size_t cap);

#endif
