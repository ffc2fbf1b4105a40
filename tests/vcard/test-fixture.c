/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _XOPEN_SOURCE 700
#include "test-fixture.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#define CERT_EF_SIZE 2048

struct fixture_ef {
	uint16_t fid;
	uint8_t *data;
	size_t len;
};

static EVP_PKEY *keys[CREDENTIAL_COUNT];
static struct fixture_ef efs[6];
/* Shorter than PATH_MAX so that paths built under them always fit. */
static char parent_dir[1024];
static char profile_dir[sizeof(parent_dir) + 32];
static char file_buf[4096];
static uint8_t apdu_buf[VCARD_MAX_RESPONSE + 16];

uint8_t fixture_response[VCARD_MAX_RESPONSE];
size_t fixture_response_len;

/* Set-up runs outside any test, where ck_assert cannot report. */
#define REQUIRE(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: fixture set-up failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static uint8_t *self_signed_der(EVP_PKEY *key, const char *cn, size_t *len)
{
	X509 *cert = X509_new();
	X509_NAME *name;
	unsigned char *der = NULL;
	int der_len;

	REQUIRE(cert != NULL);
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * 365);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(cert, name);
	REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
	der_len = i2d_X509(cert, &der);
	REQUIRE(der_len > 0);
	X509_free(cert);
	*len = (size_t)der_len;
	return der;
}

/* Certificate EF: DER then 0xFF padding, as make-profile writes it. */
static void make_cert_ef(struct fixture_ef *ef, uint16_t fid, EVP_PKEY *key, const char *cn)
{
	size_t der_len;
	uint8_t *der = self_signed_der(key, cn, &der_len);

	REQUIRE(der_len < CERT_EF_SIZE);
	ef->fid = fid;
	ef->len = CERT_EF_SIZE;
	ef->data = malloc(CERT_EF_SIZE);
	REQUIRE(ef->data != NULL);
	memset(ef->data, 0xFF, CERT_EF_SIZE);
	memcpy(ef->data, der, der_len);
	OPENSSL_free(der);
}

/* EFs whose content the card never interprets: a pattern of an odd size
 * so that reads across the end are visible. */
static void make_pattern_ef(struct fixture_ef *ef, uint16_t fid, size_t len, uint8_t seed)
{
	ef->fid = fid;
	ef->len = len;
	ef->data = malloc(len);
	REQUIRE(ef->data != NULL);
	for (size_t i = 0; i < len; i++)
		ef->data[i] = (uint8_t)(i * 7 + seed);
}

static void make_bytes_ef(struct fixture_ef *ef, uint16_t fid, const void *data, size_t len)
{
	ef->fid = fid;
	ef->len = len;
	ef->data = malloc(len);
	REQUIRE(ef->data != NULL);
	memcpy(ef->data, data, len);
}

