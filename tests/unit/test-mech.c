/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Mechanism table, DigestInfo, raw and PSS input (the signature check:
 * test-sig-check.c).  Expected DigestInfos are built from RFC 8017's prefixes (section 9.2,
 * note 1) and the FIPS 180 "abc" test vectors, not from OpenSSL. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-fail.h"
#include "card-input.h"
#include "mech.h"

/* The card's mechanisms without PSS, then the two PSS ones. */
static const CK_MECHANISM_TYPE expected_list[] = {
	CKM_RSA_PKCS, CKM_SHA1_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS,
	CKM_SHA512_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS,
};
#define PSS_COUNT 2
#define EXPECTED_COUNT (sizeof expected_list / sizeof expected_list[0])
/* _i of the table tests: 0 without PSS, 1 with. */
#define COUNT_FOR(with_pss) ((with_pss) ? EXPECTED_COUNT : EXPECTED_COUNT - PSS_COUNT)

struct vector {
	CK_MECHANISM_TYPE type;
	const char *prefix;   /* RFC 8017 DigestInfo prefix, hex */
	const char *abc_hash; /* FIPS 180 hash of "abc", hex */
};

static const struct vector vectors[] = {
	{ CKM_SHA1_RSA_PKCS,
	  "3021300906052b0e03021a05000414",
	  "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ CKM_SHA256_RSA_PKCS,
	  "3031300d060960864801650304020105000420",
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ CKM_SHA384_RSA_PKCS,
	  "3041300d060960864801650304020205000430",
	  "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
	  "8086072ba1e7cc2358baeca134c825a7" },
	{ CKM_SHA512_RSA_PKCS,
	  "3051300d060960864801650304020305000440",
	  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
};
#define VECTOR_COUNT (sizeof vectors / sizeof vectors[0])

static size_t
unhex (const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen (hex) / 2;
	size_t i;

	ck_assert_uint_le (n, cap);
	for (i = 0; i < n; i++) {
		unsigned int byte;

		ck_assert_int_eq (sscanf (hex + 2 * i, "%2x", &byte), 1);
		out[i] = (uint8_t) byte;
	}
	return n;
}

/* prefix || hash of "abc" */
static size_t
expected_digest_info (const struct vector *v, uint8_t *out, size_t cap)
{
	size_t n = unhex (v->prefix, out, cap);

	return n + unhex (v->abc_hash, out + n, cap - n);
}

/* Mechanism list and info, without PSS (_i 0) and with (_i 1). */

START_TEST (list_count)
{
	CK_ULONG count = 12345;

	ck_assert_int_eq (mech_list (NULL, &count, _i), CKR_OK);
	ck_assert_uint_eq (count, COUNT_FOR (_i));
	ck_assert_int_eq (mech_list (NULL, NULL, _i), CKR_ARGUMENTS_BAD);
}
END_TEST

START_TEST (list_too_small)
{
	CK_MECHANISM_TYPE list[EXPECTED_COUNT];
	CK_ULONG count = COUNT_FOR (_i) - 1;

	memset (list, 0xEE, sizeof list);
	ck_assert_int_eq (mech_list (list, &count, _i), CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (count, COUNT_FOR (_i));
	count = 0;
	ck_assert_int_eq (mech_list (list, &count, _i), CKR_BUFFER_TOO_SMALL);
	ck_assert_uint_eq (count, COUNT_FOR (_i));
}
END_TEST

START_TEST (list_contents)
{
	CK_MECHANISM_TYPE list[EXPECTED_COUNT + 2];
	CK_ULONG count = COUNT_FOR (_i);
	size_t i;

	memset (list, 0xEE, sizeof list);
	ck_assert_int_eq (mech_list (list, &count, _i), CKR_OK);
	ck_assert_uint_eq (count, COUNT_FOR (_i));
	for (i = 0; i < COUNT_FOR (_i); i++)
		ck_assert_uint_eq (list[i], expected_list[i]);
	/* Nothing written past the count. */
	ck_assert_uint_eq (list[COUNT_FOR (_i)], (CK_MECHANISM_TYPE) 0xEEEEEEEEEEEEEEEEULL);

	/* A larger buffer gets the true count. */
	count = EXPECTED_COUNT + 2;
	ck_assert_int_eq (mech_list (list, &count, _i), CKR_OK);
	ck_assert_uint_eq (count, COUNT_FOR (_i));
}
END_TEST

START_TEST (info_rows)
{
	CK_MECHANISM_INFO info;
	size_t i;

	for (i = 0; i < EXPECTED_COUNT; i++) {
		const struct mech_row *row = mech_find (expected_list[i], _i);

		if (i >= COUNT_FOR (_i)) {
			ck_assert_ptr_null (row);
			continue;
		}
		ck_assert_ptr_nonnull (row);
		ck_assert_uint_eq (row->type, expected_list[i]);
		memset (&info, 0xEE, sizeof info);
		mech_info (row, &info);
		ck_assert_uint_eq (info.ulMinKeySize, 2048);
		ck_assert_uint_eq (info.ulMaxKeySize, 2048);
		ck_assert_uint_eq (info.flags, CKF_SIGN | CKF_HW);
		ck_assert_uint_eq (info.flags & (CKF_DECRYPT | CKF_VERIFY | CKF_ENCRYPT |
		                                 CKF_VERIFY_RECOVER | CKF_SIGN_RECOVER), 0);
	}
	ck_assert_ptr_null (mech_find (CKM_RSA_PKCS, _i)->digest);
	ck_assert_str_eq (mech_find (CKM_SHA256_RSA_PKCS, _i)->digest, "SHA256");
	ck_assert_int_eq (mech_find (CKM_SHA256_RSA_PKCS, _i)->padding, MECH_PKCS1);
	if (_i) {
		ck_assert_ptr_null (mech_find (CKM_RSA_PKCS_PSS, _i)->digest);
		ck_assert_int_eq (mech_find (CKM_RSA_PKCS_PSS, _i)->padding, MECH_PSS);
		ck_assert_str_eq (mech_find (CKM_SHA256_RSA_PKCS_PSS, _i)->digest, "SHA256");
		ck_assert_int_eq (mech_find (CKM_SHA256_RSA_PKCS_PSS, _i)->padding, MECH_PSS);
	}
	ck_assert_ptr_null (mech_find (CKM_RSA_X_509, _i));
	ck_assert_ptr_null (mech_find (CKM_SHA1_RSA_PKCS_PSS, _i));
	ck_assert_ptr_null (mech_find (CKM_SHA384_RSA_PKCS_PSS, _i));
	ck_assert_ptr_null (mech_find (CKM_MD5_RSA_PKCS, _i));
	ck_assert_ptr_null (mech_find (CKM_SHA224_RSA_PKCS, _i));
}
END_TEST

/* C_SignInit's parameters: one row per case. */
enum param_shape {
	PARAM_NONE,           /* NULL, 0 */
	PARAM_PSS,            /* a CK_RSA_PKCS_PSS_PARAMS, its size */
	PARAM_PSS_SHORT,      /* a CK_RSA_PKCS_PSS_PARAMS, one byte short */
	PARAM_PSS_LONG,       /* a CK_RSA_PKCS_PSS_PARAMS, one byte more */
	PARAM_NULL_WITH_LEN,  /* NULL, the size of CK_RSA_PKCS_PSS_PARAMS */
	PARAM_BYTES,          /* 4 other bytes */
};

static const struct param_case {
	CK_MECHANISM_TYPE type;
	enum param_shape shape;
	CK_MECHANISM_TYPE hash;
	CK_RSA_PKCS_MGF_TYPE mgf;
	CK_ULONG salt;
	CK_RV rv;
} param_cases[] = {
	{ CKM_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32, CKR_OK },
	{ CKM_SHA256_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32, CKR_OK },
	{ CKM_RSA_PKCS_PSS, PARAM_NONE, 0, 0, 0, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_SHA256_RSA_PKCS_PSS, PARAM_NONE, 0, 0, 0, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_RSA_PKCS_PSS, PARAM_NULL_WITH_LEN, 0, 0, 0, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_RSA_PKCS_PSS, PARAM_PSS_SHORT, CKM_SHA256, CKG_MGF1_SHA256, 32, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_SHA256_RSA_PKCS_PSS, PARAM_PSS_LONG, CKM_SHA256, CKG_MGF1_SHA256, 32, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_RSA_PKCS_PSS, PARAM_BYTES, 0, 0, 0, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA_1, CKG_MGF1_SHA256, 32, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA384, CKG_MGF1_SHA384, 48, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_SHA256_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA512, CKG_MGF1_SHA256, 32, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA256, CKG_MGF1_SHA1, 32, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_SHA256_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA256, CKG_MGF1_SHA384, 32, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA256, CKG_MGF1_SHA256, 0, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA256, CKG_MGF1_SHA256, 20, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_SHA256_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA256, CKG_MGF1_SHA256, 31, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_SHA256_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA256, CKG_MGF1_SHA256, 33, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_SHA256_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA256, CKG_MGF1_SHA256, 222, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_RSA_PKCS_PSS, PARAM_PSS, CKM_SHA256, 0, 32, CKR_MECHANISM_PARAM_INVALID },
	/* PKCS#1 v1.5 takes none. */
	{ CKM_RSA_PKCS, PARAM_NONE, 0, 0, 0, CKR_OK },
	{ CKM_SHA256_RSA_PKCS, PARAM_NONE, 0, 0, 0, CKR_OK },
	{ CKM_SHA256_RSA_PKCS, PARAM_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_SHA1_RSA_PKCS, PARAM_BYTES, 0, 0, 0, CKR_MECHANISM_PARAM_INVALID },
	{ CKM_RSA_PKCS, PARAM_NULL_WITH_LEN, 0, 0, 0, CKR_MECHANISM_PARAM_INVALID },
};
#define PARAM_CASES (int) (sizeof param_cases / sizeof param_cases[0])

START_TEST (param_checks)
{
	const struct param_case *c = &param_cases[_i];
	/* In a larger buffer, so that the one-byte-long case reads nothing past it. */
	struct {
		CK_RSA_PKCS_PSS_PARAMS pss;
		CK_BYTE spare[8];
	} buf;
	CK_BYTE bytes[4] = { 1, 2, 3, 4 };
	CK_VOID_PTR param = NULL;
	CK_ULONG len = 0;

	memset (&buf, 0, sizeof buf);
	buf.pss.hashAlg = c->hash;
	buf.pss.mgf = c->mgf;
	buf.pss.sLen = c->salt;
	switch (c->shape) {
	case PARAM_NONE: break;
	case PARAM_PSS: param = &buf.pss; len = sizeof buf.pss; break;
	case PARAM_PSS_SHORT: param = &buf.pss; len = sizeof buf.pss - 1; break;
	case PARAM_PSS_LONG: param = &buf.pss; len = sizeof buf.pss + 1; break;
	case PARAM_NULL_WITH_LEN: len = sizeof buf.pss; break;
	case PARAM_BYTES: param = bytes; len = sizeof bytes; break;
	}
	ck_assert_msg (mech_check_params (mech_find (c->type, true), param, len) == c->rv,
	               "case %d: mechanism 0x%lx", _i, c->type);
}
END_TEST

/* The user's switch: module option, then the environment over it. */
START_TEST (pss_switch)
{
	static const struct {
		const char *reserved;
		bool ok;
		enum mech_pss_choice choice;
	} options[] = {
		{ NULL, true, MECH_PSS_AUTO }, { "", true, MECH_PSS_AUTO },
		{ "pss=off", true, MECH_PSS_OFF }, { "pss=on", true, MECH_PSS_ON },
		{ "pss=OFF", true, MECH_PSS_OFF }, { "pss=0", true, MECH_PSS_OFF },
		{ "pss=no", true, MECH_PSS_OFF }, { "pss=yes", true, MECH_PSS_ON },
		{ "pss=", false, MECH_PSS_AUTO }, { "pss=maybe", false, MECH_PSS_AUTO },
		{ "pss = off", false, MECH_PSS_AUTO }, { "PSS=off", false, MECH_PSS_AUTO },
		{ "salt=20", false, MECH_PSS_AUTO }, { "pss=off,pss=on", false, MECH_PSS_AUTO },
	};
	size_t i;

	unsetenv ("JPKI_PKCS11_PSS");
	for (i = 0; i < sizeof options / sizeof options[0]; i++) {
		ck_assert_msg (mech_configure (options[i].reserved) == options[i].ok, "option %zu", i);
		ck_assert_msg (mech_pss_choice () == options[i].choice, "option %zu", i);
	}
	ck_assert (mech_configure ("pss=on"));
	setenv ("JPKI_PKCS11_PSS", "off", 1);
	ck_assert_int_eq (mech_pss_choice (), MECH_PSS_OFF);
	ck_assert (mech_configure ("pss=off"));
	setenv ("JPKI_PKCS11_PSS", "on", 1);
	ck_assert_int_eq (mech_pss_choice (), MECH_PSS_ON);
	setenv ("JPKI_PKCS11_PSS", "TRUE", 1);
	ck_assert_int_eq (mech_pss_choice (), MECH_PSS_ON);
	/* Something the user set but we do not understand: off. */
	setenv ("JPKI_PKCS11_PSS", "perhaps", 1);
	ck_assert_int_eq (mech_pss_choice (), MECH_PSS_OFF);
	ck_assert (mech_configure (NULL));
	ck_assert_int_eq (mech_pss_choice (), MECH_PSS_OFF);
	/* Empty is unset. */
	setenv ("JPKI_PKCS11_PSS", "", 1);
	ck_assert_int_eq (mech_pss_choice (), MECH_PSS_AUTO);
	ck_assert (mech_configure ("pss=off"));
	ck_assert_int_eq (mech_pss_choice (), MECH_PSS_OFF);
	unsetenv ("JPKI_PKCS11_PSS");
	ck_assert (mech_configure (NULL));
}
END_TEST

/* DigestInfo. */

START_TEST (digest_info_abc)
{
	const struct vector *v = &vectors[_i];
	uint8_t expect[128];
	uint8_t out[JPKI_RSA_BYTES];
	size_t expect_len = expected_digest_info (v, expect, sizeof expect);
	size_t out_len = 0;

	ck_assert_int_eq (card_input_of (v->type, "abc", 3, out, &out_len), CKR_OK);
	ck_assert_uint_eq (out_len, expect_len);
	ck_assert_mem_eq (out, expect, expect_len);
}
END_TEST

START_TEST (digest_info_multipart)
{
	const struct vector *v = &vectors[_i];
	uint8_t message[1000];
	uint8_t whole[JPKI_RSA_BYTES], parts[JPKI_RSA_BYTES], abc[JPKI_RSA_BYTES];
	uint8_t expect[128];
	size_t whole_len = 0, parts_len = 0, abc_len = 0, expect_len;
	struct sign_op op;
	size_t i;

	for (i = 0; i < sizeof message; i++)
		message[i] = (uint8_t) (i * 31 + 3);
	ck_assert_int_eq (card_input_of (v->type, message, sizeof message, whole, &whole_len), CKR_OK);

	memset (&op, 0, sizeof op);
	ck_assert_int_eq (sign_op_init (&op, mech_find (v->type, true)), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, message, 1), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, message + 1, 0), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, NULL, 0), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, message + 1, 500), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, message + 501, 499), CKR_OK);
	ck_assert_int_eq (sign_op_card_input (&op, parts, &parts_len), CKR_OK);
	ck_assert_uint_eq (parts_len, whole_len);
	ck_assert_mem_eq (parts, whole, whole_len);
	/* Asking again gives the same bytes. */
	memset (parts, 0, sizeof parts);
	ck_assert_int_eq (sign_op_card_input (&op, parts, &parts_len), CKR_OK);
	ck_assert_mem_eq (parts, whole, whole_len);
	sign_op_clear (&op);

	/* Asking midway leaves the running hash alone. */
	memset (&op, 0, sizeof op);
	ck_assert_int_eq (sign_op_init (&op, mech_find (v->type, true)), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, message, 300), CKR_OK);
	ck_assert_int_eq (sign_op_card_input (&op, parts, &parts_len), CKR_OK);
	ck_assert_mem_ne (parts, whole, whole_len);
	ck_assert_int_eq (sign_op_update (&op, message + 300, 700), CKR_OK);
	ck_assert_int_eq (sign_op_card_input (&op, parts, &parts_len), CKR_OK);
	ck_assert_uint_eq (parts_len, whole_len);
	ck_assert_mem_eq (parts, whole, whole_len);
	sign_op_clear (&op);

	/* "a" "b" "c" in three parts against the published vector. */
	memset (&op, 0, sizeof op);
	ck_assert_int_eq (sign_op_init (&op, mech_find (v->type, true)), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, (const uint8_t *) "a", 1), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, (const uint8_t *) "b", 1), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, (const uint8_t *) "c", 1), CKR_OK);
	ck_assert_int_eq (sign_op_card_input (&op, abc, &abc_len), CKR_OK);
	sign_op_clear (&op);
	expect_len = expected_digest_info (v, expect, sizeof expect);
	ck_assert_uint_eq (abc_len, expect_len);
	ck_assert_mem_eq (abc, expect, expect_len);
	/* And a different message gives a different DigestInfo. */
	ck_assert_mem_ne (abc, whole, expect_len);
}
END_TEST

