/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jpki status: each reader, its card, both PINs' tries, the certificates'
 * expiry and renewal; as text or as JSON (jpki(1) documents the fields). */
#include "jpki-cli.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>

#include "pin.h"

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
tries_low (const struct jpki_token_facts *t, enum jpki_key key)
{
	enum pin_state pin = pin_state_of (t->pin);

	return pin == PIN_BLOCKED ||
	       (pin == PIN_SET && t->pin.tries >= 0 && t->pin.tries < pin_max_tries (key));
}

/* The exit status one reader asks for. */
static int
reader_status (const struct reader_report *r, time_t now)
{
	const struct jpki_token_facts *sign = &r->f.card.tok[JPKI_KEY_SIGN];
	struct validity v;
	int status = EXIT_FINE;

	if (strcmp (r->card, "card") != 0 && strcmp (r->card, "smartphone") != 0)
		return EXIT_ERROR;
	if (tries_low (&r->f.card.tok[JPKI_KEY_AUTH], JPKI_KEY_AUTH) ||
	    (sign->present && tries_low (sign, JPKI_KEY_SIGN)))
		status = EXIT_ATTENTION;
	if (cert_validity (r->f.auth_cert, now, &v) && (v.expired || v.renewal_open))
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
json_pin (const struct jpki_token_facts *t, enum jpki_key key)
{
	enum pin_state pin = pin_state_of (t->pin);

	printf ("\"pin\": \"%s\", \"tries_left\": ", pin_state_name (pin));
	if (t->pin.tries >= 0 && pin != PIN_NOT_SET)
		printf ("%d", t->pin.tries);
	else
		printf ("null");
	printf (", \"tries_max\": %d", pin_max_tries (key));
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
		const struct jpki_facts *f = &r[i].f.card;
		const struct jpki_token_facts *auth = &f->tok[JPKI_KEY_AUTH], *sign = &f->tok[JPKI_KEY_SIGN];

		printf ("%s{\"name\": ", i ? ", " : "");
		json_string (r[i].name);
		printf (", \"card\": \"%s\"", r[i].card);
		if (strcmp (r[i].card, "card") == 0 || strcmp (r[i].card, "smartphone") == 0) {
			printf (", \"model\": ");
			json_string (f->model);
			printf (", \"auth\": {\"present\": %s, ", auth->present ? "true" : "false");
			json_pin (auth, JPKI_KEY_AUTH);
			printf (", \"certificate_needs_pin\": %s, \"certificate\": ",
			        auth->cert_needs_pin ? "true" : "false");
			json_validity (r[i].f.auth_cert, now);
			printf ("}, \"sign\": {\"present\": %s", sign->present ? "true" : "false");
			if (sign->present) {
				printf (", ");
				json_pin (sign, JPKI_KEY_SIGN);
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
print_pin (const struct jpki_token_facts *t, enum jpki_key key)
{
	int max = pin_max_tries (key), tries = t->pin.tries;

	printf ("  %s: ", key == JPKI_KEY_AUTH ? _("Authentication PIN") : _("Signature PIN"));
	switch (pin_state_of (t->pin)) {
	case PIN_SET:
		if (tries < 0)
			printf ("%s\n", _("set (tries left unknown)"));
		else
			printf (_("%d of %d tries left%s\n"), tries, max,
			        tries == 1 ? _(" - the next wrong PIN blocks it") :
			        tries < max ? _(" - a wrong PIN was entered") : "");
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
	const struct jpki_facts *f = &r->f.card;
	const struct jpki_token_facts *auth = &f->tok[JPKI_KEY_AUTH], *sign = &f->tok[JPKI_KEY_SIGN];

	printf (_("Reader: %s\n"), r->name);
	if (strcmp (r->card, "none") == 0) {
		printf ("  %s\n", _("No card."));
		return;
	}
	if (strcmp (r->card, "unusable") == 0) {
		printf ("  %s\n", _("A card that cannot be used: not a My Number Card, or unreadable."));
		return;
	}
	printf (_("  %s: %s\n"), _("Card"), f->phone ? _("smartphone JPKI") : _("My Number Card"));
	print_pin (auth, JPKI_KEY_AUTH);
	if (auth->cert_needs_pin)
		printf ("  %s\n", _("Authentication certificate: shown by this phone only after its PIN"));
	else if (auth->present)
		print_validity (_("Authentication certificate"), r->f.auth_cert, now);
	if (!sign->present) {
		printf ("  %s\n", _("Signature certificate: none on this card"));
		return;
	}
	print_pin (sign, JPKI_KEY_SIGN);
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
read_sign_details (const struct options *o, struct jpki_conn *c, struct reader_report *r)
{
	struct jpki_token_facts *sign = &r->f.card.tok[JPKI_KEY_SIGN];
	struct jpki_pin_state told;
	char pin[PIN_BUF];
	size_t len = 0;
	int left = -1;
	enum jpki_result res;

	if (!sign->present || pin_state_of (sign->pin) != PIN_SET)
		return;
	r->sign.status = ask_pin (o, JPKI_KEY_SIGN, sign->pin.tries, pin_prompt (JPKI_KEY_SIGN), false,
	                          pin, &len);
	if (r->sign.status != EXIT_FINE || jpki_conn_begin (c, NULL) != PCSC_OK)
		goto out;
	res = jpki_verify_pin (c->jpki, JPKI_KEY_SIGN, (const uint8_t *) pin, len, &left);
	told = jpki_pin_state_of (res, res == JPKI_OK ? pin_max_tries (JPKI_KEY_SIGN) : left);
	if (told.known)
		sign->pin = told;
	if (res == JPKI_OK) {
		r->sign.cert = card_read_x509 (c, JPKI_FILE_SIGN_CERT, &res);
		jpki_clear_security_state (c->jpki);
	}
	jpki_conn_end (c);
	r->sign.status = report_pin_result (JPKI_KEY_SIGN, res, left);
out:
	OPENSSL_cleanse (pin, sizeof pin);
}

static void
read_reader (const struct options *o, struct readers *rs, const char *name, struct reader_report *r)
{
	struct jpki_conn c;
	int opened = reader_connect (rs, name, &c);

	memset (r, 0, sizeof *r);
	r->name = name;
	r->card = opened == 0 ? "none" : "unusable";
	if (opened <= 0)
		return;
	if (card_read_facts (&c, &r->f) && r->f.jpki)
		r->card = r->f.card.phone ? "smartphone" : "card";
	if (o->sign && strcmp (r->card, "unusable") != 0)
		read_sign_details (o, &c, r);
	jpki_conn_close (&c);
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
