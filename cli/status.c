/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jpki status: each reader, its card, both PINs' tries, the certificates'
 * expiry and renewal; as text or as JSON (jpki(1) documents the fields). */
#include "jpki-cli.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>

/* What --sign read after the signature PIN. */
struct sign_details {
	X509 *cert;
	int status;             /* of the login */
};

struct reader_report {
	const char *name;
	const char *card;       /* card, smartphone, none, unusable */
	struct card_facts f;
	struct sign_details sign;
};

static bool
tries_low (const struct token_facts *t, enum jpki_key key)
{
	int max = key == JPKI_KEY_AUTH ? 3 : 5;

	return t->pin == PIN_BLOCKED || (t->pin == PIN_SET && t->tries >= 0 && t->tries < max);
}

/* The exit status one reader asks for. */
static int
reader_status (const struct reader_report *r, time_t now)
{
	struct validity v;
	int status = EXIT_FINE;

	if (strcmp (r->card, "card") != 0 && strcmp (r->card, "smartphone") != 0)
		return EXIT_ERROR;
	if (tries_low (&r->f.auth, JPKI_KEY_AUTH) || (r->f.sign.present && tries_low (&r->f.sign, JPKI_KEY_SIGN)))
		status = EXIT_ATTENTION;
	if (cert_validity (r->f.auth.cert, now, &v) && (v.expired || v.renewal_open))
		status = EXIT_ATTENTION;
	if (r->sign.status > status)
		status = r->sign.status;
	return status;
}

