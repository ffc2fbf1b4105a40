/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Another kind of card in the reader (tests/with-card --no-jpki): no
 * token, and the card is probed once per insertion, not at every call. */
#include "test-module.h"

START_TEST (test_foreign_card_no_token)
{
	CK_SLOT_ID list[8];
	CK_ULONG n = 8;
	CK_SLOT_INFO info;
	CK_TOKEN_INFO tinfo;
	long apdus;

	ck_assert_rv (p11->C_GetSlotList (CK_TRUE, list, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
	apdus = apdu_count ();
	ck_assert_int_ge (apdus, 1);   /* the SELECT that found no JPKI */
	for (int round = 0; round < 3; round++) {
		n = 8;
		ck_assert_rv (p11->C_GetSlotList (CK_TRUE, list, &n), CKR_OK);
		ck_assert_uint_eq (n, 0);
		ck_assert_rv (p11->C_GetSlotInfo (SLOT_AUTH, &info), CKR_OK);
		ck_assert_uint_eq (info.flags & CKF_TOKEN_PRESENT, 0);
		ck_assert_rv (p11->C_GetTokenInfo (SLOT_AUTH, &tinfo), CKR_TOKEN_NOT_PRESENT);
		ck_assert_rv (p11->C_GetTokenInfo (SLOT_SIGN, &tinfo), CKR_TOKEN_NOT_PRESENT);
	}
	ck_assert_int_eq (apdu_count (), apdus);
}
END_TEST

TCase *
tcase_foreign_card (void)
{
	TCase *tc = tcase_new ("foreign-card");

	tcase_add_test (tc, test_foreign_card_no_token);
	return tc;
}
