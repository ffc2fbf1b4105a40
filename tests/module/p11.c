/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "p11.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

CK_FUNCTION_LIST_PTR p11;
static bool initialized;

const CK_MECHANISM_TYPE all_mechs[5] = {
	CKM_RSA_PKCS, CKM_SHA1_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS,
	CKM_SHA512_RSA_PKCS,
};
const CK_MECHANISM_TYPE pss_mechs[2] = { CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS };

const char *
rv_name (CK_RV rv)
{
	switch (rv) {
#define RV(x) case x: return #x
	RV (CKR_OK);
	RV (CKR_HOST_MEMORY);
	RV (CKR_SLOT_ID_INVALID);
	RV (CKR_GENERAL_ERROR);
	RV (CKR_FUNCTION_FAILED);
	RV (CKR_ARGUMENTS_BAD);
	RV (CKR_ATTRIBUTE_SENSITIVE);
	RV (CKR_ATTRIBUTE_TYPE_INVALID);
	RV (CKR_ATTRIBUTE_VALUE_INVALID);
	RV (CKR_DATA_LEN_RANGE);
	RV (CKR_DEVICE_ERROR);
	RV (CKR_DEVICE_REMOVED);
	RV (CKR_FUNCTION_NOT_SUPPORTED);
	RV (CKR_KEY_HANDLE_INVALID);
	RV (CKR_KEY_TYPE_INCONSISTENT);
	RV (CKR_KEY_FUNCTION_NOT_PERMITTED);
	RV (CKR_MECHANISM_INVALID);
	RV (CKR_MECHANISM_PARAM_INVALID);
	RV (CKR_OBJECT_HANDLE_INVALID);
	RV (CKR_OPERATION_ACTIVE);
	RV (CKR_OPERATION_NOT_INITIALIZED);
	RV (CKR_PIN_INCORRECT);
	RV (CKR_PIN_INVALID);
	RV (CKR_PIN_LEN_RANGE);
	RV (CKR_PIN_LOCKED);
	RV (CKR_SESSION_COUNT);
	RV (CKR_SESSION_HANDLE_INVALID);
	RV (CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	RV (CKR_SESSION_READ_ONLY);
	RV (CKR_SIGNATURE_INVALID);
	RV (CKR_SIGNATURE_LEN_RANGE);
	RV (CKR_TEMPLATE_INCOMPLETE);
	RV (CKR_TEMPLATE_INCONSISTENT);
	RV (CKR_TOKEN_NOT_PRESENT);
	RV (CKR_TOKEN_NOT_RECOGNIZED);
	RV (CKR_TOKEN_WRITE_PROTECTED);
	RV (CKR_USER_ALREADY_LOGGED_IN);
	RV (CKR_USER_NOT_LOGGED_IN);
	RV (CKR_USER_PIN_NOT_INITIALIZED);
	RV (CKR_USER_TYPE_INVALID);
	RV (CKR_BUFFER_TOO_SMALL);
	RV (CKR_CRYPTOKI_NOT_INITIALIZED);
	RV (CKR_CRYPTOKI_ALREADY_INITIALIZED);
	RV (CKR_MUTEX_BAD);
	RV (CKR_MUTEX_NOT_LOCKED);
	RV (CKR_FUNCTION_NOT_PARALLEL);
	RV (CKR_RANDOM_NO_RNG);
	RV (CKR_SESSION_EXISTS);
#undef RV
	}
	return "CKR_?";
}

const char *
mech_name (CK_MECHANISM_TYPE mech)
{
	switch (mech) {
	case CKM_RSA_PKCS: return "CKM_RSA_PKCS";
	case CKM_SHA1_RSA_PKCS: return "CKM_SHA1_RSA_PKCS";
	case CKM_SHA256_RSA_PKCS: return "CKM_SHA256_RSA_PKCS";
	case CKM_SHA384_RSA_PKCS: return "CKM_SHA384_RSA_PKCS";
	case CKM_SHA512_RSA_PKCS: return "CKM_SHA512_RSA_PKCS";
	case CKM_RSA_PKCS_PSS: return "CKM_RSA_PKCS_PSS";
	case CKM_SHA256_RSA_PKCS_PSS: return "CKM_SHA256_RSA_PKCS_PSS";
	}
	return "CKM_?";
}

/* ------------------------------------------------------------------ */
/* Loading */

CK_FUNCTION_LIST_PTR
p11_load_module (const char *path)
{
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR list = NULL;
	void *dl = dlopen (path, RTLD_NOW | RTLD_LOCAL);

	if (dl == NULL) {
		fprintf (stderr, "cannot load %s: %s\n", path, dlerror ());
		exit (99);
	}
	get = (CK_C_GetFunctionList) dlsym (dl, "C_GetFunctionList");
	if (get == NULL || get (&list) != CKR_OK || list == NULL) {
		fprintf (stderr, "%s: no C_GetFunctionList\n", path);
		exit (99);
	}
	return list;
}

const char *
p11_module_path (void)
{
	static char path[4096];
	const char *env = getenv ("JPKI_MODULE");
	const char *build = getenv ("JPKI_BUILD_DIR");

	if (env != NULL && env[0] != '\0')
		return env;
	snprintf (path, sizeof path, "%s/module/jpki-pkcs11.so", build ? build : "build");
	return path;
}

void
p11_load (void)
{
	if (p11 == NULL)
		p11 = p11_load_module (p11_module_path ());
}

void
p11_setup (void)
{
	p11_load ();
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	initialized = true;
}

void
p11_teardown (void)
{
	/* Also after a failed assertion with CK_FORK=no: the next case starts
	 * from an uninitialised module. */
	if (p11 != NULL)
		p11->C_Finalize (NULL);
	initialized = false;
}

/* ------------------------------------------------------------------ */
/* Sessions and tokens */

CK_SESSION_HANDLE
p11_open (CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;

	ck_assert_rv (p11->C_OpenSession (slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	ck_assert_uint_ne (s, CK_INVALID_HANDLE);
	return s;
}

CK_RV
p11_login_rv (CK_SESSION_HANDLE s, const char *pin)
{
	return p11->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR) pin, strlen (pin));
}

void
p11_login (CK_SESSION_HANDLE s, const char *pin)
{
	ck_assert_rv (p11_login_rv (s, pin), CKR_OK);
}

CK_STATE
p11_state (CK_SESSION_HANDLE s)
{
	CK_SESSION_INFO info;

	memset (&info, 0xA5, sizeof info);
	ck_assert_rv (p11->C_GetSessionInfo (s, &info), CKR_OK);
	return info.state;
}

CK_TOKEN_INFO
p11_token_info (CK_SLOT_ID slot)
{
	CK_TOKEN_INFO info;

	memset (&info, 0xA5, sizeof info);
	ck_assert_rv (p11->C_GetTokenInfo (slot, &info), CKR_OK);
	return info;
}

CK_FLAGS
p11_token_flags (CK_SLOT_ID slot)
{
	return p11_token_info (slot).flags;
}

const char *
p11_text (const unsigned char *field, size_t size)
{
	static char text[257];

	if (size > sizeof text - 1)
		size = sizeof text - 1;
	memcpy (text, field, size);
	while (size > 0 && text[size - 1] == ' ')
		size--;
	text[size] = '\0';
	return text;
}

/* ------------------------------------------------------------------ */
/* Objects */

CK_ULONG
p11_find (CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *out,
          CK_ULONG max)
{
	CK_OBJECT_HANDLE batch[4];
	CK_ULONG total = 0, got;

	ck_assert_rv (p11->C_FindObjectsInit (s, tmpl, n), CKR_OK);
	/* Small batches, so that C_FindObjects is called several times. */
	do {
		got = 99;
		ck_assert_rv (p11->C_FindObjects (s, batch, 2, &got), CKR_OK);
		ck_assert_uint_le (got, 2);
		for (CK_ULONG i = 0; i < got; i++, total++)
			if (out != NULL && total < max)
				out[total] = batch[i];
		ck_assert_uint_lt (total, 64);
	} while (got > 0);
	ck_assert_rv (p11->C_FindObjectsFinal (s), CKR_OK);
	return total;
}

CK_ULONG
p11_count_class (CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls)
{
	CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof cls };

	return p11_find (s, &t, 1, NULL, 0);
}

