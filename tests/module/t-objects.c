/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Objects per token, their visibility, attributes and C_FindObjects. */
#include "test-module.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>

/* CKA_CHECK_VALUE: the first three bytes of the SHA-1 of CKA_VALUE. */
static void
assert_check_value (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, const char *name)
{
	size_t der_len;
	unsigned char *der = cert_der (name, &der_len), md[EVP_MAX_MD_SIZE];
	CK_ULONG len;
	unsigned char *value = p11_attr (s, o, CKA_CHECK_VALUE, &len);

	ck_assert_int_eq (EVP_Digest (der, der_len, md, NULL, EVP_sha1 (), NULL), 1);
	ck_assert_uint_eq (len, 3);
	ck_assert_mem_eq (value, md, 3);
	free (value);
	OPENSSL_free (der);
}

/* CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER as DER, from the profile. */
static void
assert_cert_names (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, const char *name)
{
	X509 *x = cert_load (name);
	unsigned char *der = NULL;
	int n;

	ck_assert_ptr_nonnull (x);
	n = i2d_X509_NAME (X509_get_subject_name (x), &der);
	assert_attr_eq (s, o, CKA_SUBJECT, der, (size_t) n);
	OPENSSL_free (der);
	der = NULL;
	n = i2d_X509_NAME (X509_get_issuer_name (x), &der);
	assert_attr_eq (s, o, CKA_ISSUER, der, (size_t) n);
	OPENSSL_free (der);
	der = NULL;
	n = i2d_ASN1_INTEGER ((ASN1_INTEGER *) X509_get0_serialNumber (x), &der);
	assert_attr_eq (s, o, CKA_SERIAL_NUMBER, der, (size_t) n);
	OPENSSL_free (der);
	X509_free (x);
}

START_TEST (test_auth_objects)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);
	CK_OBJECT_HANDLE cert, ca, pub, all[8];

	/* Public objects before login; the private key hidden. */
	ck_assert_uint_eq (p11_find (s, NULL, 0, all, 8), 3);
	ck_assert_uint_eq (p11_count_class (s, CKO_CERTIFICATE), 2);
	ck_assert_uint_eq (p11_count_class (s, CKO_PUBLIC_KEY), 1);
	ck_assert_uint_eq (p11_count_class (s, CKO_PRIVATE_KEY), 0);
	cert = p11_find_cert (s, 1);
	ca = p11_find_cert (s, 2);
	pub = p11_find_one (s, CKO_PUBLIC_KEY);
	ck_assert_uint_ne (cert, CK_INVALID_HANDLE);
	ck_assert_uint_ne (ca, CK_INVALID_HANDLE);
	ck_assert_uint_ne (pub, CK_INVALID_HANDLE);
	ck_assert_uint_eq (p11_attr_ulong (s, cert, CKA_CERTIFICATE_TYPE), CKC_X_509);
	ck_assert_uint_eq (p11_attr_ulong (s, ca, CKA_CERTIFICATE_TYPE), CKC_X_509);
	ck_assert_int_eq (p11_attr_bool (s, cert, CKA_TOKEN), CK_TRUE);
	ck_assert_int_eq (p11_attr_bool (s, cert, CKA_PRIVATE), CK_FALSE);
	ck_assert_int_eq (p11_attr_bool (s, cert, CKA_MODIFIABLE), CK_FALSE);
	assert_cert_value (s, cert, "auth.crt");
	assert_cert_value (s, ca, "auth-ca.crt");
	assert_check_value (s, cert, "auth.crt");
	assert_check_value (s, ca, "auth-ca.crt");
	assert_cert_names (s, cert, "auth.crt");
	assert_cert_names (s, ca, "auth-ca.crt");

	if (card_pin (KEY_AUTH)[0] == '\0')
		return;   /* face-auth: no login */
	p11_login (s, card_pin (KEY_AUTH));
	ck_assert_uint_eq (p11_find (s, NULL, 0, all, 8), 4);
	ck_assert_uint_eq (p11_count_class (s, CKO_PRIVATE_KEY), 1);
	/* The handles stay the same. */
	ck_assert_uint_eq (p11_find_cert (s, 1), cert);
	ck_assert_uint_eq (p11_find_one (s, CKO_PUBLIC_KEY), pub);
	ck_assert_rv (p11->C_Logout (s), CKR_OK);
	ck_assert_uint_eq (p11_count_class (s, CKO_PRIVATE_KEY), 0);
	ck_assert_uint_eq (p11_find (s, NULL, 0, all, 8), 3);
}
END_TEST