/* Raw CKM_RSA_PKCS input. */

/* Each length in turn refused with CKR_DATA_LEN_RANGE, out_len left alone. */
static void
assert_lengths_refused (CK_MECHANISM_TYPE type, const uint8_t *data, const size_t *lens, size_t count)
{
	uint8_t out[JPKI_RSA_BYTES];
	size_t out_len = 77;
	size_t i;

	for (i = 0; i < count; i++) {
		ck_assert_msg (card_input_of (type, data, lens[i], out, &out_len) == CKR_DATA_LEN_RANGE,
		               "mechanism 0x%lx, %zu bytes", type, lens[i]);
		ck_assert_uint_eq (out_len, 77);
	}
}

START_TEST (raw_limits)
{
	uint8_t data[300];
	uint8_t out[JPKI_RSA_BYTES];
	size_t out_len;
	size_t i;

	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t) (255 - i);

	out_len = 0;
	ck_assert_int_eq (card_input_of (CKM_RSA_PKCS, data, 245, out, &out_len), CKR_OK);
	ck_assert_uint_eq (out_len, 245);
	ck_assert_mem_eq (out, data, 245);

	out_len = 0;
	ck_assert_int_eq (card_input_of (CKM_RSA_PKCS, data, 1, out, &out_len), CKR_OK);
	ck_assert_uint_eq (out_len, 1);
	ck_assert_uint_eq (out[0], 255);

	assert_lengths_refused (CKM_RSA_PKCS, data, (const size_t[]) { 246, 300, 0 }, 3);
}
END_TEST

