/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "card-input.h"

#include <check.h>
#include <string.h>

CK_RV
card_input_of (CK_MECHANISM_TYPE type, const void *data, size_t len, uint8_t *out, size_t *out_len)
{
	return card_input_in_two (type, data, len, len, out, out_len);
}

CK_RV
card_input_in_two (CK_MECHANISM_TYPE type, const void *data, size_t first, size_t len,
                   uint8_t *out, size_t *out_len)
{
	const uint8_t *bytes = data;
	struct sign_op op;
	CK_RV rv;

	memset (&op, 0, sizeof op);
	ck_assert_int_eq (sign_op_init (&op, mech_find (type, true)), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, bytes, first), CKR_OK);
	if (first < len) {
		ck_assert_int_eq (sign_op_update (&op, NULL, 0), CKR_OK);
		ck_assert_int_eq (sign_op_update (&op, bytes + first, len - first), CKR_OK);
	}
	rv = sign_op_card_input (&op, out, out_len);
	sign_op_clear (&op);
	return rv;
}