START_TEST (test_sign_objects)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_SIGN), other = p11_open (SLOT_SIGN);
	CK_OBJECT_HANDLE all[8], cert, ca, pub, priv;
	CK_ATTRIBUTE value = { CKA_VALUE, NULL, 0 };

	/* Before login: the CA certificate only. */
	ck_assert_uint_eq (p11_find (s, NULL, 0, all, 8), 1);
	ck_assert_uint_eq (p11_attr_ulong (s, all[0], CKA_CLASS), CKO_CERTIFICATE);
	ck_assert_uint_eq (p11_attr_ulong (s, all[0], CKA_CERTIFICATE_CATEGORY), 2);
	assert_cert_value (s, all[0], "sign-ca.crt");
	ck_assert_uint_eq (p11_find_cert (s, 1), CK_INVALID_HANDLE);
	ck_assert_uint_eq (p11_count_class (s, CKO_PUBLIC_KEY), 0);
	ck_assert_uint_eq (p11_count_class (s, CKO_PRIVATE_KEY), 0);

	p11_login (s, card_pin (KEY_SIGN));
	ck_assert_uint_eq (p11_find (other, NULL, 0, all, 8), 4);
	cert = p11_find_cert (other, 1);
	ca = p11_find_cert (other, 2);
	pub = p11_find_one (other, CKO_PUBLIC_KEY);
	priv = p11_find_one (other, CKO_PRIVATE_KEY);
	ck_assert_uint_ne (cert, CK_INVALID_HANDLE);
	ck_assert_uint_ne (pub, CK_INVALID_HANDLE);
	ck_assert_uint_ne (priv, CK_INVALID_HANDLE);
	assert_cert_value (s, cert, "sign.crt");
	assert_cert_names (s, cert, "sign.crt");
	ck_assert_int_eq (p11_attr_bool (s, cert, CKA_PRIVATE), CK_TRUE);
	ck_assert_int_eq (p11_attr_bool (s, pub, CKA_PRIVATE), CK_TRUE);

	/* After logout they are gone, handles included. */
	ck_assert_rv (p11->C_Logout (other), CKR_OK);
	ck_assert_uint_eq (p11_find (s, NULL, 0, all, 8), 1);
	ck_assert_uint_eq (all[0], ca);
	ck_assert_rv (p11->C_GetAttributeValue (s, cert, &value, 1), CKR_OBJECT_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetAttributeValue (s, pub, &value, 1), CKR_OBJECT_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetAttributeValue (s, priv, &value, 1), CKR_OBJECT_HANDLE_INVALID);
}
END_TEST

/* Objects of one token are not objects of the other. */
START_TEST (test_handles_per_token)
{
	CK_SESSION_HANDLE a = p11_open (SLOT_AUTH), s = p11_open (SLOT_SIGN);
	CK_OBJECT_HANDLE auth_cert = p11_find_cert (a, 1);
	CK_OBJECT_HANDLE sign_ca = p11_find_cert (s, 2);
	CK_OBJECT_CLASS cls;
	CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof cls };

	ck_assert_rv (p11->C_GetAttributeValue (s, auth_cert, &t, 1), CKR_OBJECT_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetAttributeValue (a, sign_ca, &t, 1), CKR_OBJECT_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetAttributeValue (a, CK_INVALID_HANDLE, &t, 1),
	              CKR_OBJECT_HANDLE_INVALID);
	ck_assert_rv (p11->C_GetAttributeValue (a, 100000, &t, 1), CKR_OBJECT_HANDLE_INVALID);
}
END_TEST

