#!/bin/bash
# card-options: the virtual card's smartphone scenario and file faults,
# seen through a real pcscd (tests/with-card) by OpenSC's opensc-tool,
# which sends our APDUs as they are.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

# The single-quoted scripts below expand $JPKI_* in their own shell.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=helpers.sh
. "$(dirname "$0")/helpers.sh"

command -v opensc-tool >/dev/null || skip "opensc-tool not found (apt install opensc)"

readonly SELECT_JPKI=00A4040C0AD392F000260100000001

# on_card OUT WITH-CARD-OPTIONS... -- SCRIPT: SCRIPT's output into OUT
on_card() {
	local out=$1 status=0
	shift
	"$WITH_CARD" "$@" >"$out" 2>&1 || status=$?
	if [ "$status" = "$EX_HARNESS" ]; then
		cat "$out"
		skip "tests/with-card could not start a card"
	fi
	return "$status"
}

# expect NAME FILE PATTERN: FILE matches the extended regular expression
expect() {
	if grep -Eq -- "$3" "$2"; then pass "$1"; else check_failed "$1"; cat "$2"; fi
}

# --help, which doc/development.md points to, names the options it speaks of.
status=0
"$WITH_CARD" --help >"$work/help" 2>&1 || status=$?
missing=''
for word in --scenario minor expired renewal smartphone --apdu-latency-ms --file-fault; do
	grep -q -- "$word" "$work/help" || missing="$missing $word"
done
if [ "$status" = 0 ] && [ -z "$missing" ]; then
	pass "with-card --help lists scenarios, latency and faults"
else
	check_failed "with-card --help lists scenarios, latency and faults (exit $status, missing:$missing)"
fi

# The phone: contactless ATR, EF 0006 names it, EF 000A only after the
# auth PIN, which the card then verifies once.
on_card "$work/phone" --scenario smartphone -- sh -c '
	opensc-tool -a
	pin=$(printf %s "$JPKI_AUTH_PIN" | od -An -tx1 | tr -d " \n")
	opensc-tool -s '"$SELECT_JPKI"' -s 00A4020C020006 -s 00B0000020 \
		-s 00A4020C02000A -s 00B0000004 \
		-s 00A4020C020018 -s 0020008004"$pin" -s 00A4020C02000A -s 00B0000004'
expect "smartphone: contactless ATR" "$work/phone" '^3b:88:80:01'
expect "smartphone: token information" "$work/phone" 'JPKIAPGPSETOKEN'
if sed -n '/Sending: 00 B0 00 00 04/{n;p}' "$work/phone" | head -1 | grep -q 'SW1=0x69, SW2=0x82' &&
	sed -n '/Sending: 00 B0 00 00 04/{n;p}' "$work/phone" | tail -1 | grep -q 'SW1=0x90, SW2=0x00'; then
	pass "smartphone: 69 82, then 90 00 after VERIFY"
else
	check_failed "smartphone: 69 82, then 90 00 after VERIFY"; cat "$work/phone"
fi

# A card's auth certificate is free.
on_card "$work/card" -- opensc-tool -s "$SELECT_JPKI" -s 00A4020C02000A -s 00B0000004
expect "card: auth certificate free" "$work/card" 'SW1=0x90, SW2=0x00\):'

# File faults, each on its own EF.
on_card "$work/empty" --file-fault 000A:empty -- \
	opensc-tool -s "$SELECT_JPKI" -s 00A4020C02000A -s 00B0000004 -s 00A4020C02000B -s 00B0000004
if sed -n '/Sending: 00 B0 00 00 04/{n;p}' "$work/empty" | head -1 | grep -q 'SW2=0x00)$' &&
	sed -n '/Sending: 00 B0 00 00 04/{n;p}' "$work/empty" | tail -1 | grep -q 'SW2=0x00):$'; then
	pass "file fault empty: 90 00 without data on 000A only"
else
	check_failed "file fault empty: 90 00 without data on 000A only"; cat "$work/empty"
fi
on_card "$work/garbage" --file-fault 000B:garbage -- \
	opensc-tool -s "$SELECT_JPKI" -s 00A4020C02000B -s 00B0000008
expect "file fault garbage: header kept, then 5A" "$work/garbage" '^30 82 .. .. 5A 5A 5A 5A'
on_card "$work/past" --file-fault 0002:length-past-ef -- \
	opensc-tool -s "$SELECT_JPKI" -s 00A4020C020002 -s 00B0000004
expect "file fault length-past-ef: 30 82 header" "$work/past" '^30 82 '
# A fault the card does not know is a usage error (status 2), not a card.
status=0
"$JPKI_BUILD_DIR/tests/vcard/jpki-vcard" --profile "$work" --file-fault 000A:sideways \
	>"$work/bad" 2>&1 || status=$?
if [ "$status" = 2 ]; then pass "an unknown fault is refused"; else check_failed "an unknown fault is refused"; cat "$work/bad"; fi

finish
