/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "p11.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

CK_FUNCTION_LIST_PTR p11;
static bool initialized;

const CK_MECHANISM_TYPE all_mechs[5] = {
	CKM_RSA_PKCS, CKM_SHA1_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS,
	CKM_SHA512_RSA_PKCS,
};

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

CK_ULONG
p11_attr_ulong (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG value = 0xA5A5A5A5;
	CK_ATTRIBUTE a = { type, &value, sizeof value };

	ck_assert_rv (p11->C_GetAttributeValue (s, o, &a, 1), CKR_OK);
	ck_assert_uint_eq (a.ulValueLen, sizeof value);
	return value;
}

CK_BBOOL
p11_attr_bool (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL value = 0xA5;
	CK_ATTRIBUTE a = { type, &value, sizeof value };

	ck_assert_rv (p11->C_GetAttributeValue (s, o, &a, 1), CKR_OK);
	ck_assert_uint_eq (a.ulValueLen, sizeof value);
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

/* ------------------------------------------------------------------ */
/* The virtual card */

static const char *
env_or_empty (const char *name)
{
	const char *v = getenv (name);
	return v ? v : "";
}

bool
card_present (void)
{
	return env_or_empty ("JPKI_VCARD_PROFILE")[0] != '\0';
}

const char *
card_pin (enum key key)
{
	return env_or_empty (key == KEY_AUTH ? "JPKI_AUTH_PIN" : "JPKI_SIGN_PIN");
}

const char *
card_wrong_pin (enum key key)
{
	static char pin[32];
	const char *right = card_pin (key);
	size_t n = strlen (right);
	char *last;

	ck_assert_uint_gt (n, 0);
	ck_assert_uint_lt (n, sizeof pin);
	memcpy (pin, right, n + 1);
	last = &pin[n - 1];
	if (*last >= '0' && *last <= '9')
		*last = (char) ('0' + (*last - '0' + 1) % 10);
	else if (*last >= 'A' && *last <= 'Z')
		*last = (char) ('A' + (*last - 'A' + 1) % 26);
	else
		ck_abort_msg ("unexpected PIN character");
	return pin;
}

/* Calls fn for each command line's hex; the number of lines fn accepts. */
static long
apdu_scan (bool (*fn) (const char *hex))
{
	const char *path = env_or_empty ("JPKI_VCARD_APDU_LOG");
	char line[8192];
	long n = 0;
	FILE *f;

	ck_assert_msg (path[0] != '\0', "JPKI_VCARD_APDU_LOG not set");
	f = fopen (path, "r");
	if (f == NULL)
		return 0;   /* the card has not written anything yet */
	while (fgets (line, sizeof line, f) != NULL) {
		const char *c = strstr (line, " C ");
		if (c != NULL && fn (c + 3))
			n++;
	}
	fclose (f);
	return n;
}

static bool
any_command (const char *hex)
{
	(void) hex;
	return true;
}

static bool
verify_with_pin (const char *hex)
{
	size_t len = strcspn (hex, " \r\n");
	return strncmp (hex, "00200080", 8) == 0 && len > 8;
}

long
apdu_count (void)
{
	return apdu_scan (any_command);
}

long
apdu_verify_count (void)
{
	return apdu_scan (verify_with_pin);
}

static bool
read_binary (const char *hex)
{
	return strncmp (hex, "00B0", 4) == 0;
}

long
apdu_read_count (void)
{
	return apdu_scan (read_binary);
}

int
tries_read (enum key key)
{
	char path[4096], text[32] = "";
	FILE *f;
	char *end;
	long v;

	snprintf (path, sizeof path, "%s/state/%s-tries", env_or_empty ("JPKI_VCARD_PROFILE"),
	          key == KEY_AUTH ? "auth" : "sign");
	f = fopen (path, "r");
	if (f == NULL)
		return -1;
	if (fgets (text, sizeof text, f) == NULL)
		text[0] = '\0';
	fclose (f);
	v = strtol (text, &end, 10);
	if (end == text)
		return -1;
	return (int) v;
}

int
raw_sign (const char *fid)
{
	char prog[4096], cmd[4200], out[64] = "";
	const char *env = getenv ("JPKI_RAW_SIGN");
	unsigned sw = 0;
	FILE *p;

	if (env != NULL && env[0] != '\0')
		snprintf (prog, sizeof prog, "%s", env);
	else
		snprintf (prog, sizeof prog, "%s/tests/module/raw-sign", env_or_empty ("JPKI_BUILD_DIR"));
	snprintf (cmd, sizeof cmd, "'%s' %s", prog, fid);
	p = popen (cmd, "r");
	ck_assert_ptr_nonnull (p);
	if (fgets (out, sizeof out, p) == NULL)
		out[0] = '\0';
	pclose (p);
	if (sscanf (out, "%4x", &sw) != 1)
		return -1;
	return (int) sw;
}

/* ------------------------------------------------------------------ */
/* Certificates and signatures */

X509 *
cert_load (const char *name)
{
	char path[4096];
	X509 *x;
	FILE *f;

	snprintf (path, sizeof path, "%s/%s", env_or_empty ("JPKI_VCARD_PROFILE"), name);
	f = fopen (path, "r");
	if (f == NULL)
		return NULL;
	x = PEM_read_X509 (f, NULL, NULL, NULL);
	fclose (f);
	return x;
}

unsigned char *
cert_der (const char *name, size_t *len)
{
	X509 *x = cert_load (name);
	unsigned char *der = NULL;
	int n;

	ck_assert_msg (x != NULL, "cannot read %s from the profile", name);
	n = i2d_X509 (x, &der);
	X509_free (x);
	ck_assert_int_gt (n, 0);
	*len = (size_t) n;
	return der;
}

unsigned char *
cert_modulus (const char *name, size_t *len)
{
	X509 *x = cert_load (name);
	BIGNUM *n = NULL;
	unsigned char *out;

	ck_assert_ptr_nonnull (x);
	ck_assert (EVP_PKEY_get_bn_param (X509_get0_pubkey (x), OSSL_PKEY_PARAM_RSA_N, &n) == 1);
	*len = (size_t) BN_num_bytes (n);
	out = malloc (*len);
	ck_assert_ptr_nonnull (out);
	BN_bn2bin (n, out);
	BN_free (n);
	X509_free (x);
	return out;
}

static const EVP_MD *
mech_md (CK_MECHANISM_TYPE mech)
{
	switch (mech) {
	case CKM_SHA1_RSA_PKCS: return EVP_sha1 ();
	case CKM_SHA256_RSA_PKCS: return EVP_sha256 ();
	case CKM_SHA384_RSA_PKCS: return EVP_sha384 ();
	case CKM_SHA512_RSA_PKCS: return EVP_sha512 ();
	}
	return NULL;
}

bool
sig_verify (const char *cert_name, CK_MECHANISM_TYPE mech, const unsigned char *data,
            size_t len, const unsigned char *sig, size_t sig_len)
{
	X509 *x = cert_load (cert_name);
	EVP_PKEY *key;
	bool ok = false;

	if (x == NULL)
		return false;
	key = X509_get0_pubkey (x);
	if (key == NULL || sig_len != SIG_LEN)
		goto out;
	if (mech == CKM_RSA_PKCS) {
		unsigned char rec[SIG_LEN];
		size_t rec_len = sizeof rec;
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new (key, NULL);
		ok = ctx != NULL && EVP_PKEY_verify_recover_init (ctx) == 1 &&
		     EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) == 1 &&
		     EVP_PKEY_verify_recover (ctx, rec, &rec_len, sig, sig_len) == 1 &&
		     rec_len == len && memcmp (rec, data, len) == 0;
		EVP_PKEY_CTX_free (ctx);
	} else {
		EVP_MD_CTX *md = EVP_MD_CTX_new ();
		ok = md != NULL && mech_md (mech) != NULL &&
		     EVP_DigestVerifyInit (md, NULL, mech_md (mech), NULL, key) == 1 &&
		     EVP_DigestVerify (md, sig, sig_len, data, len) == 1;
		EVP_MD_CTX_free (md);
	}
out:
	X509_free (x);
	return ok;
}
