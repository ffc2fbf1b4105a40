/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* make-seeds PROFILE OUT: runs each fuzz target's driver against the
 * virtual card on PROFILE (from make-profile, adult; its PINs and tries
 * are overwritten) and writes the card's answers, in the fuzz input's
 * format, as OUT/<target>/<case>.  That is how tests/fuzz/corpus was made. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "card.h"   /* the virtual card's, tests/vcard */
#include "drive.h"
#include "fuzz-transport.h"

#define SEED_MAX 65536

/* The PINs the drivers send (drive.c). */
#define AUTH_PIN "1234"
#define SIGN_PIN "ABC123"

struct recorder {
	struct vcard *card;
	uint8_t seed[SEED_MAX];
	size_t seed_len;
	int failed;
};

static enum jpki_transport_result
record_transmit (void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len)
{
	struct recorder *rec = ctx;
	size_t n = vcard_transmit (rec->card, cmd, cmd_len, resp, *resp_len);
	size_t framed = fuzz_frame_answer (rec->seed, rec->seed_len, sizeof rec->seed, resp, n);

	if (framed == 0)
		rec->failed = 1;
	else
		rec->seed_len = framed;
	*resp_len = n;
	return JPKI_TRANSPORT_OK;
}

static int
write_file (const char *path, const void *data, size_t len)
{
	FILE *f = fopen (path, "wb");
	int ok = f != NULL && fwrite (data, 1, len, f) == len;

	if (f != NULL && fclose (f) != 0)
		ok = 0;
	if (!ok)
		fprintf (stderr, "make-seeds: cannot write %s: %s\n", path, strerror (errno));
	return ok;
}

/* Known PINs and full tries, so that every case starts from one card. */
static int
reset_profile (const char *profile)
{
	char path[4096];

	snprintf (path, sizeof path, "%s/pins/auth", profile);
	if (!write_file (path, AUTH_PIN, strlen (AUTH_PIN)))
		return 0;
	snprintf (path, sizeof path, "%s/pins/sign", profile);
	if (!write_file (path, SIGN_PIN, strlen (SIGN_PIN)))
		return 0;
	snprintf (path, sizeof path, "%s/state/auth-tries", profile);
	unlink (path);
	snprintf (path, sizeof path, "%s/state/sign-tries", profile);
	unlink (path);
	return 1;
}

static void
send_hex (struct vcard *card, const char *hex)
{
	uint8_t cmd[64], resp[256];
	size_t i, n = strlen (hex) / 2;

	for (i = 0; i < n; i++)
		sscanf (hex + 2 * i, "%2hhx", &cmd[i]);
	vcard_transmit (card, cmd, n, resp, sizeof resp);
}

static void
verify_both_pins (struct vcard *card)
{
	send_hex (card, "00A4040C0AD392F000260100000001");
	send_hex (card, "00A4020C020018");
	send_hex (card, "0020008004" "31323334");
	send_hex (card, "00A4020C02001B");
	send_hex (card, "0020008006" "414243313233");
}

enum target { BIND, PIN, SIGN };
static const char *const target_names[] = { "bind", "pin", "sign" };

struct seed_case {
	enum target target;
	const char *name;
	bool no_extended;
	bool pins_verified;
	const char *wrong_pins;   /* NULL: the drivers' PINs are right */
};

static const struct seed_case cases[] = {
	{ BIND, "adult", false, false, NULL },
	{ BIND, "adult-sign-pin-verified", false, true, NULL },
	{ BIND, "short-apdu-reader", true, true, NULL },
	{ PIN, "right-pins", false, false, NULL },
	{ PIN, "wrong-auth-pin", false, false, "9999" },
	{ PIN, "after-login", false, true, NULL },
	{ SIGN, "logged-in", false, true, NULL },
	{ SIGN, "not-logged-in", false, false, NULL },
};

static int
make_seed (const char *profile, const char *out, const struct seed_case *c)
{
	static struct recorder rec;
	struct vcard_options opt = { .no_extended_apdu = c->no_extended };
	struct jpki_transport t = { record_transmit, &rec };
	char error[256], path[4096];
	int ok;

	if (!reset_profile (profile))
		return 0;
	if (c->wrong_pins != NULL) {
		snprintf (path, sizeof path, "%s/pins/auth", profile);
		write_file (path, c->wrong_pins, strlen (c->wrong_pins));
	}
	memset (&rec, 0, sizeof rec);
	rec.card = vcard_open (profile, &opt, error, sizeof error);
	if (rec.card == NULL) {
		fprintf (stderr, "make-seeds: %s\n", error);
		return 0;
	}
	if (c->pins_verified)
		verify_both_pins (rec.card);
	switch (c->target) {
	case BIND: drive_bind (&t); break;
	case PIN: drive_pin (&t, NULL); break;
	case SIGN: drive_sign (&t); break;
	}
	vcard_close (rec.card);
	snprintf (path, sizeof path, "%s/%s", out, target_names[c->target]);
	mkdir (path, 0755);
	snprintf (path, sizeof path, "%s/%s/%s", out, target_names[c->target], c->name);
	ok = !rec.failed && write_file (path, rec.seed, rec.seed_len);
	if (ok)
		printf ("%s: %zu bytes\n", path, rec.seed_len);
	return ok;
}

int
main (int argc, char **argv)
{
	size_t i;

	if (argc != 3) {
		fprintf (stderr, "usage: make-seeds PROFILE OUT\n");
		return 2;
	}
	mkdir (argv[2], 0755);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (!make_seed (argv[1], argv[2], &cases[i]))
			return 1;
	return reset_profile (argv[1]) ? 0 : 1;
}
