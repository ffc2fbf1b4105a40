/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The module tests: one program, one suite per card scenario (argv[1]),
 * each run inside tests/with-card.  Every case initialises and finalises
 * the module itself; the card and its try counters are shared by the
 * cases of one run, so a case that uses a try gives it back. */
#ifndef JPKI_TEST_MODULE_H
#define JPKI_TEST_MODULE_H

#include "helpers.h"

/* The scenario this run was started for ("adult", "minor", ...). */
extern const char *scenario;
bool scenario_is (const char *name);
/* Whether the card has a signature certificate, key and PIN. */
bool scenario_has_sign (void);

TCase *tcase_library (void);      /* before C_Initialize, C_Initialize's arguments */
TCase *tcase_slots (void);        /* slot list and slot info */
TCase *tcase_token (void);        /* token info */
TCase *tcase_mechanisms (void);
TCase *tcase_sessions (void);
TCase *tcase_readonly (void);     /* writing and unsupported functions */
TCase *tcase_objects (void);
TCase *tcase_attributes (void);
TCase *tcase_find (void);
TCase *tcase_pin (void);
TCase *tcase_set_pin (void);
TCase *tcase_set_pin_state (void); /* C_SetPIN and the login state */
TCase *tcase_sign (void);
TCase *tcase_sign_rules (void);   /* lengths, operation state, one VERIFY */
TCase *tcase_logout (void);       /* cross-token logout, no PIN left behind */
TCase *tcase_threads (void);
TCase *tcase_softhsm (void);
TCase *tcase_minor (void);
TCase *tcase_face_auth (void);
TCase *tcase_auth_blocked (void);
TCase *tcase_sign_last_try (void);
TCase *tcase_verify_9000 (void);
TCase *tcase_no_card (void);
TCase *tcase_dates (void);
TCase *tcase_auth_only (void);
TCase *tcase_sign_only (void);
TCase *tcase_debug_log (void);
TCase *tcase_faulty_card (void);  /* wrong signatures withheld */
TCase *tcase_foreign_card (void); /* a card without JPKI */
TCase *tcase_tries_fresh (void);  /* tries used by another program */
TCase *tcase_life (void);         /* threads and C_Finalize, handles, removal, pcscd, events */
TCase *tcase_slow_card (void);    /* --sign-latency-ms 3000: other readers, pulled mid-command */
TCase *tcase_phone (void);        /* --scenario smartphone */
TCase *tcase_damaged (void);      /* --file-fault FID:KIND */

#endif
