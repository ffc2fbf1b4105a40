/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* C_Login, C_Logout and C_SetPIN: PIN shapes refused on the host, the
 * card's try counter, token flags. */
#include "test-module.h"

#include <ctype.h>
#include <string.h>

static int
max_tries (enum key key)
{
	return key == KEY_AUTH ? 3 : 5;
}

struct card_snapshot {
	long apdus;
	int tries[2];
	CK_FLAGS flags;
};

static struct card_snapshot
snapshot (enum key key)
{
	struct card_snapshot snap;

	snap.flags = p11_token_flags (key_slot (key));
	snap.apdus = apdu_count ();
	snap.tries[0] = tries_read (KEY_AUTH);
	snap.tries[1] = tries_read (KEY_SIGN);
	return snap;
}

/* Nothing reached the card: no APDU, counters and flags as they were. */
static void
assert_untouched (enum key key, const struct card_snapshot *before, const char *what)
{
	ck_assert_msg (apdu_count () == before->apdus, "%s: %ld APDUs sent", what,
	               apdu_count () - before->apdus);
	ck_assert_int_eq (tries_read (KEY_AUTH), before->tries[0]);
	ck_assert_int_eq (tries_read (KEY_SIGN), before->tries[1]);
	ck_assert_uint_eq (p11_token_flags (key_slot (key)), before->flags);
}

static void
assert_malformed_refused (enum key key, CK_SESSION_HANDLE s, const char *pin, size_t len)
{
	struct card_snapshot before = snapshot (key);
	CK_RV rv = p11->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR) pin, len);

	ck_assert_msg (rv == CKR_PIN_INCORRECT, "malformed PIN of %zu bytes on token %d: %s (0x%lx)",
	               len, key, rv_name (rv), rv);
	assert_untouched (key, &before, "malformed PIN");
	ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);
}

#define REFUSE(key, s, lit) assert_malformed_refused (key, s, lit, sizeof lit - 1)

START_TEST (test_malformed_auth_pin)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);

	ck_assert_int_eq (tries_read (KEY_AUTH), max_tries (KEY_AUTH));
	REFUSE (KEY_AUTH, s, "12345");
	REFUSE (KEY_AUTH, s, "123");
	REFUSE (KEY_AUTH, s, "12a4");
	REFUSE (KEY_AUTH, s, "");
	REFUSE (KEY_AUTH, s, "12 4");
	REFUSE (KEY_AUTH, s, "12\0" "4");
	REFUSE (KEY_AUTH, s, "\xef\xbc\x91\xef\xbc\x92");   /* fullwidth digits */
	REFUSE (KEY_AUTH, s, "ABCD1234");
	/* The right PIN followed by more. */
	{
		char longer[8];
		snprintf (longer, sizeof longer, "%s0", card_pin (KEY_AUTH));
		assert_malformed_refused (KEY_AUTH, s, longer, strlen (longer));
	}
	/* Still all tries left, and the right PIN works. */
	p11_login (s, card_pin (KEY_AUTH));
	ck_assert_int_eq (tries_read (KEY_AUTH), max_tries (KEY_AUTH));
}
END_TEST

START_TEST (test_malformed_sign_pin)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_SIGN);

	ck_assert_int_eq (tries_read (KEY_SIGN), max_tries (KEY_SIGN));
	REFUSE (KEY_SIGN, s, "ABC12");
	REFUSE (KEY_SIGN, s, "ABCDEFGH123456789");
	REFUSE (KEY_SIGN, s, "ABC-123");
	REFUSE (KEY_SIGN, s, "");
	REFUSE (KEY_SIGN, s, "ABC 123");
	REFUSE (KEY_SIGN, s, "ABC\0" "123");
	REFUSE (KEY_SIGN, s, "ABCD\xc3\xa9" "12");
	REFUSE (KEY_SIGN, s, "1234");
	p11_login (s, card_pin (KEY_SIGN));
	ck_assert_int_eq (tries_read (KEY_SIGN), max_tries (KEY_SIGN));
}
END_TEST

