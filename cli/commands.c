/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jpki pin change and jpki cert export. */
#include "jpki-cli.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "pin.h"

/* The one reader to act on: --reader, or the only one with a card. */
static int
open_one_card (const struct options *o, struct readers *rs, struct jpki_conn *c,
               struct card_facts *f)
{
	int status = readers_open (rs, o->reader);

	if (status != EXIT_FINE)
		return status;
	for (size_t i = 0; rs->names[i] != NULL; i++) {
		int opened = reader_connect (rs, rs->names[i], c);

		if (opened == 0)
			continue;
		if (opened > 0 && card_read_facts (c, f) && f->jpki)
			return EXIT_FINE;
		fprintf (stderr, _("jpki: the card in %s cannot be used\n"), rs->names[i]);
		card_facts_free (f);
		jpki_conn_close (c);
		readers_close (rs);
		return EXIT_ERROR;
	}
	fprintf (stderr, "%s\n", _("jpki: no card in the reader"));
	readers_close (rs);
	return EXIT_ERROR;
}

static void
close_one_card (struct readers *rs, struct jpki_conn *c, struct card_facts *f)
{
	card_facts_free (f);
	jpki_conn_close (c);
	readers_close (rs);
}

/* The PIN's state says whether it may be used at all. */
static int
check_pin_usable (const struct card_facts *f, enum jpki_key key)
{
	if (key == JPKI_KEY_SIGN && !f->card.tok[JPKI_KEY_SIGN].present) {
		fprintf (stderr, "%s\n", _("jpki: this card has no signature certificate"));
		return EXIT_ERROR;
	}
	switch (pin_state_of (f->card.tok[key].pin)) {
	case PIN_SET: return EXIT_FINE;
	case PIN_BLOCKED: return report_pin_result (key, JPKI_PIN_BLOCKED, 0);
	case PIN_NOT_SET: return report_pin_result (key, JPKI_NOT_FOUND, 0);
	default: return report_pin_result (key, JPKI_BAD_RESPONSE, 0);
	}
}

static int
change_pin (const struct options *o, struct jpki_conn *c, enum jpki_key key, int tries)
{
	char old[PIN_BUF], new1[PIN_BUF], new2[PIN_BUF];
	size_t old_len = 0, len1 = 0, len2 = 0;
	int status, left = -1;
	enum jpki_result r;

	status = ask_pin (o, key, tries, key == JPKI_KEY_AUTH ? _("Current authentication PIN: ")
	                                                      : _("Current signature PIN: "),
	                  false, old, &old_len);
	if (status == EXIT_FINE)
		status = ask_pin (o, key, tries, _("New PIN: "), true, new1, &len1);
	if (status == EXIT_FINE)
		status = ask_pin (o, key, tries, _("New PIN again: "), true, new2, &len2);
	if (status == EXIT_FINE && (len1 != len2 || memcmp (new1, new2, len1) != 0)) {
		fprintf (stderr, "%s\n", _("jpki: the two new PINs differ; nothing was sent to the card"));
		status = EXIT_ERROR;
	}
	if (status == EXIT_FINE && jpki_conn_begin (c, NULL) != PCSC_OK)
		status = report_pin_result (key, JPKI_TRANSPORT_ERROR, -1);
	else if (status == EXIT_FINE) {
		r = jpki_change_pin (c->jpki, key, (const uint8_t *) old, old_len, (const uint8_t *) new1,
		                     len1, &left);
		/* The old PIN's VERIFY leaves it verified: clear it. */
		jpki_clear_security_state (c->jpki);
		jpki_conn_end (c);
		status = report_pin_result (key, r, left);
		if (status == EXIT_FINE)
			printf (_("The %s was changed.\n"), key_name (key));
	}
	OPENSSL_cleanse (old, sizeof old);
	OPENSSL_cleanse (new1, sizeof new1);
	OPENSSL_cleanse (new2, sizeof new2);
	return status;
}

int
command_pin_change (const struct options *o, enum jpki_key key)
{
	struct readers rs;
	struct jpki_conn c;
	struct card_facts f;
	int tries, status = open_one_card (o, &rs, &c, &f);

	if (status != EXIT_FINE)
		return status;
	tries = f.card.tok[key].pin.tries;
	status = check_pin_usable (&f, key);
	if (status == EXIT_FINE) {
		printf (_("%s: %d of %d tries left.\n"), key_name (key), tries, pin_max_tries (key));
		if (tries == 1)
			printf ("%s\n", _("Warning: this is the final try. A wrong current PIN blocks it,"
			                  " and only your city office can reset it."));
		status = change_pin (o, &c, key, tries);
	}
	close_one_card (&rs, &c, &f);
	return status;
}

