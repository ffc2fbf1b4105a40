/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The card end of vpcd's socket protocol (vsmartcard): each message is a
 * 2-byte big-endian length and a payload; vpcd is the TCP server. */
#ifndef VCARD_VPCD_H
#define VCARD_VPCD_H

#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* 1-byte payloads from vpcd are control codes; we answer only ATR. */
enum vpcd_control {
	VPCD_POWER_OFF = 0,
	VPCD_POWER_ON = 1,
	VPCD_RESET = 2,
	VPCD_GET_ATR = 4,
};

#define VPCD_MAX_MESSAGE 0xFFFF

/* Connects to host:port, retrying every retry_ms for up to timeout_ms
 * (vpcd may still be starting) or until *stop is set.  Returns the socket
 * or -1 (message on stderr unless stopped). */
int vpcd_connect(const char *host, const char *port, int retry_ms, int timeout_ms,
		 const volatile sig_atomic_t *stop);

/* Reads one message into buf (cap >= VPCD_MAX_MESSAGE).  Returns 1 with
 * *len set, 0 when vpcd closed the connection, -1 on error. */
int vpcd_receive(int fd, uint8_t *buf, size_t cap, size_t *len);

/* Sends one message; false on error or when len exceeds VPCD_MAX_MESSAGE. */
bool vpcd_send(int fd, const uint8_t *buf, size_t len);

#endif
