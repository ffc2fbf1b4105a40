/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Card profiles made at run time with OpenSSL, and helpers to talk to the
 * card in hex, for the vcard-card test. */
#ifndef VCARD_TEST_FIXTURE_H
#define VCARD_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <check.h>
#include <openssl/evp.h>

#include "card.h"
#include "profile.h"

#define FIXTURE_AUTH_PIN "1234"
#define FIXTURE_SIGN_PIN "ABC123"
#define SELECT_JPKI "00A4040C0AD392F000260100000001"

/* What to write; all zero is an adult card with no state files and no
 * card.conf.  Strings are written as the file's exact contents. */
struct fixture_spec {
	bool no_sign;                   /* under 15: no 0001, sign.key, pins/sign */
	bool no_pins;                   /* face authentication: no PIN files */
	const char *auth_pin_file;      /* default FIXTURE_AUTH_PIN */
	const char *sign_pin_file;      /* default FIXTURE_SIGN_PIN */
	const char *auth_tries_file;    /* NULL: no state/auth-tries */
	const char *sign_tries_file;
	const char *card_conf;          /* NULL: no card.conf */
	const char *extra_ef;           /* name of one more file in ef/ */
};

/* Generates the keys and certificates once; call before srunner_run. */
void fixture_init(void);
/* Removes every profile written (call once, at the end of main). */
void fixture_cleanup(void);

/* Writes a new profile directory and returns its path (static storage
 * owned by the fixture). */
const char *fixture_write_profile(const struct fixture_spec *spec);

/* Writes a profile and opens a card on it; fails the test on error. */
struct vcard *fixture_open_card(const struct fixture_spec *spec,
				const struct vcard_options *opt);
/* The profile directory of the last fixture_open_card. */
const char *fixture_dir(void);

/* The image written as ef/<fid>, NULL if none. */
const uint8_t *fixture_ef(uint16_t fid, size_t *len);
EVP_PKEY *fixture_key(enum credential cred);

/* Contents of a file under the last profile directory, as a string
 * (static buffer); "" when missing. */
const char *fixture_read(const char *relative_path);
void fixture_write(const char *relative_path, const char *contents);

/* Sends a hex APDU; returns SW1SW2.  The response data stays in
 * fixture_response / fixture_response_len until the next call. */
uint16_t send_hex(struct vcard *card, const char *hex);
uint16_t send_bytes(struct vcard *card, const uint8_t *apdu, size_t len);
extern uint8_t fixture_response[VCARD_MAX_RESPONSE];
extern size_t fixture_response_len;

/* Converts hex to bytes; returns the length. */
size_t hex_to_bytes(const char *hex, uint8_t *out, size_t cap);

/* SELECT JPKI AP, SELECT EF fid (asserting 90 00 for both). */
void select_ef(struct vcard *card, uint16_t fid);
/* SELECT the PIN EF and VERIFY the PIN, asserting 90 00. */
void verify_pin(struct vcard *card, enum credential cred, const char *pin);

/* One step of a scripted session with a card: a command (hex) and the
 * status word it must get, with no response data (no_data) or data_len
 * bytes of it (when not 0), which with ef set are the bytes of that EF
 * of the fixture from ef_offset; or, with file set, a file of the
 * profile and the contents it must hold by then. */
struct card_step {
	const char *apdu;
	uint16_t sw;
	bool no_data;
	size_t data_len;
	uint16_t ef;
	size_t ef_offset;
	const char *file;
	const char *contents;
};

#define CARD_SCRIPT_STEPS 32

/* A card made from spec and opt, then steps in order (up to the first
 * empty one); name says which script failed. */
struct card_script {
	const char *name;
	struct fixture_spec spec;
	struct vcard_options opt;
	struct card_step steps[CARD_SCRIPT_STEPS];
};

/* Opens the script's card, runs its steps, closes the card. */
void run_card_script(const struct card_script *script);

/* Steps as select_ef and verify_pin take them, the PINs the fixture's. */
#define STEPS_SELECT_EF(fid) { SELECT_JPKI, 0x9000 }, { "00A4020C02" fid, 0x9000 }
#define STEPS_VERIFY_AUTH STEPS_SELECT_EF("0018"), { "0020008004" "31323334", 0x9000 }
#define STEPS_VERIFY_SIGN STEPS_SELECT_EF("001B"), { "0020008006" "414243313233", 0x9000 }
#define STEP_FILE(path, text) { .file = path, .contents = text }

Suite *card_files_suite(void);
Suite *card_pin_suite(void);
Suite *card_sign_suite(void);
Suite *apdu_suite(void);
Suite *profile_suite(void);
Suite *faults_suite(void);

#endif
