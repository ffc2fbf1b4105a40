/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* jpki-vcard: the virtual JPKI card, plugged into a vpcd reader. */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apdu-log.h"
#include "card.h"
#include "vpcd.h"

#define CONNECT_RETRY_MS 50
#define CONNECT_TIMEOUT_MS 15000

struct settings {
	const char *profile_dir;
	const char *host;
	const char *port;
	const char *log_path;
	struct vcard_options card;
	long apdu_latency_ms;
	long sign_latency_ms;
	long remove_after_apdus;        /* 0: never */
};

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: jpki-vcard --profile DIR [options]\n"
		"\n"
		"Plug a virtual JPKI (My Number Card) into a vpcd reader.\n"
		"\n"
		"  --profile DIR            card profile (see tests/vcard/README.md)\n"
		"  --host H                 vpcd host (default 127.0.0.1)\n"
		"  --port N                 vpcd port (default 35963)\n"
		"  --log FILE               append the APDU log to FILE\n"
		"  --no-extended-apdu       answer extended-length APDUs with 67 00\n"
		"  --contactless-atr        contactless (PC/SC part 3) ATR\n"
		"  --apdu-latency-ms N      wait N ms before answering each APDU\n"
		"  --sign-latency-ms N      wait N ms more before each signature\n"
		"  --remove-after-apdus N   remove the card after answering N APDUs\n"
		"  --signature-fault KIND   answer signatures that are wrong: zeros, short, flipped\n"
		"  --no-jpki                another kind of card: the JPKI AID is not found\n"
		"  --smartphone             JPKI in a phone on an NFC reader (smartphone profile)\n"
		"  --file-fault FID:KIND    a faulty EF: garbage, length-past-ef, empty, overlong,\n"
		"                           endless-6c (repeatable, one per EF)\n"
		"  --card-generation G      what the signature command knows: current (default),\n"
		"                           older (P1 00 / P2 80 only), 6982-first (older, and\n"
		"                           69 82 before P1/P2 while no PIN is verified)\n"
		"  --pss-salt-len N         sign PSS with N bytes of salt (default 32)\n"
		"  -h, --help               show this help\n");
}

static bool parse_count(const char *text, long min, long max, long *value)
{
	char *end;

	errno = 0;
	*value = strtol(text, &end, 10);
	return errno == 0 && end != text && *end == '\0' && *value >= min && *value <= max;
}

