/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The C_GetAttributeValue rules and template matching (module/attr.c),
 * with a stand-in object. */
#include <check.h>
#include <string.h>

#include "attr.h"

/* The stand-in: a class, a label, a sensitive value and a getter error. */
static const char label[] = "JPKI User Authentication Key";

static CK_RV
get (void *object, CK_ATTRIBUTE_TYPE type, struct attr_value *v)
{
	(void) object;
	switch (type) {
	case CKA_CLASS: attr_set_number (v, CKO_PRIVATE_KEY); return CKR_OK;
	case CKA_SIGN: attr_set_flag (v, true); return CKR_OK;
	case CKA_LABEL: attr_set_bytes (v, label, strlen (label)); return CKR_OK;
	case CKA_START_DATE: attr_set_bytes (v, NULL, 0); return CKR_OK;
	case CKA_PRIVATE_EXPONENT: return CKR_ATTRIBUTE_SENSITIVE;
	case CKA_VALUE: return CKR_DEVICE_ERROR;
	default: return CKR_ATTRIBUTE_TYPE_INVALID;
	}
}

START_TEST (test_length_query)
{
	CK_ATTRIBUTE t[] = { { CKA_LABEL, NULL, 0 }, { CKA_CLASS, NULL, 0 }, { CKA_START_DATE, NULL, 7 } };

	ck_assert_uint_eq (attr_fill_template (get, NULL, t, 3), CKR_OK);
	ck_assert_uint_eq (t[0].ulValueLen, strlen (label));
	ck_assert_uint_eq (t[1].ulValueLen, sizeof (CK_OBJECT_CLASS));
	ck_assert_uint_eq (t[2].ulValueLen, 0);
}
END_TEST

START_TEST (test_values_copied)
{
	CK_OBJECT_CLASS class = 0;
	CK_BBOOL sign = CK_FALSE;
	char buf[64];
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &class, sizeof class }, { CKA_SIGN, &sign, sizeof sign },
	                     { CKA_LABEL, buf, sizeof buf } };

	ck_assert_uint_eq (attr_fill_template (get, NULL, t, 3), CKR_OK);
	ck_assert_uint_eq (class, CKO_PRIVATE_KEY);
	ck_assert_uint_eq (sign, CK_TRUE);
	ck_assert_uint_eq (t[2].ulValueLen, strlen (label));
	ck_assert_mem_eq (buf, label, strlen (label));
}
END_TEST

/* Every attribute is processed even after an error; each error leaves
 * CK_UNAVAILABLE_INFORMATION in its own ulValueLen only. */
START_TEST (test_errors_finish_the_template)
{
	CK_OBJECT_CLASS class = 0;
	char small[4];
	unsigned char secret[256];
	CK_ATTRIBUTE t[] = {
		{ CKA_PRIVATE_EXPONENT, secret, sizeof secret },
		{ CKA_LABEL, small, sizeof small },
		{ 0x7FFFFFFFUL, NULL, 0 },
		{ CKA_CLASS, &class, sizeof class },
	};
	CK_RV rv = attr_fill_template (get, NULL, t, 4);

	ck_assert (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_BUFFER_TOO_SMALL ||
	           rv == CKR_ATTRIBUTE_TYPE_INVALID);
	ck_assert_uint_eq (t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (t[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (t[3].ulValueLen, sizeof class);
	ck_assert_uint_eq (class, CKO_PRIVATE_KEY);
}
END_TEST

START_TEST (test_each_error_alone)
{
	char small[4];
	CK_ATTRIBUTE sensitive = { CKA_PRIVATE_EXPONENT, NULL, 0 };
	CK_ATTRIBUTE too_small = { CKA_LABEL, small, sizeof small };
	CK_ATTRIBUTE invalid = { CKA_MODULUS_BITS, NULL, 0 };
	CK_ATTRIBUTE failing = { CKA_VALUE, NULL, 0 };

	ck_assert_uint_eq (attr_fill_template (get, NULL, &sensitive, 1), CKR_ATTRIBUTE_SENSITIVE);
	ck_assert_uint_eq (attr_fill_template (get, NULL, &too_small, 1), CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (attr_fill_template (get, NULL, &invalid, 1), CKR_ATTRIBUTE_TYPE_INVALID);
	ck_assert_uint_eq (attr_fill_template (get, NULL, &failing, 1), CKR_DEVICE_ERROR);
	ck_assert_uint_eq (attr_fill_template (get, NULL, NULL, 1), CKR_ARGUMENTS_BAD);
	ck_assert_uint_eq (attr_fill_template (get, NULL, NULL, 0), CKR_OK);
}
END_TEST

START_TEST (test_matching)
{
	CK_OBJECT_CLASS key = CKO_PRIVATE_KEY, cert = CKO_CERTIFICATE;
	CK_BBOOL yes = CK_TRUE;
	unsigned char secret[4] = { 0 };
	CK_ATTRIBUTE class_key = { CKA_CLASS, &key, sizeof key };
	CK_ATTRIBUTE class_cert = { CKA_CLASS, &cert, sizeof cert };
	CK_ATTRIBUTE sign = { CKA_SIGN, &yes, sizeof yes };
	CK_ATTRIBUTE label_prefix = { CKA_LABEL, (void *) label, 4 };
	CK_ATTRIBUTE label_whole = { CKA_LABEL, (void *) label, sizeof label - 1 };
	CK_ATTRIBUTE sensitive = { CKA_PRIVATE_EXPONENT, secret, sizeof secret };
	CK_ATTRIBUTE unknown = { 0x7FFFFFFFUL, NULL, 0 };
	CK_ATTRIBUTE failing = { CKA_VALUE, NULL, 0 };
	CK_ATTRIBUTE both[] = { { CKA_CLASS, &key, sizeof key }, { CKA_SIGN, &yes, sizeof yes } };
	CK_RV rv;

	ck_assert (attr_template_matches (get, NULL, NULL, 0, &rv) && rv == CKR_OK);
	ck_assert (attr_template_matches (get, NULL, &class_key, 1, &rv) && rv == CKR_OK);
	ck_assert (attr_template_matches (get, NULL, both, 2, &rv) && rv == CKR_OK);
	ck_assert (attr_template_matches (get, NULL, &sign, 1, &rv));
	ck_assert (attr_template_matches (get, NULL, &label_whole, 1, &rv));
	ck_assert (!attr_template_matches (get, NULL, &label_prefix, 1, &rv) && rv == CKR_OK);
	ck_assert (!attr_template_matches (get, NULL, &class_cert, 1, &rv) && rv == CKR_OK);
	ck_assert (!attr_template_matches (get, NULL, &sensitive, 1, &rv) && rv == CKR_OK);
	ck_assert (!attr_template_matches (get, NULL, &unknown, 1, &rv) && rv == CKR_OK);
	ck_assert (!attr_template_matches (get, NULL, &failing, 1, &rv));
	ck_assert_uint_eq (rv, CKR_DEVICE_ERROR);
}
END_TEST

int
main (void)
{
	Suite *s = suite_create ("attr");
	TCase *tc = tcase_create ("attr");
	SRunner *sr;
	int failed;

	tcase_add_test (tc, test_length_query);
	tcase_add_test (tc, test_values_copied);
	tcase_add_test (tc, test_errors_finish_the_template);
	tcase_add_test (tc, test_each_error_alone);
	tcase_add_test (tc, test_matching);
	suite_add_tcase (s, tc);
	sr = srunner_create (s);
	srunner_run_all (sr, CK_NORMAL);
	failed = srunner_ntests_failed (sr);
	srunner_free (sr);
	return failed == 0 ? 0 : 1;
}