void fixture_init(void)
{
	const char *tmp = getenv("TMPDIR");
	char token[33];

	for (int i = 0; i < CREDENTIAL_COUNT; i++) {
		keys[i] = EVP_RSA_gen(2048);
		REQUIRE(keys[i] != NULL);
	}
	snprintf(token, sizeof(token), "%-32s", "JPKIAPICCTOKEN2");
	make_bytes_ef(&efs[0], 0x0006, token, 32);
	make_bytes_ef(&efs[1], 0x0008, "\x8F\x8F\x00", 3);
	make_cert_ef(&efs[2], 0x000A, keys[CREDENTIAL_AUTH], "auth");
	make_pattern_ef(&efs[3], 0x000B, 600, 3);
	make_cert_ef(&efs[4], 0x0001, keys[CREDENTIAL_SIGN], "sign");
	make_pattern_ef(&efs[5], 0x0002, 300, 5);

	snprintf(parent_dir, sizeof(parent_dir), "%s/vcard-test.XXXXXX", tmp ? tmp : "/tmp");
	REQUIRE(mkdtemp(parent_dir) != NULL);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

void fixture_cleanup(void)
{
	if (parent_dir[0])
		nftw(parent_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < sizeof(efs) / sizeof(efs[0]); i++)
		free(efs[i].data);
	for (int i = 0; i < CREDENTIAL_COUNT; i++)
		EVP_PKEY_free(keys[i]);
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void write_key(const char *dir, const char *name, EVP_PKEY *key)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

static bool ef_is_sign_only(uint16_t fid)
{
	return fid == 0x0001;
}

const char *fixture_write_profile(const struct fixture_spec *spec)
{
	char sub[PATH_MAX];

	snprintf(profile_dir, sizeof(profile_dir), "%s/profile.XXXXXX", parent_dir);
	ck_assert_ptr_nonnull(mkdtemp(profile_dir));
	for (const char *const *d = (const char *const[]){ "ef", "pins", "state", NULL }; *d; d++) {
		snprintf(sub, sizeof(sub), "%s/%s", profile_dir, *d);
		ck_assert_int_eq(mkdir(sub, 0755), 0);
	}
	for (size_t i = 0; i < sizeof(efs) / sizeof(efs[0]); i++) {
		char name[16];

		if (spec->no_sign && ef_is_sign_only(efs[i].fid))
			continue;
		snprintf(name, sizeof(name), "ef/%04X", efs[i].fid);
		write_file(profile_dir, name, efs[i].data, efs[i].len);
	}
	if (spec->extra_ef)
		write_file(profile_dir, spec->extra_ef, "x", 1);
	write_key(profile_dir, "auth.key", keys[CREDENTIAL_AUTH]);
	if (!spec->no_sign)
		write_key(profile_dir, "sign.key", keys[CREDENTIAL_SIGN]);
	if (!spec->no_pins) {
		const char *auth = spec->auth_pin_file ? spec->auth_pin_file : FIXTURE_AUTH_PIN;
		const char *sign = spec->sign_pin_file ? spec->sign_pin_file : FIXTURE_SIGN_PIN;

		write_file(profile_dir, "pins/auth", auth, strlen(auth));
		if (!spec->no_sign)
			write_file(profile_dir, "pins/sign", sign, strlen(sign));
	}
	if (spec->auth_tries_file)
		write_file(profile_dir, "state/auth-tries", spec->auth_tries_file,
			   strlen(spec->auth_tries_file));
	if (spec->sign_tries_file)
		write_file(profile_dir, "state/sign-tries", spec->sign_tries_file,
			   strlen(spec->sign_tries_file));
	if (spec->card_conf)
		write_file(profile_dir, "card.conf", spec->card_conf, strlen(spec->card_conf));
	return profile_dir;
}

struct vcard *fixture_open_card(const struct fixture_spec *spec, const struct vcard_options *opt)
{
	char error[512] = "";
	struct vcard *card = vcard_open(fixture_write_profile(spec), opt, error, sizeof(error));

	ck_assert_msg(card != NULL, "vcard_open: %s", error);
	return card;
}

const char *fixture_dir(void)
{
	return profile_dir;
}

const uint8_t *fixture_ef(uint16_t fid, size_t *len)
{
	for (size_t i = 0; i < sizeof(efs) / sizeof(efs[0]); i++) {
		if (efs[i].fid == fid) {
			*len = efs[i].len;
			return efs[i].data;
		}
	}
	return NULL;
}

EVP_PKEY *fixture_key(enum credential cred)
{
	return keys[cred];
}

const char *fixture_read(const char *relative_path)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", profile_dir, relative_path);
	f = fopen(path, "r");
	if (f) {
		n = fread(file_buf, 1, sizeof(file_buf) - 1, f);
		fclose(f);
	}
	file_buf[n] = '\0';
	return file_buf;
}

void fixture_write(const char *relative_path, const char *contents)
{
	write_file(profile_dir, relative_path, contents, strlen(contents));
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t hex_to_bytes(const char *hex, uint8_t *out, size_t cap)
{
	size_t len = 0;

	for (; *hex; hex++) {
		int hi, lo;

		if (*hex == ' ')
			continue;
		hi = hex_value(hex[0]);
		lo = hex[1] ? hex_value(hex[1]) : -1;
		ck_assert_msg(hi >= 0 && lo >= 0, "bad hex near %s", hex);
		ck_assert_uint_lt(len, cap);
		out[len++] = (uint8_t)(hi << 4 | lo);
		hex++;
	}
	return len;
}

uint16_t send_bytes(struct vcard *card, const uint8_t *apdu, size_t len)
{
	size_t n = vcard_transmit(card, apdu, len, fixture_response, sizeof(fixture_response));

	ck_assert_uint_ge(n, 2);
	fixture_response_len = n - 2;
	return (uint16_t)(fixture_response[n - 2] << 8 | fixture_response[n - 1]);
}

uint16_t send_hex(struct vcard *card, const char *hex)
{
	size_t len = hex_to_bytes(hex, apdu_buf, sizeof(apdu_buf));

	return send_bytes(card, apdu_buf, len);
}

void select_ef(struct vcard *card, uint16_t fid)
{
	char hex[32];

	ck_assert_uint_eq(send_hex(card, SELECT_JPKI), 0x9000);
	snprintf(hex, sizeof(hex), "00A4020C02%04X", fid);
	ck_assert_uint_eq(send_hex(card, hex), 0x9000);
}

void verify_pin(struct vcard *card, enum credential cred, const char *pin)
{
	uint8_t apdu[5 + PROFILE_MAX_PIN_LEN] = { 0x00, 0x20, 0x00, 0x80 };
	size_t len = strlen(pin);

	ck_assert_uint_le(len, PROFILE_MAX_PIN_LEN);
	select_ef(card, credential_specs[cred].pin_fid);
	apdu[4] = (uint8_t)len;
	memcpy(apdu + 5, pin, len);
	ck_assert_uint_eq(send_bytes(card, apdu, 5 + len), 0x9000);
}

void run_card_script(const struct card_script *script)
{
	struct vcard *card = fixture_open_card(&script->spec, &script->opt);
	const struct card_step *step = script->steps;

	for (size_t i = 0; i < CARD_SCRIPT_STEPS && (step->apdu || step->file); i++, step++) {
		if (step->file) {
			ck_assert_msg(strcmp(fixture_read(step->file), step->contents) == 0,
				      "%s, step %zu: %s is \"%s\", not \"%s\"", script->name, i,
				      step->file, fixture_read(step->file), step->contents);
			continue;
		}
		uint16_t sw = send_hex(card, step->apdu);

		ck_assert_msg(sw == step->sw, "%s, step %zu (%s): SW %04X, not %04X", script->name,
			      i, step->apdu, sw, step->sw);
		if (step->no_data || step->data_len)
			ck_assert_msg(fixture_response_len == step->data_len,
				      "%s, step %zu (%s): %zu bytes of data, not %zu", script->name,
				      i, step->apdu, fixture_response_len, step->data_len);
		if (step->ef) {
			size_t ef_len = 0;
			const uint8_t *ef = fixture_ef(step->ef, &ef_len);

			ck_assert_msg(ef && step->ef_offset + step->data_len <= ef_len,
				      "%s, step %zu: EF %04X has no %zu bytes at %zu", script->name, i,
				      step->ef, step->data_len, step->ef_offset);
			ck_assert_msg(memcmp(fixture_response, ef + step->ef_offset, step->data_len) == 0,
				      "%s, step %zu (%s): not the bytes of EF %04X at %zu",
				      script->name, i, step->apdu, step->ef, step->ef_offset);
		}
	}
	vcard_close(card);
}