START_TEST (test_sign_pin_folded)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_SIGN);
	char lower[32];
	long verifies = apdu_verify_count ();
	size_t i;

	snprintf (lower, sizeof lower, "%s", card_pin (KEY_SIGN));
	for (i = 0; lower[i]; i++)
		lower[i] = (char) tolower ((unsigned char) lower[i]);
	ck_assert_str_ne (lower, card_pin (KEY_SIGN));
	p11_login (s, lower);
	ck_assert_uint_eq (p11_state (s), CKS_RO_USER_FUNCTIONS);
	ck_assert_int_eq (apdu_verify_count (), verifies + 1);
	ck_assert_int_eq (tries_read (KEY_SIGN), max_tries (KEY_SIGN));
	/* Mixed case as well. */
	ck_assert_rv (p11->C_Logout (s), CKR_OK);
	lower[0] = (char) toupper ((unsigned char) lower[0]);
	p11_login (s, lower);
}
END_TEST

static void
wrong_then_right (enum key key)
{
	CK_SESSION_HANDLE s = p11_open (key_slot (key));
	enum key other = key_other (key);
	int other_tries = tries_read (other);
	long verifies = apdu_verify_count ();
	CK_FLAGS flags;

	ck_assert_int_eq (tries_read (key), max_tries (key));
	ck_assert_uint_eq (p11_token_flags (key_slot (key)) & CKF_USER_PIN_COUNT_LOW, 0);
	ck_assert_rv (p11_login_rv (s, card_wrong_pin (key)), CKR_PIN_INCORRECT);
	ck_assert_int_eq (apdu_verify_count (), verifies + 1);
	ck_assert_int_eq (tries_read (key), max_tries (key) - 1);
	ck_assert_int_eq (tries_read (other), other_tries);
	ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);
	flags = p11_token_flags (key_slot (key));
	ck_assert_msg (flags & CKF_USER_PIN_COUNT_LOW, "flags 0x%lx lack COUNT_LOW", flags);
	ck_assert_uint_eq (flags & (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED), 0);
	ck_assert_uint_ne (flags & CKF_USER_PIN_INITIALIZED, 0);

	/* A new C_Initialize reads the counter from the card. */
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	flags = p11_token_flags (key_slot (key));
	ck_assert_msg (flags & CKF_USER_PIN_COUNT_LOW, "after C_Initialize flags 0x%lx", flags);
	ck_assert_int_eq (tries_read (key), max_tries (key) - 1);

	/* The right PIN gives the tries back. */
	s = p11_open (key_slot (key));
	p11_login (s, card_pin (key));
	ck_assert_int_eq (tries_read (key), max_tries (key));
	flags = p11_token_flags (key_slot (key));
	ck_assert_uint_eq (flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY |
	                            CKF_USER_PIN_LOCKED), 0);
}

START_TEST (test_wrong_auth_pin)
{
	wrong_then_right (KEY_AUTH);
}
END_TEST

START_TEST (test_wrong_sign_pin)
{
	wrong_then_right (KEY_SIGN);
}
END_TEST

/* A login is one VERIFY with what it needs selected: no tries check of
 * its own first (VERIFY says "no PIN", "blocked" or the tries anyway). */
START_TEST (test_login_costs_one_verify)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);
	long apdus = apdu_count ();

	/* SELECT AP, SELECT PIN EF, VERIFY; a phone's certificate then
	 * (SELECT, header, the rest). */
	int most = scenario_is ("smartphone") ? 6 : 3;

	p11_login (s, card_pin (KEY_AUTH));
	ck_assert_int_le (apdu_count () - apdus, most);
	ck_assert_rv (p11->C_Logout (s), CKR_OK);
}
END_TEST

START_TEST (test_login_twice)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH), other = p11_open (SLOT_AUTH);
	long verifies;

	p11_login (s, card_pin (KEY_AUTH));
	verifies = apdu_verify_count ();
	ck_assert_rv (p11_login_rv (s, card_pin (KEY_AUTH)), CKR_USER_ALREADY_LOGGED_IN);
	ck_assert_rv (p11_login_rv (other, card_pin (KEY_AUTH)), CKR_USER_ALREADY_LOGGED_IN);
	ck_assert_int_eq (apdu_verify_count (), verifies);
	ck_assert_uint_eq (p11_state (other), CKS_RO_USER_FUNCTIONS);
}
END_TEST

