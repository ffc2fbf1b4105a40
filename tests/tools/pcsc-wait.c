/*
 * pcsc-wait: wait until pcscd answers, its first reader exists and, with
 * --card, that reader holds a card.
 *
 * Usage: pcsc-wait [--timeout-ms N] [--card|--no-card|--empty] [--verbose]
 * Exit status: 0 ready, 1 timed out, 2 usage error.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#define DEFAULT_TIMEOUT_MS 10000
/* How long one wait may block before we look again from the start. */
#define SLICE_MS 200
/* Pause before retrying when pcscd or the reader is not there yet. */
#define RETRY_MS 20

static bool verbose;
/* --empty: the reader must hold no card. */
static bool want_empty;

static void
usage (FILE *out)
{
	fprintf (out,
	         "Usage: pcsc-wait [--timeout-ms N] [--card|--no-card|--empty] [--verbose]\n"
	         "\n"
	         "Wait until pcscd answers and its first reader exists; with --card\n"
	         "(the default) also until that reader reports a card present.\n"
	         "Exit status: 0 ready, 1 timed out, 2 usage error.\n"
	         "  --timeout-ms N  give up after N milliseconds (default %d)\n"
	         "  --card          wait for a card in the first reader (default)\n"
	         "  --no-card       wait only for the reader\n"
	         "  --empty         wait until the first reader holds no card\n"
	         "  --verbose       report progress on stderr\n",
	         DEFAULT_TIMEOUT_MS);
}

static int64_t
now_ms (void)
{
	struct timespec ts;

	clock_gettime (CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms (int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep (&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
note (const char *what, LONG rv)
{
	if (verbose)
		fprintf (stderr, "pcsc-wait: %s: %s (0x%08lX)\n", what,
		         pcsc_stringify_error (rv), (unsigned long)rv);
}

/*
 * One attempt with an established context: true when ready.  Blocks at most
 * until the deadline in a SCardGetStatusChange on the first reader.
 */
static bool
check_readers (SCARDCONTEXT ctx, bool want_card, int64_t deadline)
{
	DWORD len = 0;
	char *readers = NULL;
	SCARD_READERSTATE state;
	bool ready = false;
	LONG rv;

	rv = SCardListReaders (ctx, NULL, NULL, &len);
	if (rv != SCARD_S_SUCCESS) {
		note ("SCardListReaders", rv);
		goto out;
	}
	readers = calloc (1, len + 1);
	if (readers == NULL) {
		fprintf (stderr, "pcsc-wait: out of memory\n");
		exit (2);
	}
	rv = SCardListReaders (ctx, NULL, readers, &len);
	if (rv != SCARD_S_SUCCESS || readers[0] == '\0') {
		note ("SCardListReaders", rv);
		goto out;
	}

	/* The first reader only: vpcd's second reader stays empty. */
	memset (&state, 0, sizeof state);
	state.szReader = readers;
	state.dwCurrentState = SCARD_STATE_UNAWARE;
	for (;;) {
		int64_t left = deadline - now_ms ();
		DWORD wait_ms = 0;

		if (state.dwCurrentState != SCARD_STATE_UNAWARE)
			wait_ms = left <= 0 ? 0 : left < SLICE_MS ? (DWORD)left : SLICE_MS;
		rv = SCardGetStatusChange (ctx, wait_ms, &state, 1);
		if (rv == SCARD_E_TIMEOUT) {
			if (left <= 0)
				goto out;
			continue;
		}
		if (rv != SCARD_S_SUCCESS) {
			note ("SCardGetStatusChange", rv);
			goto out;
		}
		if (verbose)
			fprintf (stderr, "pcsc-wait: %s: state 0x%lX\n", readers,
			         (unsigned long)state.dwEventState);
		if (state.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE))
			goto out;
		if (want_empty ? !(state.dwEventState & SCARD_STATE_PRESENT) :
		    !want_card ||
		    ((state.dwEventState & SCARD_STATE_PRESENT) &&
		     !(state.dwEventState & SCARD_STATE_MUTE))) {
			ready = true;
			if (verbose)
				fprintf (stderr, "pcsc-wait: ready: %s\n", readers);
			goto out;
		}
		if (now_ms () >= deadline)
			goto out;
		state.dwCurrentState = state.dwEventState & ~SCARD_STATE_CHANGED;
	}

out:
	free (readers);
	return ready;
}

static bool
parse_ms (const char *s, long *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol (s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		return false;
	*ms = v;
	return true;
}

int
main (int argc, char **argv)
{
	long timeout = DEFAULT_TIMEOUT_MS;
	bool want_card = true;
	int64_t deadline;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp (arg, "--timeout-ms") == 0 && i + 1 < argc) {
			if (!parse_ms (argv[++i], &timeout)) {
				fprintf (stderr, "pcsc-wait: bad --timeout-ms: %s\n", argv[i]);
				return 2;
			}
		} else if (strncmp (arg, "--timeout-ms=", 13) == 0) {
			if (!parse_ms (arg + 13, &timeout)) {
				fprintf (stderr, "pcsc-wait: bad --timeout-ms: %s\n", arg + 13);
				return 2;
			}
		} else if (strcmp (arg, "--card") == 0) {
			want_card = true;
		} else if (strcmp (arg, "--no-card") == 0) {
			want_card = false;
		} else if (strcmp (arg, "--empty") == 0) {
			want_empty = true;
		} else if (strcmp (arg, "--verbose") == 0 || strcmp (arg, "-v") == 0) {
			verbose = true;
		} else if (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0) {
			usage (stdout);
			return 0;
		} else {
			usage (stderr);
			return 2;
		}
	}

	deadline = now_ms () + timeout;
	for (;;) {
		SCARDCONTEXT ctx;
		LONG rv;

		rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
		if (rv == SCARD_S_SUCCESS) {
			bool ready = check_readers (ctx, want_card, deadline);

			SCardReleaseContext (ctx);
			if (ready)
				return 0;
		} else {
			note ("SCardEstablishContext", rv);
		}
		if (now_ms () >= deadline)
			break;
		sleep_ms (RETRY_MS);
	}

	fprintf (stderr, "pcsc-wait: timed out after %ld ms waiting for %s\n",
	         timeout, want_empty ? "the first reader to be empty" : want_card ? "a card in the first reader" : "a reader");
	return 1;
}