START_TEST (raw_multipart)
{
	uint8_t data[300];
	uint8_t out[JPKI_RSA_BYTES];
	size_t out_len = 0;
	struct sign_op op;
	size_t i;

	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t) (i ^ 0x5A);

	/* 200 + 45 fits exactly. */
	ck_assert_int_eq (card_input_in_two (CKM_RSA_PKCS, data, 200, 245, out, &out_len), CKR_OK);
	ck_assert_uint_eq (out_len, 245);
	ck_assert_mem_eq (out, data, 245);

	/* 200 + 46: updates accept, the end refuses, even after more data. */
	memset (&op, 0, sizeof op);
	ck_assert_int_eq (sign_op_init (&op, mech_find (CKM_RSA_PKCS, true)), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, data, 200), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, data + 200, 46), CKR_OK);
	ck_assert (op.too_long);
	ck_assert_int_eq (sign_op_update (&op, data, 1), CKR_OK);
	ck_assert_int_eq (sign_op_card_input (&op, out, &out_len), CKR_DATA_LEN_RANGE);
	sign_op_clear (&op);

	/* A huge length must not wrap around the limit check. */
	memset (&op, 0, sizeof op);
	ck_assert_int_eq (sign_op_init (&op, mech_find (CKM_RSA_PKCS, true)), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, data, 10), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, data, SIZE_MAX - 5), CKR_OK);
	ck_assert_int_eq (sign_op_card_input (&op, out, &out_len), CKR_DATA_LEN_RANGE);
	sign_op_clear (&op);
}
END_TEST

