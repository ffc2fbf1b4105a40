/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Steps the module's test cases share. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

const char *
key_cert (enum key key)
{
	return key == KEY_AUTH ? "auth.crt" : "sign.crt";
}

CK_OBJECT_HANDLE
login_key (enum key key, CK_SESSION_HANDLE *session)
{
	CK_OBJECT_HANDLE k;

	*session = p11_open (key_slot (key));
	p11_login (*session, card_pin (key));
	k = p11_find_one (*session, CKO_PRIVATE_KEY);
	ck_assert_msg (k != CK_INVALID_HANDLE, "no private key after login");
	return k;
}

void
sign_and_check (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, enum key which,
                CK_MECHANISM_TYPE mech, const unsigned char *data, CK_ULONG len)
{
	unsigned char sig[SIG_LEN + 16];
	CK_ULONG sig_len = sizeof sig;

	ck_assert_rv (p11_sign_rv (p11, s, key, mech, data, len, sig, &sig_len), CKR_OK);
	ck_assert_uint_eq (sig_len, SIG_LEN);
	ck_assert_msg (sig_verify (key_cert (which), mech, data, len, sig, sig_len),
	               "%s signature by the %s key does not verify", mech_name (mech),
	               which == KEY_AUTH ? "auth" : "sign");
}

CK_SESSION_HANDLE
login_and_sign (enum key key, CK_MECHANISM_TYPE mech, const char *text)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k = login_key (key, &s);

	sign_and_check (s, k, key, mech, (const unsigned char *) text, strlen (text));
	return s;
}

void
run_in_child (int (*child) (void *arg), void *arg)
{
	pid_t pid = fork ();
	int status = -1;

	ck_assert_int_ge (pid, 0);
	if (pid == 0)
		_exit (child (arg));
	ck_assert_int_eq (waitpid (pid, &status, 0), pid);
	ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "child: status 0x%x",
	               status);
}

struct other_login {
	CK_SLOT_ID slot;
	const char *pin;
	CK_RV want;
	bool finalize;
};

static int
other_login_run (void *arg)
{
	const struct other_login *o = arg;
	CK_SESSION_HANDLE s;

	if (p11->C_Initialize (NULL) != CKR_OK ||
	    p11->C_OpenSession (o->slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK ||
	    p11->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR) o->pin, strlen (o->pin)) != o->want)
		return 1;
	if (o->finalize)
		p11->C_Finalize (NULL);
	return 0;
}

void
other_program_login (CK_SLOT_ID slot, const char *pin, CK_RV want, bool finalize)
{
	struct other_login o = { slot, pin, want, finalize };

	run_in_child (other_login_run, &o);
}

bool
contains_ci (const char *hay, const char *needle)
{
	size_t n = strlen (needle);

	for (; *hay; hay++)
		if (strncasecmp (hay, needle, n) == 0)
			return true;
	return false;
}

TCase *
tcase_new (const char *name)
{
	TCase *tc = tcase_create (name);

	tcase_add_checked_fixture (tc, p11_setup, p11_teardown);
	tcase_set_timeout (tc, 60);
	return tc;
}

#include <unistd.h>

long long
now_ms (void)
{
	struct timespec ts;

	clock_gettime (CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sleep_ms (long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep (&ts, NULL);
}

/* Runs a reader action of tests/with-card; fails the case if it fails. */
void
reader_action (const char *action)
{
	const char *control = getenv ("JPKI_WITH_CARD_CONTROL");
	char cmd[4096];

	ck_assert_msg (control != NULL && control[0] != '\0', "no JPKI_WITH_CARD_CONTROL");
	snprintf (cmd, sizeof cmd, "'%s' %s", control, action);
	ck_assert_msg (system (cmd) == 0, "reader action failed: %s", action);
}

/* Whether slot's token is present, as C_GetSlotInfo says. */
bool
token_present (CK_SLOT_ID slot)
{
	CK_SLOT_INFO info;

	return p11->C_GetSlotInfo (slot, &info) == CKR_OK && (info.flags & CKF_TOKEN_PRESENT);
}

/* Waits until the token is there (or gone); fails after 20 s. */
void
wait_token (CK_SLOT_ID slot, bool present)
{
	long long deadline = now_ms () + 20000;

	while (token_present (slot) != present) {
		ck_assert_msg (now_ms () < deadline, "token in slot %lu still %s", slot,
		               present ? "absent" : "present");
		sleep_ms (20);
	}
}

/* The attribute's value is the want_len bytes at want. */
void
assert_attr_eq (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                const void *want, size_t want_len)
{
	CK_ULONG len;
	unsigned char *value = p11_attr (s, o, type, &len);

	ck_assert_uint_eq (len, want_len);
	ck_assert_mem_eq (value, want, want_len);
	free (value);
}

/* The certificate object's CKA_VALUE equals the profile's certificate. */
void
assert_cert_value (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, const char *name)
{
	size_t der_len;
	unsigned char *der = cert_der (name, &der_len);

	assert_attr_eq (s, o, CKA_VALUE, der, der_len);
	OPENSSL_free (der);
}

char *
read_file (const char *path, size_t *len)
{
	FILE *f = fopen (path, "r");
	char *buf;
	long n;

	ck_assert_ptr_nonnull (f);
	fseek (f, 0, SEEK_END);
	n = ftell (f);
	fseek (f, 0, SEEK_SET);
	buf = calloc (1, (size_t) n + 1);
	ck_assert_ptr_nonnull (buf);
	ck_assert_uint_eq (fread (buf, 1, (size_t) n, f), (size_t) n);
	fclose (f);
	*len = (size_t) n;
	return buf;
}
