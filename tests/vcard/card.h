/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The virtual JPKI card as a state machine: APDU in, response out.  No
 * sockets; jpki-vcard (main.c, vpcd.c) connects it to vpcd. */
#ifndef VCARD_CARD_H
#define VCARD_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The PSS salt length the card uses unless told otherwise: the digest's,
 * what TLS 1.3 requires (our pick: the report does not say). */
#define VCARD_PSS_SALT_LEN 32
/* The longest salt RSA-2048 with SHA-256 allows: 256 - 32 - 2. */
#define VCARD_PSS_MAX_SALT_LEN 222

/* Largest response: 65536 data bytes (extended Le 0000) plus SW1 SW2. */
#define VCARD_MAX_RESPONSE (65536 + 2)
#define VCARD_MAX_ATR 33

struct vcard;

/* A fault in one EF, to model a card whose parts fail one at a time. */
enum vcard_file_fault_kind {
	VCARD_FILE_GARBAGE = 1,     /* DER header kept, the rest of the EF 5A bytes */
	VCARD_FILE_LENGTH_PAST_EF,  /* header 30 82 LL LL says 4 bytes more than the EF holds */
	VCARD_FILE_EMPTY,           /* every READ BINARY: no data, 90 00 */
	VCARD_FILE_OVERLONG,        /* every READ BINARY: 16 bytes more than Le */
	VCARD_FILE_ENDLESS_6C,      /* every READ BINARY: 6C xx, xx the Le asked for */
};

struct vcard_file_fault {
	uint16_t fid;
	enum vcard_file_fault_kind kind;
};

#define VCARD_MAX_FILE_FAULTS 8

/* "000A:garbage" (FID in hex, then garbage, length-past-ef, empty,
 * overlong or endless-6c); false when text is none of these. */
bool vcard_parse_file_fault(const char *text, struct vcard_file_fault *fault);

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
	/* JPKI in a phone held to an NFC reader: contactless ATR, and EF 000A
	 * only after the auth PIN.  The profile must be a smartphone one. */
	bool smartphone;
	struct vcard_file_fault file_faults[VCARD_MAX_FILE_FAULTS];
	size_t file_fault_count;        /* each on a binary EF of the profile */
	/* What COMPUTE DIGITAL SIGNATURE knows (README.md, "Card generations"). */
	enum vcard_generation {
		VCARD_GENERATION_CURRENT = 0,   /* P1 00-05, P2 80 or the key's short EF id */
		VCARD_GENERATION_OLDER,         /* P1 00 and P2 80 only */
		VCARD_GENERATION_6982_FIRST,    /* older, and 69 82 before P1/P2 while no PIN is verified */
	} generation;
	/* PSS salt length; 0: 32, the digest's (a card that signs with
	 * another length, to test the host's check). */
	unsigned pss_salt_len;
};

/* "current", "older" or "6982-first"; false for anything else. */
bool vcard_parse_generation(const char *text, enum vcard_generation *generation);

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