/* A R/W session: v2.40 lets C_SetPIN (and an SO login) run only in one. */
static CK_SESSION_HANDLE
open_rw (CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;

	ck_assert_rv (p11->C_OpenSession (slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	              CKR_OK);
	return s;
}

/* v2.40 C_Login: an SO login while the application has a R/O session
 * with the token is CKR_SESSION_READ_ONLY_EXISTS (SoftHSMv2 checks that
 * first too); with R/W sessions only, a card without a security officer
 * answers CKR_USER_TYPE_INVALID.  CKU_CONTEXT_SPECIFIC outside an
 * operation that needs it is CKR_OPERATION_NOT_INITIALIZED (as in
 * SoftHSMv2).  None of them reaches the card. */
START_TEST (test_login_so_and_others)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH), rw;
	const char *pin = card_pin (KEY_AUTH);
	long apdus = apdu_count ();

	ck_assert_rv (p11->C_Login (s, CKU_SO, (CK_UTF8CHAR_PTR) pin, strlen (pin)),
	              CKR_SESSION_READ_ONLY_EXISTS);
	ck_assert_rv (p11->C_Login (s, 42, (CK_UTF8CHAR_PTR) pin, strlen (pin)),
	              CKR_USER_TYPE_INVALID);
	ck_assert_rv (p11->C_Login (s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR) pin, strlen (pin)),
	              CKR_OPERATION_NOT_INITIALIZED);
	ck_assert_uint_eq (p11_state (s), CKS_RO_PUBLIC_SESSION);
	ck_assert_rv (p11->C_Logout (s), CKR_USER_NOT_LOGGED_IN);

	ck_assert_rv (p11->C_CloseSession (s), CKR_OK);
	rw = open_rw (SLOT_AUTH);
	ck_assert_rv (p11->C_Login (rw, CKU_SO, (CK_UTF8CHAR_PTR) pin, strlen (pin)),
	              CKR_USER_TYPE_INVALID);
	ck_assert_rv (p11->C_Login (rw, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR) pin, strlen (pin)),
	              CKR_OPERATION_NOT_INITIALIZED);
	ck_assert_uint_eq (p11_state (rw), CKS_RW_PUBLIC_SESSION);
	ck_assert_int_eq (apdu_count (), apdus);
	ck_assert_int_eq (tries_read (KEY_AUTH), max_tries (KEY_AUTH));
}
END_TEST

TCase *
tcase_pin (void)
{
	TCase *tc = tcase_new ("pin");

	tcase_add_test (tc, test_malformed_auth_pin);
	tcase_add_test (tc, test_wrong_auth_pin);
	tcase_add_test (tc, test_login_twice);
	tcase_add_test (tc, test_login_costs_one_verify);
	tcase_add_test (tc, test_login_so_and_others);
	if (scenario_has_sign ()) {
		tcase_add_test (tc, test_malformed_sign_pin);
		tcase_add_test (tc, test_sign_pin_folded);
		tcase_add_test (tc, test_wrong_sign_pin);
	}
	return tc;
}

/* ------------------------------------------------------------------ */
/* C_SetPIN */

static void
assert_set_pin_refused (enum key key, CK_SESSION_HANDLE s, const char *old_pin,
                        const char *new_pin, CK_RV want)
{
	struct card_snapshot before = snapshot (key);

	ck_assert_rv (p11->C_SetPIN (s, (CK_UTF8CHAR_PTR) old_pin, strlen (old_pin),
	                             (CK_UTF8CHAR_PTR) new_pin, strlen (new_pin)),
	              want);
	assert_untouched (key, &before, "C_SetPIN refused");
}

static CK_RV
set_pin (CK_SESSION_HANDLE s, const char *old_pin, const char *new_pin)
{
	return p11->C_SetPIN (s, (CK_UTF8CHAR_PTR) old_pin, strlen (old_pin),
	                      (CK_UTF8CHAR_PTR) new_pin, strlen (new_pin));
}

