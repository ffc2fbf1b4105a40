/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A card whose parts fail one at a time (with-card --file-fault FID:KIND,
 * the fault named again in $JPKI_TEST_FILE_FAULT): what depends on the
 * broken file is gone, everything else works, and the slot says "card
 * damaged" once the module has seen it. */
#include "test-module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What a broken EF takes away: objects per token before and after login
 * (out of 3 and 4 for auth, 1 and 4 for sign), whose key can still sign,
 * and which slots say so (auth, sign; after login for EF 0001). */
struct damage {
	const char *fid;
	const char *log_name;
	CK_ULONG objects[2][2];   /* [key][logged in] */
	bool signs[2];
	bool damaged[2];
};

static const struct damage damages[] = {
	{ "000A", "EF 000A", { { 1, 1 }, { 1, 4 } }, { false, true }, { true, false } },
	{ "000B", "EF 000B", { { 2, 3 }, { 1, 4 } }, { true, true }, { true, false } },
	{ "0001", "EF 0001", { { 3, 4 }, { 1, 1 } }, { true, false }, { false, true } },
	{ "0002", "EF 0002", { { 3, 4 }, { 0, 3 } }, { true, true }, { false, true } },
	{ "0006", "EF 0006", { { 3, 4 }, { 1, 4 } }, { true, true }, { true, true } },
	{ "0008", "EF 0008", { { 3, 4 }, { 1, 4 } }, { true, true }, { false, true } },
};

static const struct damage *
this_damage (void)
{
	const char *fault = getenv ("JPKI_TEST_FILE_FAULT");

	ck_assert_msg (fault != NULL, "JPKI_TEST_FILE_FAULT not set");
	for (size_t i = 0; i < sizeof damages / sizeof damages[0]; i++)
		if (strncmp (fault, damages[i].fid, 4) == 0 && fault[4] == ':')
			return &damages[i];
	ck_abort_msg ("no expectations for the fault %s", fault);
	return NULL;
}

static bool
slot_says_damaged (CK_SLOT_ID slot)
{
	CK_SLOT_INFO info;

	ck_assert_rv (p11->C_GetSlotInfo (slot, &info), CKR_OK);
	return strstr (p11_text (info.slotDescription, sizeof info.slotDescription),
	               "card damaged") != NULL;
}

static CK_ULONG
object_count (CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE all[8];

	return p11_find (s, NULL, 0, all, 8);
}

/* Both tokens listed, their objects as the damage leaves them, each
 * intact key signing (checked by OpenSSL), no PIN left on the card. */
START_TEST (test_damaged_tokens)
{
	const struct damage *d = this_damage ();

	for (enum key key = KEY_AUTH; key <= KEY_SIGN; key++) {
		CK_SESSION_HANDLE s;

		ck_assert_msg (token_present (key_slot (key)), "token %d gone", key);
		s = p11_open (key_slot (key));
		ck_assert_uint_eq (object_count (s), d->objects[key][0]);
		p11_login (s, card_pin (key));
		ck_assert_uint_eq (object_count (s), d->objects[key][1]);
		ck_assert_uint_eq (p11_count_class (s, CKO_PRIVATE_KEY), d->signs[key] ? 1 : 0);
		if (d->signs[key])
			sign_and_check (s, p11_find_one (s, CKO_PRIVATE_KEY), key, CKM_SHA256_RSA_PKCS,
			                (const unsigned char *) "damaged", 7);
		ck_assert_int_eq (slot_says_damaged (key_slot (key)), d->damaged[key]);
		ck_assert_rv (p11->C_Logout (s), CKR_OK);
		ck_assert_int_eq (raw_sign (key_fid (key)), 0x6982);
	}
}
END_TEST

/* One log line names the broken file, and the token it costs. */
START_TEST (test_damaged_logged_once)
{
	const struct damage *d = this_damage ();
	char path[] = "/tmp/jpki-damaged.XXXXXX";
	int fd = mkstemp (path);
	char *log, *at;
	size_t len;
	int lines = 0;

	ck_assert_int_ge (fd, 0);
	close (fd);
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	setenv ("JPKI_PKCS11_DEBUG", path, 1);
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);
	for (enum key key = KEY_AUTH; key <= KEY_SIGN; key++) {
		CK_SESSION_HANDLE s = p11_open (key_slot (key));

		object_count (s);
		p11_login (s, card_pin (key));
		object_count (s);
		object_count (s);
		ck_assert_rv (p11->C_Logout (s), CKR_OK);
	}
	ck_assert_rv (p11->C_Finalize (NULL), CKR_OK);
	unsetenv ("JPKI_PKCS11_DEBUG");
	ck_assert_rv (p11->C_Initialize (NULL), CKR_OK);

	log = read_file (path, &len);
	unlink (path);
	for (at = strstr (log, "card damaged: "); at != NULL; at = strstr (at + 1, "card damaged: ")) {
		char *end = strchr (at, '\n');

		ck_assert_ptr_nonnull (end);
		*end = '\0';
		ck_assert_msg (strstr (at, d->log_name) != NULL, "log line names another file: %s", at);
		lines++;
		at = end;
	}
	free (log);
	ck_assert_int_eq (lines, 1);
}
END_TEST

TCase *
tcase_damaged (void)
{
	TCase *tc = tcase_new ("damaged");

	tcase_add_test (tc, test_damaged_tokens);
	tcase_add_test (tc, test_damaged_logged_once);
	return tc;
}
