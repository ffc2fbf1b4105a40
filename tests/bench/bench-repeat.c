/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-repeat MODULE TOKEN PIN COUNT: what a document signer does with
 * one login: C_Initialize, the token (slot:N, as a Java SunPKCS11
 * configuration names it, or label:TEXT), C_Login, COUNT SHA256-RSA-PKCS
 * signatures with its private key, C_Finalize.  pkcs11-tool signs once
 * per process.  Exit status 0 when every step worked. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR p11;

static int
fail (const char *what, CK_RV rv)
{
	fprintf (stderr, "bench-repeat: %s: 0x%lx\n", what, rv);
	return 1;
}

/* The slot whose token's label is label (blank-padded in the info). */
static CK_RV
find_slot (const char *label, CK_SLOT_ID *out)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	CK_RV rv = p11->C_GetSlotList (CK_TRUE, slots, &n);

	for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++) {
		CK_TOKEN_INFO info;
		size_t len = strlen (label);

		if (p11->C_GetTokenInfo (slots[i], &info) != CKR_OK || len > sizeof info.label)
			continue;
		if (memcmp (info.label, label, len) == 0 &&
		    (len == sizeof info.label || info.label[len] == ' ')) {
			*out = slots[i];
			return CKR_OK;
		}
	}
	return rv == CKR_OK ? CKR_TOKEN_NOT_PRESENT : rv;
}

static CK_RV
find_private_key (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *key)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &cls, sizeof cls };
	CK_ULONG n = 0;
	CK_RV rv = p11->C_FindObjectsInit (s, &tmpl, 1);

	if (rv == CKR_OK)
		rv = p11->C_FindObjects (s, key, 1, &n);
	if (rv == CKR_OK)
		rv = p11->C_FindObjectsFinal (s);
	return rv == CKR_OK && n != 1 ? CKR_KEY_HANDLE_INVALID : rv;
}

static int
sign_many (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, int count)
{
	CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	unsigned char data[] = "e-Tax attachment", sig[512];

	for (int i = 0; i < count; i++) {
		CK_ULONG sig_len = sizeof sig;
		CK_RV rv = p11->C_SignInit (s, &mech, key);

		data[0] = (unsigned char) ('a' + i % 26);
		if (rv == CKR_OK)
			rv = p11->C_Sign (s, data, sizeof data - 1, sig, &sig_len);
		if (rv != CKR_OK)
			return fail ("C_Sign", rv);
	}
	return 0;
}

int
main (int argc, char **argv)
{
	CK_RV (*get_list) (CK_FUNCTION_LIST_PTR_PTR);
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_SLOT_ID slot = 0;
	void *lib;
	CK_RV rv = CKR_OK;
	int status;

	if (argc != 5) {
		fprintf (stderr, "usage: bench-repeat MODULE slot:N|label:TEXT PIN COUNT\n");
		return 2;
	}
	lib = dlopen (argv[1], RTLD_NOW);
	get_list = lib != NULL ? (CK_RV (*) (CK_FUNCTION_LIST_PTR_PTR)) dlsym (lib, "C_GetFunctionList") : NULL;
	if (get_list == NULL || get_list (&p11) != CKR_OK)
		return fail (dlerror () != NULL ? "dlopen" : "C_GetFunctionList", 0);
	if ((rv = p11->C_Initialize (NULL)) != CKR_OK)
		return fail ("C_Initialize", rv);
	if (strncmp (argv[2], "slot:", 5) == 0)
		slot = strtoul (argv[2] + 5, NULL, 10);
	else if (strncmp (argv[2], "label:", 6) != 0 || (rv = find_slot (argv[2] + 6, &slot)) != CKR_OK)
		return fail ("no such token", rv);
	if ((rv = p11->C_OpenSession (slot, CKF_SERIAL_SESSION, NULL, NULL, &s)) != CKR_OK)
		return fail ("C_OpenSession", rv);
	rv = p11->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR) argv[3], strlen (argv[3]));
	if (rv != CKR_OK)
		return fail ("C_Login", rv);
	if ((rv = find_private_key (s, &key)) != CKR_OK)
		return fail ("private key", rv);
	status = sign_many (s, key, atoi (argv[4]));
	p11->C_Finalize (NULL);
	return status;
}