START_TEST (test_set_pin_shapes)
{
	CK_SESSION_HANDLE a = open_rw (SLOT_AUTH), s = open_rw (SLOT_SIGN);
	const char *pa = card_pin (KEY_AUTH), *ps = card_pin (KEY_SIGN);
	char new_auth[8];

	/* A read-only session: CKR_SESSION_READ_ONLY, nothing sent. */
	snprintf (new_auth, sizeof new_auth, "%s", card_wrong_pin (KEY_AUTH));
	assert_set_pin_refused (KEY_AUTH, p11_open (SLOT_AUTH), pa, new_auth, CKR_SESSION_READ_ONLY);
	assert_set_pin_refused (KEY_SIGN, p11_open (SLOT_SIGN), ps, "NEWPIN123", CKR_SESSION_READ_ONLY);

	assert_set_pin_refused (KEY_AUTH, a, pa, "12345", CKR_PIN_LEN_RANGE);
	assert_set_pin_refused (KEY_AUTH, a, pa, "123", CKR_PIN_LEN_RANGE);
	assert_set_pin_refused (KEY_AUTH, a, pa, "", CKR_PIN_LEN_RANGE);
	assert_set_pin_refused (KEY_AUTH, a, pa, "12a4", CKR_PIN_INVALID);
	/* The old PIN is checked as at login. */
	assert_set_pin_refused (KEY_AUTH, a, "12a4", "5678", CKR_PIN_INCORRECT);
	assert_set_pin_refused (KEY_SIGN, s, ps, "ABCDEFG", CKR_PIN_INVALID);
	assert_set_pin_refused (KEY_SIGN, s, ps, "1234567", CKR_PIN_INVALID);
	assert_set_pin_refused (KEY_SIGN, s, ps, "ABC-1234", CKR_PIN_INVALID);
	assert_set_pin_refused (KEY_SIGN, s, ps, "ABC12", CKR_PIN_LEN_RANGE);
	assert_set_pin_refused (KEY_SIGN, s, ps, "ABCDEFGH123456789", CKR_PIN_LEN_RANGE);
	assert_set_pin_refused (KEY_SIGN, s, "AB-12345", "NEW12345", CKR_PIN_INCORRECT);
}
END_TEST

static void
change_and_back (enum key key, const char *new_pin, const char *new_pin_as_typed)
{
	CK_SESSION_HANDLE s = open_rw (key_slot (key));
	const char *old_pin = card_pin (key);

	ck_assert_rv (set_pin (s, old_pin, new_pin_as_typed), CKR_OK);
	ck_assert_int_eq (tries_read (key), max_tries (key));
	/* Changing verified the PIN on the card; nothing is left verified. */
	ck_assert_uint_eq (p11_state (s), CKS_RW_PUBLIC_SESSION);
	ck_assert_int_eq (raw_sign (key_fid (key)), 0x6982);
	p11_login (s, new_pin);
	ck_assert_rv (p11->C_Logout (s), CKR_OK);
	ck_assert_rv (p11_login_rv (s, old_pin), CKR_PIN_INCORRECT);
	ck_assert_int_eq (tries_read (key), max_tries (key) - 1);
	/* And back. */
	ck_assert_rv (set_pin (s, new_pin_as_typed, old_pin), CKR_OK);
	ck_assert_int_eq (tries_read (key), max_tries (key));
	p11_login (s, old_pin);
	ck_assert_int_eq (tries_read (key), max_tries (key));
}

START_TEST (test_set_auth_pin)
{
	char new_pin[8];

	snprintf (new_pin, sizeof new_pin, "%s", card_wrong_pin (KEY_AUTH));
	change_and_back (KEY_AUTH, new_pin, new_pin);
}
END_TEST

START_TEST (test_set_sign_pin)
{
	/* Typed in lower case, stored folded. */
	change_and_back (KEY_SIGN, "N3WPIN42X", "n3wpin42x");
}
END_TEST

TCase *
tcase_set_pin (void)
{
	TCase *tc = tcase_new ("set-pin");

	tcase_add_test (tc, test_set_pin_shapes);
	tcase_add_test (tc, test_set_auth_pin);
	tcase_add_test (tc, test_set_sign_pin);
	return tc;
}

/* C_SetPIN on one token while the other is logged in: the card then holds
 * the changed token's PIN verified; no other program may use it, and the
 * module must not leave it there while that token says it is logged out. */
START_TEST (test_set_pin_other_token_logged_in)
{
	CK_SESSION_HANDLE a, s = open_rw (SLOT_SIGN);
	const char *old_pin = card_pin (KEY_SIGN);
	int sign_key_sw, auth_key_sw;
	CK_STATE sign_state, auth_state;

	login_key (KEY_AUTH, &a);
	ck_assert_rv (set_pin (s, old_pin, "N3WPIN42X"), CKR_OK);
	sign_state = p11_state (s);
	auth_state = p11_state (a);
	sign_key_sw = raw_sign ("001A");
	auth_key_sw = raw_sign ("0017");
	/* Change it back first, so that a failure here does not break the
	 * cases after this one. */
	ck_assert_rv (set_pin (s, "N3WPIN42X", old_pin), CKR_OK);
	ck_assert_int_eq (tries_read (KEY_SIGN), max_tries (KEY_SIGN));
	/* C_SetPIN logs nobody in; clearing the card's verified PIN (the
	 * only way: select the MF) ends the other token's login too. */
	ck_assert_uint_eq (sign_state, CKS_RW_PUBLIC_SESSION);
	ck_assert_uint_eq (auth_state, CKS_RO_PUBLIC_SESSION);
	ck_assert_int_eq (sign_key_sw, 0x6982);
	ck_assert_int_eq (auth_key_sw, 0x6982);
}
END_TEST