/* PSS input: the SHA-256 hash, the host's or exactly 32 bytes of the caller's. */
START_TEST (pss_input)
{
	const struct vector *sha256 = &vectors[1];
	uint8_t hash[32], data[300], out[JPKI_RSA_BYTES], parts[JPKI_RSA_BYTES];
	size_t out_len = 0, parts_len = 0, i;

	ck_assert_uint_eq (sha256->type, CKM_SHA256_RSA_PKCS);
	ck_assert_uint_eq (unhex (sha256->abc_hash, hash, sizeof hash), 32);
	ck_assert_int_eq (card_input_of (CKM_SHA256_RSA_PKCS_PSS, "abc", 3, out, &out_len), CKR_OK);
	ck_assert_uint_eq (out_len, 32);
	ck_assert_mem_eq (out, hash, 32);

	ck_assert_int_eq (card_input_in_two (CKM_SHA256_RSA_PKCS_PSS, "abc", 1, 3, parts, &parts_len),
	                  CKR_OK);
	ck_assert_uint_eq (parts_len, 32);
	ck_assert_mem_eq (parts, hash, 32);

	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t) (i * 13);
	out_len = 0;
	ck_assert_int_eq (card_input_of (CKM_RSA_PKCS_PSS, data, 32, out, &out_len), CKR_OK);
	ck_assert_uint_eq (out_len, 32);
	ck_assert_mem_eq (out, data, 32);
	/* 20: a SHA-1 hash is not what the card signs. */
	assert_lengths_refused (CKM_RSA_PKCS_PSS, data, (const size_t[]) { 31, 33, 0, 300, 20 }, 5);

	/* 16 + 16 in two parts is 32. */
	ck_assert_int_eq (card_input_in_two (CKM_RSA_PKCS_PSS, data, 16, 32, parts, &parts_len), CKR_OK);
	ck_assert_uint_eq (parts_len, 32);
	ck_assert_mem_eq (parts, data, 32);
}
END_TEST

