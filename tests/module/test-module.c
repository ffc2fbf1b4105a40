/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-module SCENARIO: the module's tests for one card scenario, run by
 * tests/module/meson.build inside tests/with-card. */
#include "test-module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *scenario = "";

bool
scenario_is (const char *name)
{
	return strcmp (scenario, name) == 0;
}

bool
scenario_has_sign (void)
{
	return !scenario_is ("minor") && !scenario_is ("face-auth") && !scenario_is ("no-card") &&
	       !scenario_is ("no-pcscd") && !scenario_is ("auth-only");
}

struct scenario_row {
	const char *name;
	TCase *(*cases[32]) (void);
};

static const struct scenario_row scenarios[] = {
	{ "adult", { tcase_library, tcase_slots, tcase_token, tcase_mechanisms, tcase_sessions,
	             tcase_readonly, tcase_objects, tcase_attributes, tcase_find, tcase_pin,
	             tcase_sign, tcase_sign_rules, tcase_logout, tcase_verify_9000, tcase_threads,
	             tcase_softhsm, tcase_dates, tcase_set_pin, tcase_set_pin_state, tcase_debug_log, tcase_tries_fresh } },
	{ "minor", { tcase_slots, tcase_token, tcase_objects, tcase_minor } },
	{ "face-auth", { tcase_slots, tcase_objects, tcase_face_auth } },
	{ "auth-blocked", { tcase_auth_blocked } },
	{ "sign-last-try", { tcase_sign_last_try } },
	{ "verify-9000", { tcase_pin, tcase_sign, tcase_sign_rules, tcase_logout,
	                   tcase_verify_9000 } },
	{ "no-card", { tcase_no_card } },
	{ "no-pcscd", { tcase_no_card } },   /* run outside tests/with-card */
	{ "auth-only", { tcase_auth_only } },   /* argv[2]: jpki-pkcs11-auth.so */
	{ "sign-only", { tcase_sign_only } },   /* argv[2]: jpki-pkcs11-sign.so */
	{ "no-extended", { tcase_slots, tcase_objects, tcase_sign } },
	{ "contactless", { tcase_slots, tcase_token, tcase_sign } },
	{ "foreign-card", { tcase_foreign_card } },
	{ "faulty-zeros", { tcase_faulty_card } },
	{ "faulty-short", { tcase_faulty_card } },
	{ "faulty-flipped", { tcase_faulty_card } },
	{ "expired", { tcase_dates } },
	{ "renewal", { tcase_dates } },
	{ "life", { tcase_life } },
	{ "slow-card", { tcase_slow_card } },
	{ "damaged", { tcase_damaged } },   /* $JPKI_TEST_FILE_FAULT */
	{ "smartphone", { tcase_slots, tcase_pin, tcase_sign, tcase_sign_rules, tcase_logout,
	                  tcase_phone } },
};

int
main (int argc, char **argv)
{
	const struct scenario_row *row = NULL;
	SRunner *sr;
	Suite *suite;
	int failed;

	if (argc != 2 && argc != 3) {
		fprintf (stderr, "Usage: test-module SCENARIO [MODULE]\nScenarios:");
		for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
			fprintf (stderr, " %s", scenarios[i].name);
		fprintf (stderr, "\nRun it inside tests/with-card.  MODULE: the module to load\n"
		                 "(default $JPKI_MODULE, else $JPKI_BUILD_DIR/module/jpki-pkcs11.so).\n");
		return 2;
	}
	if (argc == 3)
		setenv ("JPKI_MODULE", argv[2], 1);
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		if (strcmp (argv[1], scenarios[i].name) == 0)
			row = &scenarios[i];
	if (row == NULL) {
		fprintf (stderr, "test-module: unknown scenario %s\n", argv[1]);
		return 2;
	}
	scenario = row->name;
	if (scenario_is ("no-pcscd")) {
		/* A socket nobody listens on: as on a machine without pcscd. */
		setenv ("PCSCLITE_CSOCK_NAME", "/nonexistent/jpki-test/pcscd.comm", 1);
	} else if (!scenario_is ("no-card") && !card_present ()) {
		fprintf (stderr, "test-module: no virtual card; run me inside tests/with-card\n");
		return 77;
	} else if (getenv ("JPKI_VCARD_APDU_LOG") == NULL) {
		fprintf (stderr, "test-module: run me inside tests/with-card\n");
		return 77;
	}
	/* Load once here: with CK_FORK=no every case shares the module, and
	 * with forking each child inherits it uninitialised. */
	p11_load ();

	suite = suite_create (scenario);
	for (size_t i = 0; i < sizeof row->cases / sizeof row->cases[0] && row->cases[i]; i++)
		suite_add_tcase (suite, row->cases[i] ());
	sr = srunner_create (suite);
	srunner_run_all (sr, CK_ENV);
	failed = srunner_ntests_failed (sr);
	srunner_free (sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