/* A wrong old PIN in C_SetPIN while logged in: the card's failed VERIFY
 * drops the verified state, so the token's login must not look alive. */
START_TEST (test_set_pin_wrong_old_while_logged_in)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	unsigned char sig[SIG_LEN];
	CK_ULONG sig_len = sizeof sig;
	char new_pin[8];
	CK_STATE state;
	CK_RV rv;

	k = login_key (KEY_AUTH, &s);
	snprintf (new_pin, sizeof new_pin, "%s", card_wrong_pin (KEY_AUTH));
	{
		CK_SESSION_HANDLE rw = open_rw (SLOT_AUTH);
		/* new_pin doubles as a wrong old PIN. */
		ck_assert_rv (set_pin (rw, new_pin, card_pin (KEY_AUTH)), CKR_PIN_INCORRECT);
	}
	ck_assert_int_eq (tries_read (KEY_AUTH), max_tries (KEY_AUTH) - 1);
	state = p11_state (s);
	rv = p11_sign_rv (p11, s, k, CKM_SHA256_RSA_PKCS, (const unsigned char *) "x", 1, sig,
	                  &sig_len);
	/* Give the try back first, so that the next cases start clean. */
	p11_login (s, card_pin (KEY_AUTH));
	ck_assert_int_eq (tries_read (KEY_AUTH), max_tries (KEY_AUTH));
	/* The login is gone, and with it the handles to private objects. */
	ck_assert_uint_eq (state, CKS_RO_PUBLIC_SESSION);
	ck_assert_rv (rv, CKR_KEY_HANDLE_INVALID);
}
END_TEST

TCase *
tcase_set_pin_state (void)
{
	TCase *tc = tcase_new ("set-pin-state");

	tcase_add_test (tc, test_set_pin_other_token_logged_in);
	tcase_add_test (tc, test_set_pin_wrong_old_while_logged_in);
	return tc;
}

/* ------------------------------------------------------------------ */
/* Tries used by another program */

/* Another program (here: a child process with its own module instance)
 * enters a wrong PIN; once the burst of calls that read the tries is
 * over (2 s), our token flags must show the lower count, or a user warned
 * by nothing types the last wrong PIN.  Within a burst, token information
 * costs no APDU. */
START_TEST (test_flags_after_other_program)
{
	enum key key = (enum key) _i;
	CK_FLAGS flags;
	CK_SESSION_HANDLE s;
	long before;

	ck_assert_uint_eq (p11_token_flags (key_slot (key)) & CKF_USER_PIN_COUNT_LOW, 0);
	before = apdu_count ();
	p11_token_flags (key_slot (key));
	p11_token_flags (key_slot (key_other (key)));
	ck_assert_int_eq (apdu_count (), before);
	other_program_login (key_slot (key), card_wrong_pin (key), CKR_PIN_INCORRECT, true);
	ck_assert_int_eq (tries_read (key), max_tries (key) - 1);
	sleep_ms (2100);
	flags = p11_token_flags (key_slot (key));
	/* Give the try back before judging. */
	s = p11_open (key_slot (key));
	p11_login (s, card_pin (key));
	ck_assert_int_eq (tries_read (key), max_tries (key));
	ck_assert_msg (flags & CKF_USER_PIN_COUNT_LOW,
	               "token %d: flags 0x%lx after another program's wrong PIN (tries left %d)", key,
	               flags, max_tries (key) - 1);
}
END_TEST

TCase *
tcase_tries_fresh (void)
{
	TCase *tc = tcase_new ("tries-fresh");

	tcase_add_loop_test (tc, test_flags_after_other_program, KEY_AUTH,
	                     scenario_has_sign () ? KEY_SIGN + 1 : KEY_AUTH + 1);
	return tc;
}
