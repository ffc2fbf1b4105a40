/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "drive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cert.h"
#include "fuzz-transport.h"
#include "log.h"
#include "mech.h"
#include "sig-check.h"

/* A broken promise must stop the fuzzer, in every build. */
#define PROMISE(cond) \
	do { \
		if (!(cond)) { \
			fprintf (stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond); \
			abort (); \
		} \
	} while (0)

#define CERT_MAX_LEN 8192
#define TOKEN_LABEL_CAP 33

static const enum jpki_file cert_files[] = {
	JPKI_FILE_AUTH_CERT, JPKI_FILE_AUTH_CA_CERT, JPKI_FILE_SIGN_CERT, JPKI_FILE_SIGN_CA_CERT,
};

/* sha256 DigestInfo of 32 bytes of 0x5A: what C_Sign sends for CKM_SHA256_RSA_PKCS. */
static const uint8_t digest_info[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	0x05, 0x00, 0x04, 0x20,
	0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A,
	0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A,
};

void
drive_log_on (void)
{
	setenv ("JPKI_PKCS11_DEBUG", "/dev/null", 1);
	jpki_log_open ();
}

/* Reads and parses one certificate EF; the parsed one, or NULL. */
static struct cert_info *
read_certificate (struct jpki_card *card, enum jpki_file file)
{
	struct cert_info *cert = NULL;
	uint8_t *der = NULL;
	size_t der_len = 0;
	enum jpki_result r;

	r = jpki_read_certificate (card, file, &der, &der_len);
	PROMISE ((r == JPKI_OK) == (der != NULL));
	if (r != JPKI_OK) {
		PROMISE (der_len == 0);
		goto out;
	}
	PROMISE (der_len >= 4 && der_len <= CERT_MAX_LEN && der[0] == 0x30);
	cert = cert_parse (der, der_len);
	if (cert != NULL)
		PROMISE (cert->der.len == der_len && memcmp (cert->der.data, der, der_len) == 0);
out:
	OPENSSL_cleanse (der, der_len);
	free (der);
	return cert;
}

static void
check_label (const char *label)
{
	size_t i, n = strlen (label);

	PROMISE (n < TOKEN_LABEL_CAP);
	for (i = 0; i < n; i++)
		PROMISE (label[i] >= 0x20 && label[i] <= 0x7E);
	PROMISE (n == 0 || label[n - 1] != ' ');
}

static void
bind_once (struct jpki_card *card)
{
	char label[TOKEN_LABEL_CAP];
	bool has_sign = false;
	size_t i;

	jpki_transaction_begin (card);
	if (jpki_select_application (card) != JPKI_OK)
		return;
	if (jpki_read_token_info (card, label, sizeof label) == JPKI_OK)
		check_label (label);
	jpki_read_certificate_presence (card, &has_sign);
	for (i = 0; i < sizeof cert_files / sizeof cert_files[0]; i++)
		cert_free (read_certificate (card, cert_files[i]));
}

void
drive_bind (const struct jpki_transport *t)
{
	struct jpki_card *card = jpki_card_new (t);

	PROMISE (card != NULL);
	/* The second round sees what the first left behind (a reader found
	 * to refuse extended reads, a selection). */
	bind_once (card);
	bind_once (card);
	jpki_card_free (card);
}

static void
check_tries (enum jpki_result r, int tries, int max)
{
	if (r == JPKI_OK)
		PROMISE (tries == -1 || (tries >= 1 && tries <= max));
	else if (r == JPKI_PIN_BLOCKED)
		PROMISE (tries == 0);
	else
		PROMISE (tries == -1);
}

static void
check_verify (enum jpki_result r, int tries_left)
{
	if (r == JPKI_PIN_INCORRECT)
		PROMISE (tries_left >= 1 && tries_left <= 15);
	else if (r == JPKI_PIN_BLOCKED)
		PROMISE (tries_left == 0 || tries_left == -1);
	else
		PROMISE (tries_left == -1);
}

void
drive_pin (const struct jpki_transport *t, const struct fuzz_input *counted)
{
	static const uint8_t auth_pin[] = "1234", sign_pin[] = "ABC123", new_pin[] = "XYZ789";
	struct jpki_card *card = jpki_card_new (t);
	enum jpki_result r;
	int tries;

	PROMISE (card != NULL);
	jpki_transaction_begin (card);
	r = jpki_pin_tries (card, JPKI_KEY_AUTH, &tries);
	check_tries (r, tries, 15);
	r = jpki_pin_tries (card, JPKI_KEY_SIGN, &tries);
	check_tries (r, tries, 15);
	/* Asking for the tries left must never cost one. */
	PROMISE (counted == NULL || (counted->verifies_with_pin == 0 && counted->pin_changes == 0));

	r = jpki_verify_pin (card, JPKI_KEY_AUTH, auth_pin, 4, &tries);
	check_verify (r, tries);
	r = jpki_verify_pin (card, JPKI_KEY_SIGN, sign_pin, 6, &tries);
	check_verify (r, tries);
	r = jpki_change_pin (card, JPKI_KEY_SIGN, sign_pin, 6, new_pin, 6, &tries);
	check_verify (r == JPKI_PIN_REJECTED ? JPKI_OK : r, tries);
	jpki_clear_security_state (card);
	/* One VERIFY per call, never a second one behind the caller's back. */
	PROMISE (counted == NULL || (counted->verifies_with_pin <= 3 && counted->pin_changes <= 1));
	jpki_card_free (card);
}

static void
sign_once (struct jpki_card *card, enum jpki_key key, enum jpki_file file)
{
	uint8_t sig[JPKI_RSA_BYTES];
	struct cert_info *cert;
	size_t sig_len = 12345;
	enum jpki_result r;

	jpki_transaction_begin (card);
	cert = read_certificate (card, file);
	memset (sig, 0, sizeof sig);
	r = jpki_sign (card, key, JPKI_SCHEME_PKCS1, digest_info, sizeof digest_info, sig, sizeof sig,
	               &sig_len);
	PROMISE (r == JPKI_OK ? sig_len >= 1 && sig_len <= sizeof sig : sig_len == 0);
	if (r == JPKI_OK && cert != NULL)
		signature_matches (cert->public_key, digest_info, sizeof digest_info, sig, sig_len);
	cert_free (cert);
}

void
drive_sign (const struct jpki_transport *t)
{
	struct jpki_card *card = jpki_card_new (t);

	PROMISE (card != NULL);
	sign_once (card, JPKI_KEY_AUTH, JPKI_FILE_AUTH_CERT);
	sign_once (card, JPKI_KEY_SIGN, JPKI_FILE_SIGN_CERT);
	jpki_card_free (card);
}