START_TEST (op_lifecycle)
{
	struct sign_op op;
	uint8_t out[JPKI_RSA_BYTES];
	size_t out_len;

	memset (&op, 0, sizeof op);
	sign_op_clear (&op);
	sign_op_clear (&op);
	ck_assert_int_eq (sign_op_update (&op, out, 1), CKR_OPERATION_NOT_INITIALIZED);
	ck_assert_int_eq (sign_op_card_input (&op, out, &out_len), CKR_OPERATION_NOT_INITIALIZED);

	ck_assert_int_eq (sign_op_init (&op, NULL), CKR_MECHANISM_INVALID);
	ck_assert_ptr_null (op.mech);
	ck_assert_ptr_null (op.md);

	ck_assert_int_eq (sign_op_init (&op, mech_find (CKM_SHA256_RSA_PKCS, true)), CKR_OK);
	ck_assert_ptr_nonnull (op.md);
	ck_assert_int_eq (sign_op_update (&op, NULL, 5), CKR_ARGUMENTS_BAD);
	ck_assert_int_eq (sign_op_card_input (&op, NULL, &out_len), CKR_ARGUMENTS_BAD);
	sign_op_clear (&op);
	ck_assert_ptr_null (op.md);
	ck_assert_ptr_null (op.mech);
	sign_op_clear (&op);

	/* Raw data is wiped by clear. */
	ck_assert_int_eq (sign_op_init (&op, mech_find (CKM_RSA_PKCS, true)), CKR_OK);
	ck_assert_int_eq (sign_op_update (&op, (const uint8_t *) "secret", 6), CKR_OK);
	sign_op_clear (&op);
	ck_assert_uint_eq (op.raw_len, 0);
	ck_assert_uint_eq (op.raw[0], 0);
	ck_assert_uint_eq (op.raw[5], 0);
}
END_TEST

