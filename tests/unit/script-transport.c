/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The scripted stand-in transport and its fixture (script-transport.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script-transport.h"

#define HEX_MAX 1024

struct script script;
struct jpki_card *card;

static const char *
hex_of (const uint8_t *p, size_t n)
{
	static char buf[2 * HEX_MAX + 1];
	size_t i;

	ck_assert_uint_le (n, HEX_MAX);
	for (i = 0; i < n; i++)
		snprintf (buf + 2 * i, 3, "%02X", p[i]);
	buf[2 * n] = '\0';
	return buf;
}

size_t
bytes_of (const char *hex, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	for (; *hex != '\0'; hex += 2) {
		ck_assert_int_eq (sscanf (hex, "%2x", &v), 1);
		out[n++] = (uint8_t) v;
	}
	return n;
}

struct step *
add_step (const char *cmd)
{
	struct step *st;

	ck_assert_uint_lt (script.count, MAX_STEPS);
	st = &script.steps[script.count++];
	st->cmd = strdup (cmd);
	st->result = JPKI_TRANSPORT_OK;
	return st;
}

void
expect_data (const char *cmd, const uint8_t *data, size_t len, uint16_t sw)
{
	struct step *st = add_step (cmd);

	st->resp = malloc (len + 2);
	if (len > 0)
		memcpy (st->resp, data, len);
	st->resp[len] = (uint8_t) (sw >> 8);
	st->resp[len + 1] = (uint8_t) sw;
	st->resp_len = len + 2;
}

void
expect (const char *cmd, const char *resp)
{
	struct step *st = add_step (cmd);

	st->resp = malloc (strlen (resp) / 2 + 1);
	st->resp_len = bytes_of (resp, st->resp);
}

void
expect_transport (const char *cmd, enum jpki_transport_result result)
{
	add_step (cmd)->result = result;
}

const char *
read_cmd (size_t offset, size_t le)
{
	static char buf[32];

	if (le <= 256)
		snprintf (buf, sizeof buf, "00B0%04zX%02zX", offset, le & 0xFF);
	else
		snprintf (buf, sizeof buf, "00B0%04zX00%04zX", offset, le & 0xFFFF);
	return buf;
}

void
expect_read (size_t offset, size_t le, const uint8_t *data, size_t len, uint16_t sw)
{
	expect_data (read_cmd (offset, le), data, len, sw);
}

/* Checks the command against the script; copies at most *resp_len bytes
 * of the answer but reports its whole length, as a careless transport
 * could, so that the card layer's own bound is tested. */
static enum jpki_transport_result
scripted_transmit (void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len)
{
	struct step *st;

	ck_assert_ptr_eq (ctx, &script);
	ck_assert_msg (script.pos < script.count, "unexpected APDU %s", hex_of (cmd, cmd_len));
	st = &script.steps[script.pos++];
	ck_assert_str_eq (hex_of (cmd, cmd_len), st->cmd);
	if (st->result != JPKI_TRANSPORT_OK)
		return st->result;
	memcpy (resp, st->resp, st->resp_len < *resp_len ? st->resp_len : *resp_len);
	*resp_len = st->resp_len;
	return JPKI_TRANSPORT_OK;
}

void
assert_all_sent (void)
{
	ck_assert_msg (script.pos == script.count, "%zu APDUs sent, %zu expected",
	               script.pos, script.count);
}

/* The fixture. */

static void
setup (void)
{
	struct jpki_transport transport = { scripted_transmit, &script };

	memset (&script, 0, sizeof script);
	card = jpki_card_new (&transport);
	ck_assert_ptr_nonnull (card);
	jpki_transaction_begin (card);
}

static void
teardown (void)
{
	size_t i;

	jpki_card_free (card);
	for (i = 0; i < script.count; i++) {
		free (script.steps[i].cmd);
		free (script.steps[i].resp);
	}
	memset (&script, 0, sizeof script);
}

TCase *
script_case (Suite *s, const char *name)
{
	TCase *tc = tcase_create (name);

	tcase_add_checked_fixture (tc, setup, teardown);
	suite_add_tcase (s, tc);
	return tc;
}
