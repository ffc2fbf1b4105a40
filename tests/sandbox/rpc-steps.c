/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rpc-steps MODULE: PKCS#11 calls one at a time, as read from standard
 * input, so that a test can break something between two of them (stop
 * pcscd, pull the card, kill the server) and see the exact CKR_ code and
 * how long the call took.  Steps, one a line:
 *   init | finalize        C_Initialize (NULL) | C_Finalize
 *   open auth|sign         C_GetSlotList (present), the token by its label,
 *                          C_OpenSession; CKR_TOKEN_NOT_PRESENT when no
 *                          slot listed has that token
 *   login                  C_Login with $JPKI_AUTH_PIN or $JPKI_SIGN_PIN
 *   sign                   the token's private key (none if not found),
 *                          CKM_SHA256_RSA_PKCS
 *   close                  C_CloseSession
 * Each step answers one line: STEP CKR_NAME MILLISECONDS. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "p11.h"

static CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
static const char *token; /* "auth" or "sign" */

/* The slot whose token label starts with that of the token asked for. */
static CK_RV
find_slot (const char *which, CK_SLOT_ID *slot)
{
	const char *want = strcmp (which, "auth") == 0 ? "My Number Auth" : "My Number Sign";
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	CK_TOKEN_INFO info;
	CK_RV rv = p11->C_GetSlotList (CK_TRUE, slots, &n);

	for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++) {
		if (p11->C_GetTokenInfo (slots[i], &info) != CKR_OK)
			continue;
		if (strncmp ((const char *)info.label, want, strlen (want)) == 0) {
			*slot = slots[i];
			return CKR_OK;
		}
	}
	return rv != CKR_OK ? rv : CKR_TOKEN_NOT_PRESENT;
}

static CK_RV
open_token (const char *which)
{
	CK_SLOT_ID slot;
	CK_RV rv = find_slot (which, &slot);

	token = strcmp (which, "auth") == 0 ? "auth" : "sign";
	if (rv != CKR_OK)
		return rv;
	return p11->C_OpenSession (slot, CKF_SERIAL_SESSION, NULL, NULL, &session);
}

static CK_RV
login (void)
{
	const char *pin = getenv (token != NULL && strcmp (token, "auth") == 0 ? "JPKI_AUTH_PIN" :
	                                                                          "JPKI_SIGN_PIN");

	if (pin == NULL)
		return CKR_ARGUMENTS_BAD;
	return p11->C_Login (session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen (pin));
}

static CK_RV
sign (void)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &cls, sizeof cls };
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
	CK_ULONG found = 0, sig_len = 512;
	unsigned char sig[512];
	const char data[] = "signed through p11-kit's RPC";
	CK_RV rv = p11->C_FindObjectsInit (session, &tmpl, 1);

	if (rv != CKR_OK)
		return rv;
	rv = p11->C_FindObjects (session, &key, 1, &found);
	p11->C_FindObjectsFinal (session);
	if (rv != CKR_OK)
		return rv;
	/* No key seen (not logged in): the module's answer to none. */
	return p11_sign_rv (p11, session, key, CKM_SHA256_RSA_PKCS, (const unsigned char *)data,
	                    sizeof data - 1, sig, &sig_len);
}

static CK_RV
run_step (const char *step, const char *arg)
{
	if (strcmp (step, "init") == 0)
		return p11->C_Initialize (NULL);
	if (strcmp (step, "finalize") == 0)
		return p11->C_Finalize (NULL);
	if (strcmp (step, "open") == 0 && arg != NULL)
		return open_token (arg);
	if (strcmp (step, "login") == 0)
		return login ();
	if (strcmp (step, "sign") == 0)
		return sign ();
	if (strcmp (step, "close") == 0)
		return p11->C_CloseSession (session);
	fprintf (stderr, "rpc-steps: unknown step %s\n", step);
	exit (2);
}

static long
ms_since (const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime (CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

int
main (int argc, char **argv)
{
	char line[256];

	if (argc != 2) {
		fprintf (stderr, "usage: rpc-steps MODULE < steps\n");
		return 2;
	}
	/* As NSS (NSPR) does: p11-kit-client.so writes to its socket with
	 * write(), and a server gone would otherwise end us with SIGPIPE. */
	signal (SIGPIPE, SIG_IGN);
	p11 = p11_load_module (argv[1]);
	setvbuf (stdout, NULL, _IOLBF, 0);
	while (fgets (line, sizeof line, stdin) != NULL) {
		char *step = strtok (line, " \t\n"), *arg = strtok (NULL, " \t\n");
		struct timespec t0;
		CK_RV rv;

		if (step == NULL)
			continue;
		clock_gettime (CLOCK_MONOTONIC, &t0);
		rv = run_step (step, arg);
		printf ("%s %s %ld\n", step, rv_name (rv), ms_since (&t0));
	}
	return 0;
}