/* ---- export ---- */

struct export_row {
	const char *name;
	enum jpki_file file;
	enum jpki_key pin_of;   /* the PIN it needs, if any */
	bool needs_pin;
};

static const struct export_row exports[] = {
	{ "auth", JPKI_FILE_AUTH_CERT, JPKI_KEY_AUTH, false },
	{ "auth-ca", JPKI_FILE_AUTH_CA_CERT, JPKI_KEY_AUTH, false },
	{ "sign", JPKI_FILE_SIGN_CERT, JPKI_KEY_SIGN, true },
	{ "sign-ca", JPKI_FILE_SIGN_CA_CERT, JPKI_KEY_SIGN, false },
};

static int
write_cert (const struct options *o, X509 *x, bool personal)
{
	FILE *out = stdout;
	int ok;

	if (o->output != NULL) {
		/* The signature certificate holds name, address and birth date. */
		int fd = open (o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, personal ? 0600 : 0644);
		out = fd >= 0 ? fdopen (fd, "w") : NULL;
		if (out == NULL) {
			fprintf (stderr, _("jpki: cannot write %s: %s\n"), o->output, strerror (errno));
			if (fd >= 0)
				close (fd);
			return EXIT_ERROR;
		}
	}
	ok = o->der ? i2d_X509_fp (out, x) : PEM_write_X509 (out, x);
	if (out != stdout)
		ok = (fclose (out) == 0) && ok;
	else
		ok = (fflush (out) == 0) && ok;
	if (!ok) {
		fprintf (stderr, "%s\n", _("jpki: the certificate could not be written"));
		return EXIT_ERROR;
	}
	return EXIT_FINE;
}

static int
export_cert (const struct options *o, struct jpki_conn *c, const struct card_facts *f,
             const struct export_row *row)
{
	bool needs_pin = row->needs_pin ||
	                 (row->file == JPKI_FILE_AUTH_CERT && f->card.tok[JPKI_KEY_AUTH].cert_needs_pin);
	char pin[PIN_BUF];
	size_t len = 0;
	int status = EXIT_FINE, left = -1;
	enum jpki_result r = JPKI_OK;
	X509 *x = NULL;

	if (needs_pin && (status = check_pin_usable (f, row->pin_of)) == EXIT_FINE)
		status = ask_pin (o, row->pin_of, f->card.tok[row->pin_of].pin.tries, pin_prompt (row->pin_of),
		                  false, pin, &len);
	if (status == EXIT_FINE && jpki_conn_begin (c, NULL) != PCSC_OK)
		status = report_pin_result (row->pin_of, JPKI_TRANSPORT_ERROR, -1);
	else if (status == EXIT_FINE) {
		if (needs_pin)
			r = jpki_verify_pin (c->jpki, row->pin_of, (const uint8_t *) pin, len, &left);
		if (r == JPKI_OK)
			x = card_read_x509 (c, row->file, &r);
		if (needs_pin)
			jpki_clear_security_state (c->jpki);
		jpki_conn_end (c);
		if (r == JPKI_NOT_FOUND && needs_pin == false) {
			fprintf (stderr, "%s\n", _("jpki: this card has no such certificate"));
			status = EXIT_ERROR;
		} else {
			status = report_pin_result (row->pin_of, r, left);
		}
	}
	OPENSSL_cleanse (pin, sizeof pin);
	if (x != NULL)
		status = write_cert (o, x, row->needs_pin);
	X509_free (x);
	return status;
}

int
command_cert_export (const struct options *o, const char *which)
{
	const struct export_row *row = NULL;
	struct readers rs;
	struct jpki_conn c;
	struct card_facts f;
	int status;

	for (size_t i = 0; i < sizeof exports / sizeof exports[0]; i++)
		if (strcmp (which, exports[i].name) == 0)
			row = &exports[i];
	if (row == NULL) {
		fprintf (stderr, _("jpki: unknown certificate %s (auth, auth-ca, sign, sign-ca)\n"), which);
		return EXIT_ERROR;
	}
	status = open_one_card (o, &rs, &c, &f);
	if (status != EXIT_FINE)
		return status;
	if (row->pin_of == JPKI_KEY_SIGN && !f.card.tok[JPKI_KEY_SIGN].present) {
		fprintf (stderr, "%s\n", _("jpki: this card has no signature certificate"));
		status = EXIT_ERROR;
	} else {
		status = export_cert (o, &c, &f, row);
	}
	close_one_card (&rs, &c, &f);
	return status;
}