TCase *
tcase_objects (void)
{
	TCase *tc = tcase_new ("objects");

	tcase_add_test (tc, test_auth_objects);
	if (scenario_has_sign ()) {
		tcase_add_test (tc, test_sign_objects);
		tcase_add_test (tc, test_handles_per_token);
	}
	return tc;
}

/* ------------------------------------------------------------------ */
/* Attributes */

static void
assert_key_attributes (enum key key)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE priv = login_key (key, &s);
	CK_OBJECT_HANDLE pub = p11_find_one (s, CKO_PUBLIC_KEY);
	CK_OBJECT_HANDLE cert = p11_find_cert (s, 1);
	unsigned char *cert_id, *modulus;
	CK_ULONG len, id_len;
	size_t mod_len;
	static const unsigned char e[] = { 0x01, 0x00, 0x01 };

	ck_assert_uint_eq (p11_attr_ulong (s, priv, CKA_CLASS), CKO_PRIVATE_KEY);
	ck_assert_uint_eq (p11_attr_ulong (s, priv, CKA_KEY_TYPE), CKK_RSA);
	ck_assert_int_eq (p11_attr_bool (s, priv, CKA_SIGN), CK_TRUE);
	ck_assert_int_eq (p11_attr_bool (s, priv, CKA_DECRYPT), CK_FALSE);
	ck_assert_int_eq (p11_attr_bool (s, priv, CKA_UNWRAP), CK_FALSE);
	ck_assert_int_eq (p11_attr_bool (s, priv, CKA_SENSITIVE), CK_TRUE);
	ck_assert_int_eq (p11_attr_bool (s, priv, CKA_ALWAYS_SENSITIVE), CK_TRUE);
	ck_assert_int_eq (p11_attr_bool (s, priv, CKA_NEVER_EXTRACTABLE), CK_TRUE);
	ck_assert_int_eq (p11_attr_bool (s, priv, CKA_EXTRACTABLE), CK_FALSE);
	ck_assert_int_eq (p11_attr_bool (s, priv, CKA_ALWAYS_AUTHENTICATE), CK_FALSE);
	ck_assert_int_eq (p11_attr_bool (s, priv, CKA_PRIVATE), CK_TRUE);
	ck_assert_int_eq (p11_attr_bool (s, priv, CKA_TOKEN), CK_TRUE);
	ck_assert_uint_eq (p11_attr_ulong (s, priv, CKA_MODULUS_BITS), 2048);
	ck_assert_uint_eq (p11_attr_ulong (s, pub, CKA_MODULUS_BITS), 2048);
	ck_assert_int_eq (p11_attr_bool (s, pub, CKA_VERIFY), CK_TRUE);
	ck_assert_int_eq (p11_attr_bool (s, pub, CKA_ENCRYPT), CK_FALSE);

	modulus = cert_modulus (key_cert (key), &mod_len);
	ck_assert_uint_eq (mod_len, 256);
	for (int i = 0; i < 2; i++) {
		CK_OBJECT_HANDLE o = i == 0 ? priv : pub;
		assert_attr_eq (s, o, CKA_MODULUS, modulus, mod_len);
		assert_attr_eq (s, o, CKA_PUBLIC_EXPONENT, e, sizeof e);
	}
	free (modulus);

	/* The key pair and its certificate share CKA_ID. */
	cert_id = p11_attr (s, cert, CKA_ID, &id_len);
	ck_assert_uint_gt (id_len, 0);
	for (int i = 0; i < 2; i++)
		assert_attr_eq (s, i == 0 ? priv : pub, CKA_ID, cert_id, id_len);
	free (cert_id);

	/* CKA_SUBJECT and CKA_PUBLIC_KEY_INFO of the keys come from the
	 * certificate; the private key lists the mechanisms it allows. */
	{
		X509 *x = cert_load (key_cert (key));
		unsigned char *der = NULL;
		int n = i2d_X509_NAME (X509_get_subject_name (x), &der);
		CK_MECHANISM_TYPE *mechs;

		for (int i = 0; i < 2; i++)
			assert_attr_eq (s, i == 0 ? priv : pub, CKA_SUBJECT, der, (size_t) n);
		OPENSSL_free (der);
		der = NULL;
		n = i2d_X509_PUBKEY (X509_get_X509_PUBKEY (x), &der);
		for (int i = 0; i < 3; i++)
			assert_attr_eq (s, i == 0 ? priv : i == 1 ? pub : cert, CKA_PUBLIC_KEY_INFO, der,
			                (size_t) n);
		OPENSSL_free (der);
		X509_free (x);
		mechs = (CK_MECHANISM_TYPE *) p11_attr (s, priv, CKA_ALLOWED_MECHANISMS, &len);
		ck_assert_uint_eq (len, 7 * sizeof (CK_MECHANISM_TYPE));
		for (int i = 0; i < 7; i++) {
			CK_MECHANISM_TYPE want = i < 5 ? all_mechs[i] : pss_mechs[i - 5];
			bool found = false;
			for (int j = 0; j < 7; j++)
				found |= mechs[j] == want;
			ck_assert_msg (found, "%s not in CKA_ALLOWED_MECHANISMS", mech_name (want));
		}
		free (mechs);
	}
}

