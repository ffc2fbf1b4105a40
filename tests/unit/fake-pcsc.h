/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A PC/SC library for unit tests: pcsc-lite's SCard* calls, linked into a
 * test program in place of libpcsclite, with one reader whose card is the
 * virtual card's engine (tests/vcard/card.h) in this process.  No pcscd:
 * the module's own pcsc.c runs on top of it unchanged. */
#ifndef JPKI_TEST_FAKE_PCSC_H
#define JPKI_TEST_FAKE_PCSC_H

#include <stdbool.h>

struct vcard;

#define FAKE_PCSC_READER "Fake Reader 00 00"

/* Puts card (the caller keeps it) into the reader: a card event. */
void fake_pcsc_insert (struct vcard *card);
/* Takes the card out: a card event; its connections answer
 * SCARD_W_REMOVED_CARD from now on. */
void fake_pcsc_remove (void);
/* The card goes when the nth command APDU from now arrives (1: the next
 * one), unanswered: a card pulled out in the middle of a call. */
void fake_pcsc_pull_at (unsigned nth);
/* Command APDUs the card was sent so far. */
unsigned fake_pcsc_apdus (void);
/* Times two threads were inside SCardTransmit at once. */
unsigned fake_pcsc_overlaps (void);
/* Whether this program is using the real libpcsclite anywhere (it must
 * not: the fake stands in for it). */
bool fake_pcsc_real_library_loaded (void);

#endif
