/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Profiles the card must refuse, with a message naming the file. */
#include <string.h>

#include "test-fixture.h"

static void expect_refused(const struct fixture_spec *spec, const char *file,
			   const char *contents, const char *message_part)
{
	const char *dir = fixture_write_profile(spec);
	char error[512] = "";
	struct vcard *card;

	if (file)
		fixture_write(file, contents);
	card = vcard_open(dir, NULL, error, sizeof(error));
	ck_assert_ptr_null(card);
	ck_assert_msg(strstr(error, message_part) != NULL, "error was: %s", error);
}

START_TEST(refuse_missing_directory)
{
	char error[512] = "";

	ck_assert_ptr_null(vcard_open("/nonexistent/vcard-profile", NULL, error, sizeof(error)));
	ck_assert_ptr_nonnull(strstr(error, "/nonexistent/vcard-profile/ef"));
}
END_TEST

START_TEST(refuse_bad_ef_names)
{
	struct fixture_spec lowercase = { .extra_ef = "ef/000c" };
	struct fixture_spec long_name = { .extra_ef = "ef/00010" };
	struct fixture_spec key_id = { .extra_ef = "ef/0017" };

	expect_refused(&lowercase, NULL, NULL, "ef/000c");
	expect_refused(&long_name, NULL, NULL, "ef/00010");
	expect_refused(&key_id, NULL, NULL, "ef/0017");
}
END_TEST

START_TEST(accept_dot_files_in_ef)
{
	struct fixture_spec spec = { .extra_ef = "ef/.keep" };
	struct vcard *card = fixture_open_card(&spec, NULL);

	vcard_close(card);
}
END_TEST

START_TEST(refuse_bad_tries)
{
	static const struct fixture_spec adult;

	expect_refused(&adult, "state/auth-tries", "4\n", "state/auth-tries");
	expect_refused(&adult, "state/sign-tries", "6", "state/sign-tries");
	expect_refused(&adult, "state/auth-tries", "two", "state/auth-tries");
	expect_refused(&adult, "state/auth-tries", "", "state/auth-tries");
}
END_TEST

START_TEST(refuse_bad_card_conf)
{
	static const struct fixture_spec adult;

	expect_refused(&adult, "card.conf", "empty-verify-after-login=6983\n", "card.conf");
	expect_refused(&adult, "card.conf", "no-such-setting=1\n", "no-such-setting");
	expect_refused(&adult, "card.conf", "just words\n", "card.conf");
}
END_TEST

START_TEST(refuse_bad_key_and_pin)
{
	static const struct fixture_spec adult;

	expect_refused(&adult, "auth.key", "not a key\n", "auth.key");
	expect_refused(&adult, "pins/sign", "", "pins/sign");
	expect_refused(&adult, "pins/sign", "ABCDEFGHIJKLMNOPQ", "pins/sign");
}
END_TEST

Suite *profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("profile");

	tcase_add_test(tc, refuse_missing_directory);
	tcase_add_test(tc, refuse_bad_ef_names);
	tcase_add_test(tc, accept_dot_files_in_ef);
	tcase_add_test(tc, refuse_bad_tries);
	tcase_add_test(tc, refuse_bad_card_conf);
	tcase_add_test(tc, refuse_bad_key_and_pin);
	suite_add_tcase(s, tc);
	return s;
}