CK_OBJECT_HANDLE
p11_find_one (CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls)
{
	CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof cls };
	CK_OBJECT_HANDLE h[4] = { 0 };
	CK_ULONG n = p11_find (s, &t, 1, h, 4);

	ck_assert_uint_le (n, 1);
	return n == 1 ? h[0] : CK_INVALID_HANDLE;
}

CK_OBJECT_HANDLE
p11_find_cert (CK_SESSION_HANDLE s, CK_ULONG category)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_CERTIFICATE_CATEGORY, &category, sizeof category },
	};
	CK_OBJECT_HANDLE h[4] = { 0 };
	CK_ULONG n = p11_find (s, t, 2, h, 4);

	ck_assert_uint_le (n, 1);
	return n == 1 ? h[0] : CK_INVALID_HANDLE;
}

CK_RV
p11_attr_rv (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
             unsigned char **value, CK_ULONG *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	*value = NULL;
	*len = 0;
	rv = p11->C_GetAttributeValue (s, o, &a, 1);
	if (rv != CKR_OK)
		return rv;
	ck_assert_uint_ne (a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_lt (a.ulValueLen, 1 << 20);
	a.pValue = calloc (1, a.ulValueLen + 1);
	ck_assert_ptr_nonnull (a.pValue);
	rv = p11->C_GetAttributeValue (s, o, &a, 1);
	if (rv != CKR_OK) {
		free (a.pValue);
		return rv;
	}
	*value = a.pValue;
	*len = a.ulValueLen;
	return CKR_OK;
}

unsigned char *
p11_attr (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, CK_ULONG *len)
{
	unsigned char *v;
	CK_ULONG l;

	ck_assert_msg (p11_attr_rv (s, o, type, &v, &l) == CKR_OK, "attribute 0x%lx of object %lu",
	               type, o);
	if (len != NULL)
		*len = l;
	return v;
}

/* A fixed-size attribute into value, which it must fill exactly. */
static void
attr_fixed (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, void *value,
            CK_ULONG size)
{
	CK_ATTRIBUTE a = { type, value, size };

	ck_assert_rv (p11->C_GetAttributeValue (s, o, &a, 1), CKR_OK);
	ck_assert_uint_eq (a.ulValueLen, size);
}

CK_ULONG
p11_attr_ulong (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG value = 0xA5A5A5A5;

	attr_fixed (s, o, type, &value, sizeof value);
	return value;
}

CK_BBOOL
p11_attr_bool (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL value = 0xA5;

	attr_fixed (s, o, type, &value, sizeof value);
	ck_assert_msg (value == CK_TRUE || value == CK_FALSE, "attribute 0x%lx: bool %u", type,
	               value);
	return value;
}

/* ------------------------------------------------------------------ */
/* Signing */

CK_RV
p11_sign_rv (CK_FUNCTION_LIST_PTR fl, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
             CK_MECHANISM_TYPE mech, const unsigned char *data, CK_ULONG len,
             unsigned char *sig, CK_ULONG *sig_len)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	CK_RV rv = fl->C_SignInit (s, &m, key);

	if (rv != CKR_OK)
		return rv;
	return fl->C_Sign (s, (CK_BYTE_PTR) data, len, sig, sig_len);
}

CK_RV
p11_sign_parts_rv (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mech,
                   const unsigned char *data, CK_ULONG len, unsigned char *sig,
                   CK_ULONG *sig_len)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	CK_ULONG cut1 = len / 3, cut2 = 2 * len / 3;
	CK_RV rv = p11->C_SignInit (s, &m, key);

	if (rv == CKR_OK)
		rv = p11->C_SignUpdate (s, (CK_BYTE_PTR) data, cut1);
	if (rv == CKR_OK)
		rv = p11->C_SignUpdate (s, (CK_BYTE_PTR) data + cut1, cut2 - cut1);
	if (rv == CKR_OK)
		rv = p11->C_SignUpdate (s, (CK_BYTE_PTR) data + cut2, len - cut2);
	if (rv == CKR_OK)
		rv = p11->C_SignFinal (s, sig, sig_len);
	return rv;
}
