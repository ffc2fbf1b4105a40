/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Slots, tokens and sessions of the PKCS#11 layer, on the fake PC/SC
 * library with a virtual card in its one reader: no pcscd. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fake-pcsc.h"
#include "p11-fixture.h"

/* A blank-padded PKCS#11 text field holds exactly text. */
static void
assert_padded (const CK_UTF8CHAR *field, size_t size, const char *text)
{
	size_t len = strlen (text);

	ck_assert_uint_le (len, size);
	ck_assert_msg (memcmp (field, text, len) == 0, "field is not %s", text);
	for (size_t i = len; i < size; i++)
		ck_assert_uint_eq (field[i], ' ');
}

START_TEST (test_slot_list)
{
	CK_SLOT_ID slots[2] = { 99, 99 };
	CK_ULONG n = 0;

	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, 2);
	n = 1;
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, slots, &n), CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (n, 2);
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, slots, &n), CKR_OK);
	ck_assert_uint_eq (n, 2);
	ck_assert_uint_eq (slots[0], SLOT_AUTH);
	ck_assert_uint_eq (slots[1], SLOT_SIGN);
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, NULL, NULL), CKR_ARGUMENTS_BAD);
}
END_TEST

START_TEST (test_slot_info)
{
	CK_SLOT_INFO info;

	for (CK_SLOT_ID slot = SLOT_AUTH; slot <= SLOT_SIGN; slot++) {
		ck_assert_rv (p11->C_GetSlotInfo (slot, &info), CKR_OK);
		ck_assert_uint_eq (info.flags, CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE | CKF_HW_SLOT);
		ck_assert_msg (memcmp (info.slotDescription, FAKE_PCSC_READER,
		                       strlen (FAKE_PCSC_READER)) == 0, "slot %lu: not the reader's name",
		               slot);
	}
	ck_assert_rv (p11->C_GetSlotInfo (SLOT_SIGN + 1, &info), CKR_SLOT_ID_INVALID);
	ck_assert_rv (p11->C_GetSlotInfo (SLOT_AUTH, NULL), CKR_ARGUMENTS_BAD);
}
END_TEST

/* What each token says of itself, from the card in the reader. */
static const struct {
	CK_SLOT_ID slot;
	const char *label;
	CK_ULONG min_pin, max_pin;
} token_rows[] = {
	{ SLOT_AUTH, JPKI_PKCS11_LABEL_AUTH, 4, 4 },
	{ SLOT_SIGN, JPKI_PKCS11_LABEL_SIGN, 6, 16 },
};

START_TEST (test_token_info)
{
	CK_FLAGS want = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
	CK_TOKEN_INFO info;

	ck_assert_rv (p11->C_GetTokenInfo (token_rows[_i].slot, &info), CKR_OK);
	assert_padded (info.label, sizeof info.label, token_rows[_i].label);
	ck_assert_uint_eq (info.flags & want, want);
	ck_assert_uint_eq (info.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED), 0);
	ck_assert_uint_eq (info.ulMinPinLen, token_rows[_i].min_pin);
	ck_assert_uint_eq (info.ulMaxPinLen, token_rows[_i].max_pin);
	ck_assert_uint_eq (info.ulSessionCount, 0);
}
END_TEST