START_TEST (test_auth_key_attributes)
{
	assert_key_attributes (KEY_AUTH);
}
END_TEST

START_TEST (test_sign_key_attributes)
{
	assert_key_attributes (KEY_SIGN);
}
END_TEST

START_TEST (test_attribute_rules)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE priv = login_key (KEY_AUTH, &s);
	CK_OBJECT_CLASS cls = 0xA5;
	CK_KEY_TYPE type = 0xA5;
	unsigned char buf[512], small[100];
	CK_ATTRIBUTE t[4];
	CK_ATTRIBUTE_TYPE unknown = CKA_VENDOR_DEFINED + 0x4A504B;
	CK_RV rv;

	/* Sensitive: CKR_ATTRIBUTE_SENSITIVE, length unavailable. */
	t[0] = (CK_ATTRIBUTE) { CKA_PRIVATE_EXPONENT, buf, sizeof buf };
	ck_assert_rv (p11->C_GetAttributeValue (s, priv, t, 1), CKR_ATTRIBUTE_SENSITIVE);
	ck_assert_uint_eq (t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	t[0] = (CK_ATTRIBUTE) { CKA_PRIME_1, NULL, 0 };
	ck_assert_rv (p11->C_GetAttributeValue (s, priv, t, 1), CKR_ATTRIBUTE_SENSITIVE);
	ck_assert_uint_eq (t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);

	/* Unknown type among good ones: the others are still filled. */
	t[0] = (CK_ATTRIBUTE) { CKA_CLASS, &cls, sizeof cls };
	t[1] = (CK_ATTRIBUTE) { unknown, buf, sizeof buf };
	t[2] = (CK_ATTRIBUTE) { CKA_KEY_TYPE, &type, sizeof type };
	t[3] = (CK_ATTRIBUTE) { CKA_PRIVATE_EXPONENT, small, sizeof small };
	rv = p11->C_GetAttributeValue (s, priv, t, 4);
	/* Either error may be reported when the template has both. */
	ck_assert_msg (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE,
	               "mixed template: %s", rv_name (rv));
	ck_assert_uint_eq (cls, CKO_PRIVATE_KEY);
	ck_assert_uint_eq (t[0].ulValueLen, sizeof cls);
	ck_assert_uint_eq (t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (type, CKK_RSA);
	ck_assert_uint_eq (t[2].ulValueLen, sizeof type);
	ck_assert_uint_eq (t[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	t[3] = (CK_ATTRIBUTE) { CKA_MODULUS_BITS, NULL, 0 };
	cls = 0xA5;
	ck_assert_rv (p11->C_GetAttributeValue (s, priv, t, 3), CKR_ATTRIBUTE_TYPE_INVALID);
	ck_assert_uint_eq (cls, CKO_PRIVATE_KEY);

	/* NULL pValue: the length. */
	t[0] = (CK_ATTRIBUTE) { CKA_MODULUS, NULL, 0 };
	t[1] = (CK_ATTRIBUTE) { CKA_LABEL, NULL, 12345 };
	ck_assert_rv (p11->C_GetAttributeValue (s, priv, t, 2), CKR_OK);
	ck_assert_uint_eq (t[0].ulValueLen, 256);
	ck_assert_uint_gt (t[1].ulValueLen, 0);
	ck_assert_uint_ne (t[1].ulValueLen, 12345);

	/* Short buffer: CKR_BUFFER_TOO_SMALL, length unavailable, others filled. */
	t[0] = (CK_ATTRIBUTE) { CKA_MODULUS, small, sizeof small };
	t[1] = (CK_ATTRIBUTE) { CKA_CLASS, &cls, sizeof cls };
	cls = 0xA5;
	ck_assert_rv (p11->C_GetAttributeValue (s, priv, t, 2), CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (cls, CKO_PRIVATE_KEY);
	t[0] = (CK_ATTRIBUTE) { CKA_MODULUS, buf, 255 };
	ck_assert_rv (p11->C_GetAttributeValue (s, priv, t, 1), CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	t[0] = (CK_ATTRIBUTE) { CKA_MODULUS, buf, 256 };
	ck_assert_rv (p11->C_GetAttributeValue (s, priv, t, 1), CKR_OK);
	ck_assert_uint_eq (t[0].ulValueLen, 256);

	/* Certificate: CKA_VALUE length, then the value. */
	{
		CK_OBJECT_HANDLE cert = p11_find_cert (s, 1);
		size_t der_len;
		unsigned char *der = cert_der ("auth.crt", &der_len);
		t[0] = (CK_ATTRIBUTE) { CKA_VALUE, NULL, 0 };
		ck_assert_rv (p11->C_GetAttributeValue (s, cert, t, 1), CKR_OK);
		ck_assert_uint_eq (t[0].ulValueLen, der_len);
		t[0].pValue = buf;
		t[0].ulValueLen = 10;
		ck_assert_rv (p11->C_GetAttributeValue (s, cert, t, 1), CKR_BUFFER_TOO_SMALL);
		ck_assert_uint_eq (t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
		/* A private key attribute on a certificate is not a type it has. */
		t[0] = (CK_ATTRIBUTE) { CKA_PRIVATE_EXPONENT, buf, sizeof buf };
		ck_assert_rv (p11->C_GetAttributeValue (s, cert, t, 1), CKR_ATTRIBUTE_TYPE_INVALID);
		ck_assert_uint_eq (t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
		OPENSSL_free (der);
	}
	ck_assert_rv (p11->C_GetAttributeValue (s, priv, NULL, 1), CKR_ARGUMENTS_BAD);
}
END_TEST

TCase *
tcase_attributes (void)
{
	TCase *tc = tcase_new ("attributes");

	tcase_add_test (tc, test_auth_key_attributes);
	if (scenario_has_sign ())
		tcase_add_test (tc, test_sign_key_attributes);
	tcase_add_test (tc, test_attribute_rules);
	return tc;
}

/* ------------------------------------------------------------------ */
/* C_FindObjects */

START_TEST (test_find_templates)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);
	CK_OBJECT_HANDLE cert = p11_find_cert (s, 1), found[8];
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ULONG id_len, label_len;
	unsigned char *id = p11_attr (s, cert, CKA_ID, &id_len);
	unsigned char *label = p11_attr (s, cert, CKA_LABEL, &label_len);
	unsigned char no_id[] = { 0xFF, 0xEE, 0xDD };
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE by_id = { CKA_ID, id, id_len };
	CK_ATTRIBUTE by_label[] = {
		{ CKA_LABEL, label, label_len },
		{ CKA_CERTIFICATE_CATEGORY, NULL, 0 },
	};
	CK_ULONG category = 1;
	CK_ATTRIBUTE none[] = { { CKA_CLASS, &cls, sizeof cls } };
	CK_ATTRIBUTE bad_id = { CKA_ID, no_id, sizeof no_id };
	CK_ATTRIBUTE empty_id = { CKA_ID, NULL, 0 };
	CK_ATTRIBUTE sign_true = { CKA_SIGN, &yes, sizeof yes };

	by_label[1].pValue = &category;
	by_label[1].ulValueLen = sizeof category;
	/* CKA_ID: the certificate and the public key before login... */
	ck_assert_uint_eq (p11_find (s, &by_id, 1, found, 8), 2);
	ck_assert_uint_eq (p11_find (s, by_label, 2, found, 8), 1);
	ck_assert_uint_eq (found[0], cert);
	ck_assert_uint_eq (p11_find (s, none, 1, found, 8), 0);
	ck_assert_uint_eq (p11_find (s, &bad_id, 1, found, 8), 0);
	ck_assert_uint_eq (p11_find (s, &empty_id, 1, found, 8), 0);
	ck_assert_uint_eq (p11_find (s, &sign_true, 1, found, 8), 0);
	cls = CKO_PRIVATE_KEY;
	ck_assert_uint_eq (p11_find (s, none, 1, found, 8), 0);
	/* ... and the private key too after login. */
	p11_login (s, card_pin (KEY_AUTH));
	ck_assert_uint_eq (p11_find (s, &by_id, 1, found, 8), 3);
	ck_assert_uint_eq (p11_find (s, &sign_true, 1, found, 8), 1);
	ck_assert_uint_eq (p11_attr_ulong (s, found[0], CKA_CLASS), CKO_PRIVATE_KEY);
	ck_assert_uint_eq (p11_find (s, none, 1, found, 8), 1);
	free (id);
	free (label);
}
END_TEST

START_TEST (test_find_state)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH), other = p11_open (SLOT_AUTH);
	CK_OBJECT_HANDLE found[8];
	CK_ULONG n = 99;

	ck_assert_rv (p11->C_FindObjects (s, found, 8, &n), CKR_OPERATION_NOT_INITIALIZED);
	ck_assert_rv (p11->C_FindObjectsFinal (s), CKR_OPERATION_NOT_INITIALIZED);
	ck_assert_rv (p11->C_FindObjectsInit (s, NULL, 0), CKR_OK);
	ck_assert_rv (p11->C_FindObjectsInit (s, NULL, 0), CKR_OPERATION_ACTIVE);
	/* Another session is independent. */
	ck_assert_uint_eq (p11_find (other, NULL, 0, found, 8), 3);
	ck_assert_rv (p11->C_FindObjects (s, found, 1, &n), CKR_OK);
	ck_assert_uint_eq (n, 1);
	ck_assert_rv (p11->C_FindObjects (s, found + 1, 8, &n), CKR_OK);
	ck_assert_uint_eq (n, 2);
	ck_assert_rv (p11->C_FindObjects (s, found, 8, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
	ck_assert_rv (p11->C_FindObjectsFinal (s), CKR_OK);
	ck_assert_rv (p11->C_FindObjects (s, found, 8, &n), CKR_OPERATION_NOT_INITIALIZED);
	ck_assert_rv (p11->C_FindObjectsFinal (s), CKR_OPERATION_NOT_INITIALIZED);
	ck_assert_rv (p11->C_FindObjectsInit (s, NULL, 1), CKR_ARGUMENTS_BAD);
}
END_TEST

/* A search by id or label matches what the module knows before it reads
 * anything: the CA certificate, which neither matches, stays unread. */
START_TEST (test_find_reads_only_what_matches)
{
	CK_SESSION_HANDLE s = p11_open (SLOT_AUTH);
	CK_BYTE id = 0x01;
	char label[] = "JPKI User Authentication Key";
	CK_ATTRIBUTE by_id = { CKA_ID, &id, 1 }, by_label = { CKA_LABEL, label, sizeof label - 1 };
	CK_OBJECT_HANDLE found[8];
	long reads = apdu_read_count ();

	ck_assert_uint_eq (p11_find (s, &by_id, 1, found, 8), 2);       /* certificate, public key */
	ck_assert_uint_eq (p11_find (s, &by_label, 1, found, 8), 1);    /* public key */
	ck_assert_int_eq (apdu_read_count (), reads);
}
END_TEST

TCase *
tcase_find (void)
{
	TCase *tc = tcase_new ("find");

	tcase_add_test (tc, test_find_templates);
	tcase_add_test (tc, test_find_reads_only_what_matches);
	tcase_add_test (tc, test_find_state);
	return tc;
}