/* Returns 0 to run, else the exit status (help: 0 printed, 2 usage error). */
static int parse_args(int argc, char **argv, struct settings *s, bool *exit_now)
{
	enum {
		OPT_PROFILE = 256, OPT_HOST, OPT_PORT, OPT_LOG, OPT_NO_EXTENDED,
		OPT_CONTACTLESS, OPT_APDU_LATENCY, OPT_SIGN_LATENCY, OPT_REMOVE_AFTER,
		OPT_SIGNATURE_FAULT, OPT_NO_JPKI, OPT_SMARTPHONE, OPT_FILE_FAULT,
		OPT_CARD_GENERATION, OPT_PSS_SALT_LEN,
	};
	static const struct option options[] = {
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "no-extended-apdu", no_argument, NULL, OPT_NO_EXTENDED },
		{ "contactless-atr", no_argument, NULL, OPT_CONTACTLESS },
		{ "apdu-latency-ms", required_argument, NULL, OPT_APDU_LATENCY },
		{ "sign-latency-ms", required_argument, NULL, OPT_SIGN_LATENCY },
		{ "remove-after-apdus", required_argument, NULL, OPT_REMOVE_AFTER },
		{ "signature-fault", required_argument, NULL, OPT_SIGNATURE_FAULT },
		{ "no-jpki", no_argument, NULL, OPT_NO_JPKI },
		{ "smartphone", no_argument, NULL, OPT_SMARTPHONE },
		{ "file-fault", required_argument, NULL, OPT_FILE_FAULT },
		{ "card-generation", required_argument, NULL, OPT_CARD_GENERATION },
		{ "pss-salt-len", required_argument, NULL, OPT_PSS_SALT_LEN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long port, value;
	int c, which = 0;

	*exit_now = false;

	while ((c = getopt_long(argc, argv, "h", options, &which)) != -1) {
		switch (c) {
		case OPT_PROFILE:
			s->profile_dir = optarg;
			break;
		case OPT_HOST:
			s->host = optarg;
			break;
		case OPT_PORT:
			if (!parse_count(optarg, 1, 65535, &port))
				goto bad_value;
			s->port = optarg;
			break;
		case OPT_LOG:
			s->log_path = optarg;
			break;
		case OPT_NO_EXTENDED:
			s->card.no_extended_apdu = true;
			break;
		case OPT_CONTACTLESS:
			s->card.contactless_atr = true;
			break;
		case OPT_APDU_LATENCY:
			if (!parse_count(optarg, 0, 600000, &s->apdu_latency_ms))
				goto bad_value;
			break;
		case OPT_SIGN_LATENCY:
			if (!parse_count(optarg, 0, 600000, &s->sign_latency_ms))
				goto bad_value;
			break;
		case OPT_REMOVE_AFTER:
			if (!parse_count(optarg, 1, LONG_MAX, &s->remove_after_apdus))
				goto bad_value;
			break;
		case OPT_NO_JPKI:
			s->card.no_jpki = true;
			break;
		case OPT_SMARTPHONE:
			s->card.smartphone = true;
			break;
		case OPT_FILE_FAULT:
			if (s->card.file_fault_count == VCARD_MAX_FILE_FAULTS ||
			    !vcard_parse_file_fault(optarg,
						    &s->card.file_faults[s->card.file_fault_count]))
				goto bad_value;
			s->card.file_fault_count++;
			break;
		case OPT_PSS_SALT_LEN:
			if (!parse_count(optarg, 1, VCARD_PSS_MAX_SALT_LEN, &value))
				goto bad_value;
			s->card.pss_salt_len = (unsigned)value;
			break;
		case OPT_CARD_GENERATION:
			if (!vcard_parse_generation(optarg, &s->card.generation))
				goto bad_value;
			break;
		case OPT_SIGNATURE_FAULT:
			if (strcmp(optarg, "zeros") == 0)
				s->card.signature_fault = VCARD_SIGNATURE_ZEROS;
			else if (strcmp(optarg, "short") == 0)
				s->card.signature_fault = VCARD_SIGNATURE_SHORT;
			else if (strcmp(optarg, "flipped") == 0)
				s->card.signature_fault = VCARD_SIGNATURE_FLIPPED;
			else
				goto bad_value;
			break;
		case 'h':
			usage(stdout);
			*exit_now = true;
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !s->profile_dir) {
		usage(stderr);
		return 2;
	}
	return 0;
bad_value:
	fprintf(stderr, "jpki-vcard: bad value for --%s: %s\n", options[which].name, optarg);
	return 2;
}

static void sleep_ms(long ms)
{
	struct timespec delay = { ms / 1000, (ms % 1000) * 1000000 };

	while (ms > 0 && nanosleep(&delay, &delay) < 0 && errno == EINTR)
		;
}

static bool is_compute_signature(const uint8_t *cmd, size_t len)
{
	return len >= 2 && cmd[0] == 0x80 && cmd[1] == 0x2A;
}

/* Control codes from vpcd: only the ATR request gets an answer. */
static bool handle_control(int fd, struct vcard *card, FILE *log, uint8_t code)
{
	const uint8_t *atr;
	size_t atr_len;

	switch (code) {
	case VPCD_POWER_OFF:
		vcard_power_off(card);
		apdu_log_event(log, "power-off");
		return true;
	case VPCD_POWER_ON:
		vcard_power_on(card);
		apdu_log_event(log, "power-on");
		return true;
	case VPCD_RESET:
		vcard_reset(card);
		apdu_log_event(log, "reset");
		return true;
	case VPCD_GET_ATR:
		atr = vcard_atr(card, &atr_len);
		return vpcd_send(fd, atr, atr_len);
	default:
		fprintf(stderr, "jpki-vcard: ignoring unknown vpcd control code %u\n", code);
		return true;
	}
}

/* Serves vpcd until it hangs up (0), a signal or removal (0), or an error (1). */
static int serve(int fd, struct vcard *card, FILE *log, const struct settings *s,
		 const sigset_t *wait_mask)
{
	static uint8_t msg[VPCD_MAX_MESSAGE];
	static uint8_t resp[VCARD_MAX_RESPONSE];
	long apdus = 0;
	int status = 1;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		size_t len = 0, resp_len;
		int r;

		if (stop_requested) {
			status = 0;
			goto out;
		}
		/* Signals are only delivered here, while waiting for vpcd. */
		r = ppoll(&pfd, 1, NULL, wait_mask);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		r = vpcd_receive(fd, msg, sizeof(msg), &len);
		if (r == 0) {
			status = 0;
			goto out;
		}
		if (r < 0) {
			fprintf(stderr, "jpki-vcard: reading from vpcd failed\n");
			goto out;
		}
		if (len == 1) {
			if (!handle_control(fd, card, log, msg[0]))
				goto send_failed;
			continue;
		}
		if (len == 0)
			continue;

		apdu_log_command(log, msg, len);
		sleep_ms(s->apdu_latency_ms);
		if (is_compute_signature(msg, len))
			sleep_ms(s->sign_latency_ms);
		resp_len = vcard_transmit(card, msg, len, resp, VPCD_MAX_MESSAGE);
		apdu_log_response(log, resp, resp_len);
		if (!vpcd_send(fd, resp, resp_len))
			goto send_failed;
		apdus++;
		if (s->remove_after_apdus && apdus == s->remove_after_apdus) {
			/* Closing the socket is how a card leaves a vpcd reader. */
			apdu_log_event(log, "removed");
			status = 0;
			goto out;
		}
	}
send_failed:
	fprintf(stderr, "jpki-vcard: writing to vpcd failed\n");
out:
	return status;
}

int main(int argc, char **argv)
{
	struct settings s = { .host = "127.0.0.1", .port = "35963" };
	struct vcard *card = NULL;
	FILE *log = NULL;
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigset_t stop_signals, wait_mask;
	char error[512];
	bool exit_now;
	int fd = -1;
	int status;

	status = parse_args(argc, argv, &s, &exit_now);
	if (status != 0 || exit_now)
		goto out;
	status = 1;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	card = vcard_open(s.profile_dir, &s.card, error, sizeof(error));
	if (!card) {
		fprintf(stderr, "jpki-vcard: %s\n", error);
		goto out;
	}
	if (s.log_path) {
		log = apdu_log_open(s.log_path);
		if (!log) {
			fprintf(stderr, "jpki-vcard: %s: %s\n", s.log_path, strerror(errno));
			goto out;
		}
	}
	fd = vpcd_connect(s.host, s.port, CONNECT_RETRY_MS, CONNECT_TIMEOUT_MS, &stop_requested);
	if (fd < 0) {
		if (stop_requested)
			status = 0;
		goto out;
	}

	/* From here the stop signals arrive only inside ppoll, so none is
	 * lost between checking the flag and waiting. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_signals, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	status = serve(fd, card, log, &s, &wait_mask);
out:
	if (fd >= 0)
		close(fd);
	if (log)
		fclose(log);
	vcard_close(card);
	return status;
}