START_TEST (test_empty_reader)
{
	CK_SLOT_INFO slot;
	CK_TOKEN_INFO token;
	CK_SESSION_HANDLE s;
	CK_ULONG n = 9;

	fake_pcsc_remove ();
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
	ck_assert_rv (p11->C_GetSlotList (CK_FALSE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, 2);
	ck_assert_rv (p11->C_GetSlotInfo (SLOT_AUTH, &slot), CKR_OK);
	ck_assert_uint_eq (slot.flags & CKF_TOKEN_PRESENT, 0);
	ck_assert_rv (p11->C_GetTokenInfo (SLOT_AUTH, &token), CKR_TOKEN_NOT_PRESENT);
	ck_assert_rv (p11->C_OpenSession (SLOT_SIGN, CKF_SERIAL_SESSION, NULL, NULL, &s),
	              CKR_TOKEN_NOT_PRESENT);
}
END_TEST

START_TEST (test_sessions)
{
	CK_SESSION_HANDLE ro = open_session (SLOT_AUTH, 0);
	CK_SESSION_HANDLE rw = open_session (SLOT_AUTH, CKF_RW_SESSION);
	CK_SESSION_HANDLE other = open_session (SLOT_SIGN, 0);
	CK_SESSION_HANDLE h;
	CK_SESSION_INFO info;
	CK_TOKEN_INFO token;

	ck_assert_uint_ne (ro, rw);
	ck_assert_rv (p11->C_GetSessionInfo (ro, &info), CKR_OK);
	ck_assert_uint_eq (info.slotID, SLOT_AUTH);
	ck_assert_uint_eq (info.state, CKS_RO_PUBLIC_SESSION);
	ck_assert_uint_eq (info.flags, CKF_SERIAL_SESSION);
	ck_assert_rv (p11->C_GetSessionInfo (rw, &info), CKR_OK);
	ck_assert_uint_eq (info.state, CKS_RW_PUBLIC_SESSION);
	ck_assert_uint_eq (info.flags, CKF_SERIAL_SESSION | CKF_RW_SESSION);
	ck_assert_rv (p11->C_GetTokenInfo (SLOT_AUTH, &token), CKR_OK);
	ck_assert_uint_eq (token.ulSessionCount, 2);
	ck_assert_uint_eq (token.ulRwSessionCount, 1);

	ck_assert_rv (p11->C_CloseSession (ro), CKR_OK);
	ck_assert_rv (p11->C_GetSessionInfo (ro, &info), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_CloseSession (ro), CKR_SESSION_HANDLE_INVALID);
	ck_assert_rv (p11->C_CloseAllSessions (SLOT_AUTH), CKR_OK);
	ck_assert_rv (p11->C_GetSessionInfo (rw, &info), CKR_SESSION_HANDLE_INVALID);
	/* The other token's sessions stay. */
	ck_assert_rv (p11->C_GetSessionInfo (other, &info), CKR_OK);
	ck_assert_uint_eq (info.slotID, SLOT_SIGN);

	ck_assert_rv (p11->C_OpenSession (SLOT_AUTH, 0, NULL, NULL, &h),
	              CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	ck_assert_rv (p11->C_OpenSession (SLOT_SIGN + 1, CKF_SERIAL_SESSION, NULL, NULL, &h),
	              CKR_SLOT_ID_INVALID);
	ck_assert_rv (p11->C_OpenSession (SLOT_AUTH, CKF_SERIAL_SESSION, NULL, NULL, NULL),
	              CKR_ARGUMENTS_BAD);
}
END_TEST

/* A card taken out ends its sessions; the one put back is a new token. */
START_TEST (test_removal_between_calls)
{
	CK_SESSION_HANDLE s = open_session (SLOT_AUTH, 0);
	CK_SESSION_INFO info;
	CK_ULONG n = 0;

	fake_pcsc_remove ();
	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
	ck_assert_rv (p11->C_GetSessionInfo (s, &info), CKR_SESSION_HANDLE_INVALID);
}
END_TEST

static Suite *
p11_slots_suite (void)
{
	Suite *s = suite_create ("p11-slots");
	TCase *tc = p11_card_case (s, "slots");

	tcase_add_test (tc, test_slot_list);
	tcase_add_test (tc, test_slot_info);
	tcase_add_loop_test (tc, test_token_info, 0, N_ROWS (token_rows));
	tcase_add_test (tc, test_empty_reader);
	tc = p11_card_case (s, "sessions");
	tcase_add_test (tc, test_sessions);
	tcase_add_test (tc, test_removal_between_calls);
	return s;
}

int
main (void)
{
	return p11_run_suite (p11_slots_suite ());
}
