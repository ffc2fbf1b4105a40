/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A card profile directory: EF images, keys, PINs, tries and settings.
 * The layout is the contract with tests/vcard/make-profile (see README.md). */
#ifndef VCARD_PROFILE_H
#define VCARD_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define PROFILE_MAX_EFS 32
/* Every byte of a larger EF could not be reached with a 15-bit offset and
 * one response, nor fit one vpcd frame (2-byte length). */
#define PROFILE_MAX_EF_SIZE 32768
#define PROFILE_MAX_PIN_LEN 16

/* The card's two key/PIN pairs; the value indexes every per-credential array. */
enum credential {
	CREDENTIAL_AUTH,
	CREDENTIAL_SIGN,
	CREDENTIAL_COUNT,
};

/* What the card fixes for each credential. */
struct credential_spec {
	const char *name;       /* file names: <name>.key, pins/<name>, state/<name>-tries */
	uint16_t key_fid;
	uint16_t pin_fid;
	unsigned max_tries;
	size_t pin_min_len, pin_max_len;
	bool pin_letters;       /* A-Z allowed besides 0-9 */
};

extern const struct credential_spec credential_specs[CREDENTIAL_COUNT];

enum empty_verify_answer {
	EMPTY_VERIFY_63CX,      /* tries left as 63 Cx even while verified */
	EMPTY_VERIFY_9000,      /* 90 00 while that PIN is verified */
};

struct profile_ef {
	uint16_t fid;
	uint8_t *data;
	size_t size;
};

struct profile_pin {
	bool present;
	uint8_t value[PROFILE_MAX_PIN_LEN];
	size_t len;
	unsigned tries;
};

struct profile {
	char *dir;
	struct profile_ef efs[PROFILE_MAX_EFS];
	size_t ef_count;
	EVP_PKEY *keys[CREDENTIAL_COUNT];       /* NULL: no such key */
	struct profile_pin pins[CREDENTIAL_COUNT];
	enum empty_verify_answer empty_verify_after_login;
};

/* Reads everything from dir into *p.  Returns false and a message in
 * error (if given) on any unreadable or malformed part. */
bool profile_load(struct profile *p, const char *dir, char *error, size_t error_size);
void profile_free(struct profile *p);

const struct profile_ef *profile_find_ef(const struct profile *p, uint16_t fid);

/* Rewrite state/<name>-tries or pins/<name> (temp file + rename).
 * False when the file could not be written. */
bool profile_store_tries(const struct profile *p, enum credential cred);
bool profile_store_pin(const struct profile *p, enum credential cred);

/* True when pin has the shape the card accepts for a new PIN. */
bool credential_pin_shape_ok(enum credential cred, const uint8_t *pin, size_t len);

#endif