/* The holder's name and address as written (UTF-8, not escaped). */
static char *
subject_text (X509 *cert)
{
	BIO *b = BIO_new (BIO_s_mem ());
	char *text = NULL, *data;
	long len;

	if (b == NULL)
		return NULL;
	if (X509_NAME_print_ex (b, X509_get_subject_name (cert), 0,
	                        XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (len = BIO_get_mem_data (b, &data)) >= 0)
		text = OPENSSL_strndup (data, (size_t) len);
	BIO_free (b);
	return text;
}

/* ---- JSON ---- */

static void
json_string (const char *s)
{
	putchar ('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char) *s;
		if (c == '"' || c == '\\')
			printf ("\\%c", c);
		else if (c < 0x20)
			printf ("\\u%04x", c);
		else
			putchar (c);
	}
	putchar ('"');
}

static void
json_validity (X509 *cert, time_t now)
{
	struct validity v;

	if (!cert_validity (cert, now, &v)) {
		printf ("null");
		return;
	}
	printf ("{\"not_after\": \"%s\", \"days_left\": %ld, \"renewal_open\": %s, \"expired\": %s}",
	        v.not_after, v.days_left, v.renewal_open ? "true" : "false", v.expired ? "true" : "false");
}

static void
json_pin (const struct token_facts *t, int max)
{
	printf ("\"pin\": \"%s\", \"tries_left\": ", pin_state_name (t->pin));
	if (t->tries >= 0 && t->pin != PIN_NOT_SET)
		printf ("%d", t->tries);
	else
		printf ("null");
	printf (", \"tries_max\": %d", max);
}

static void
json_subject (X509 *cert)
{
	char *line = subject_text (cert);

	printf (", \"subject\": ");
	json_string (line != NULL ? line : "");
	OPENSSL_free (line);
}

static void
print_json (const struct reader_report *r, size_t n, const struct options *o, time_t now)
{
	printf ("{\"readers\": [");
	for (size_t i = 0; i < n; i++) {
		const struct card_facts *f = &r[i].f;

		printf ("%s{\"name\": ", i ? ", " : "");
		json_string (r[i].name);
		printf (", \"card\": \"%s\"", r[i].card);
		if (strcmp (r[i].card, "card") == 0 || strcmp (r[i].card, "smartphone") == 0) {
			printf (", \"model\": ");
			json_string (f->model);
			printf (", \"auth\": {\"present\": %s, ", f->auth.present ? "true" : "false");
			json_pin (&f->auth, 3);
			printf (", \"certificate_needs_pin\": %s, \"certificate\": ",
			        f->auth.cert_needs_pin ? "true" : "false");
			json_validity (f->auth.cert, now);
			printf ("}, \"sign\": {\"present\": %s", f->sign.present ? "true" : "false");
			if (f->sign.present) {
				printf (", ");
				json_pin (&f->sign, 5);
			}
			if (r[i].sign.cert != NULL) {
				printf (", \"certificate\": ");
				json_validity (r[i].sign.cert, now);
				if (o->personal)
					json_subject (r[i].sign.cert);
			}
			printf ("}");
		}
		printf (", \"status\": %d}", reader_status (&r[i], now));
	}
	printf ("]}\n");
}

/* ---- text ---- */

static void
print_pin (const struct token_facts *t, enum jpki_key key)
{
	int max = key == JPKI_KEY_AUTH ? 3 : 5;

	printf ("  %s: ", key == JPKI_KEY_AUTH ? _("Authentication PIN") : _("Signature PIN"));
	switch (t->pin) {
	case PIN_SET:
		if (t->tries < 0)
			printf ("%s\n", _("set (tries left unknown)"));
		else
			printf (_("%d of %d tries left%s\n"), t->tries, max,
			        t->tries == 1 ? _(" - the next wrong PIN blocks it") :
			        t->tries < max ? _(" - a wrong PIN was entered") : "");
		break;
	case PIN_BLOCKED: printf ("%s\n", _("blocked: reset it at your city office")); break;
	case PIN_NOT_SET: printf ("%s\n", _("none on this card")); break;
	default: printf ("%s\n", _("could not be read")); break;
	}
}

static void
print_validity (const char *what, X509 *cert, time_t now)
{
	struct validity v;

	if (!cert_validity (cert, now, &v)) {
		printf (_("  %s: could not be read\n"), what);
		return;
	}
	if (v.expired)
		printf (_("  %s: EXPIRED on %s: renew it at your city office\n"), what, v.not_after);
	else if (v.renewal_open)
		printf (_("  %s: valid until %s (%ld days left); renewal is open: renew it at your city office\n"),
		        what, v.not_after, v.days_left);
	else
		printf (_("  %s: valid until %s (%ld days left)\n"), what, v.not_after, v.days_left);
}

static void
print_text (const struct reader_report *r, const struct options *o, time_t now)
{
	const struct card_facts *f = &r->f;

	printf (_("Reader: %s\n"), r->name);
	if (strcmp (r->card, "none") == 0) {
		printf ("  %s\n", _("No card."));
		return;
	}
	if (strcmp (r->card, "unusable") == 0) {
		printf ("  %s\n", _("A card that cannot be used: not a My Number Card, or unreadable."));
		return;
	}
	printf (_("  %s: %s\n"), _("Card"), f->smartphone ? _("smartphone JPKI") : _("My Number Card"));
	print_pin (&f->auth, JPKI_KEY_AUTH);
	if (f->auth.cert_needs_pin)
		printf ("  %s\n", _("Authentication certificate: shown by this phone only after its PIN"));
	else if (f->auth.present)
		print_validity (_("Authentication certificate"), f->auth.cert, now);
	if (!f->sign.present) {
		printf ("  %s\n", _("Signature certificate: none on this card"));
		return;
	}
	print_pin (&f->sign, JPKI_KEY_SIGN);
	if (r->sign.cert == NULL) {
		printf ("  %s\n", _("Signature certificate: present (jpki status --sign shows its validity)"));
		return;
	}
	print_validity (_("Signature certificate"), r->sign.cert, now);
	if (o->personal) {
		char *line = subject_text (r->sign.cert);
		printf (_("  Holder: %s\n"), line != NULL ? line : "");
		OPENSSL_free (line);
	}
}

/* ---- reading ---- */

/* --sign: the signature certificate, which the card gives only after the
 * signature PIN; the PIN's verified state is cleared at once. */
static void
read_sign_details (const struct options *o, struct held_card *c, struct reader_report *r)
{
	char pin[PIN_BUF];
	size_t len = 0;
	int left = -1;
	enum jpki_result res;

	if (!r->f.sign.present || r->f.sign.pin != PIN_SET)
		return;
	r->sign.status = ask_pin (o, JPKI_KEY_SIGN, r->f.sign.tries, pin_prompt (JPKI_KEY_SIGN), false,
	                          pin, &len);
	if (r->sign.status != EXIT_FINE || !card_begin (c))
		goto out;
	res = jpki_verify_pin (c->jpki, JPKI_KEY_SIGN, (const uint8_t *) pin, len, &left);
	if (res == JPKI_OK) {
		r->f.sign.tries = 5;
		r->sign.cert = card_read_x509 (c, JPKI_FILE_SIGN_CERT, &res);
		jpki_clear_security_state (c->jpki);
	} else if (res == JPKI_PIN_INCORRECT || res == JPKI_PIN_BLOCKED) {
		r->f.sign.tries = res == JPKI_PIN_BLOCKED ? 0 : left;
		if (res == JPKI_PIN_BLOCKED)
			r->f.sign.pin = PIN_BLOCKED;
	}
	card_end (c);
	r->sign.status = report_pin_result (JPKI_KEY_SIGN, res, left);
out:
	OPENSSL_cleanse (pin, sizeof pin);
}

static void
read_reader (const struct options *o, struct readers *rs, const char *name, struct reader_report *r)
{
	struct held_card c;
	int opened = card_open (rs, name, &c);

	memset (r, 0, sizeof *r);
	r->name = name;
	r->card = opened == 0 ? "none" : "unusable";
	if (opened <= 0)
		return;
	if (card_read_facts (&c, &r->f) && r->f.jpki)
		r->card = r->f.smartphone ? "smartphone" : "card";
	if (o->sign && strcmp (r->card, "unusable") != 0)
		read_sign_details (o, &c, r);
	card_close (&c);
}

int
command_status (const struct options *o)
{
	struct readers rs;
	struct reader_report reports[16];
	size_t n = 0;
	time_t now = time (NULL);
	int status = readers_open (&rs, o->reader), worst = EXIT_FINE, best = EXIT_ERROR;

	if (status != EXIT_FINE)
		return status;
	for (; rs.names[n] != NULL && n < 16; n++)
		read_reader (o, &rs, rs.names[n], &reports[n]);
	if (o->json)
		print_json (reports, n, o, now);
	for (size_t i = 0; i < n; i++) {
		int s = reader_status (&reports[i], now);

		if (!o->json)
			print_text (&reports[i], o, now);
		/* The readers with a card decide; an empty one is no error then. */
		if (s < EXIT_ERROR && s > worst)
			worst = s;
		if (s < best)
			best = s;
		card_facts_free (&reports[i].f);
		X509_free (reports[i].sign.cert);
	}
	readers_close (&rs);
	return best == EXIT_ERROR ? EXIT_ERROR : worst;
}