/* Every allocation in turn fails: an error and no leak (ASan, valgrind),
 * until the DigestInfo comes out right. */
START_TEST (digest_info_allocation_failures)
{
	const struct vector *v = &vectors[_i];
	uint8_t expect[128], out[JPKI_RSA_BYTES];
	size_t expect_len = expected_digest_info (v, expect, sizeof expect);
	size_t out_len = 0;
	struct sign_op op;
	CK_RV rv = CKR_GENERAL_ERROR;
	long n;

	/* OpenSSL's one-time set-up (providers, fetch cache) is not what is
	 * tested here, and does not survive failing allocations: do it first. */
	ck_assert_int_eq (card_input_of (v->type, "abc", 3, out, &out_len), CKR_OK);
	memset (out, 0, sizeof out);
	out_len = 0;
	for (n = 0; n < 100000 && rv != CKR_OK; n++) {
		memset (&op, 0, sizeof op);
		alloc_countdown = n;
		rv = sign_op_init (&op, mech_find (v->type, true));
		if (rv != CKR_OK) {
			/* A failed init leaves nothing to clear. */
			alloc_countdown = -1;
			ck_assert_ptr_null (op.md);
			ck_assert_ptr_null (op.mech);
			ck_assert_msg (rv == CKR_HOST_MEMORY || rv == CKR_FUNCTION_FAILED,
			               "allocation %ld: rv 0x%lx", n, rv);
			continue;
		}
		rv = sign_op_update (&op, (const uint8_t *) "abc", 3);
		if (rv == CKR_OK)
			rv = sign_op_card_input (&op, out, &out_len);
		alloc_countdown = -1;
		if (rv != CKR_OK)
			ck_assert_msg (rv == CKR_HOST_MEMORY || rv == CKR_FUNCTION_FAILED,
			               "allocation %ld: rv 0x%lx", n, rv);
		sign_op_clear (&op);
	}
	ck_assert_int_eq (rv, CKR_OK);
	ck_assert_int_gt (n, 2);
	ck_assert_uint_eq (out_len, expect_len);
	ck_assert_mem_eq (out, expect, expect_len);
}
END_TEST

static Suite *
mech_suite (void)
{
	Suite *s = suite_create ("mech");
	TCase *tc;

	tc = tcase_create ("table");
	tcase_add_loop_test (tc, list_count, 0, 2);
	tcase_add_loop_test (tc, list_too_small, 0, 2);
	tcase_add_loop_test (tc, list_contents, 0, 2);
	tcase_add_loop_test (tc, info_rows, 0, 2);
	tcase_add_loop_test (tc, param_checks, 0, PARAM_CASES);
	tcase_add_test (tc, pss_switch);
	suite_add_tcase (s, tc);

	tc = tcase_create ("input");
	tcase_add_loop_test (tc, digest_info_abc, 0, VECTOR_COUNT);
	tcase_add_loop_test (tc, digest_info_multipart, 0, VECTOR_COUNT);
	tcase_add_test (tc, raw_limits);
	tcase_add_test (tc, raw_multipart);
	tcase_add_test (tc, pss_input);
	tcase_add_test (tc, op_lifecycle);
	tcase_add_loop_test (tc, digest_info_allocation_failures, 0, VECTOR_COUNT);
	suite_add_tcase (s, tc);
	return s;
}

int
main (void)
{
	return alloc_fail_run_suite (mech_suite);
}
