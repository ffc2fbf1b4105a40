#!/bin/bash
# harness-cleanup: tests/with-card passes COMMAND's status through and leaves
# no process and no temporary directory behind, however COMMAND ends.
#
# Every process of a run carries this test's scratch directory in its command
# line (pcscd -c DIR/..., jpki-vcard --profile DIR/..., the namespace's init
# --inner DIR, and COMMANDs tagged below), so leftovers are found by that path
# even while other tests run their own harnesses in parallel.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

# The single-quoted scripts below expand $0 and $JPKI_* in their own shell.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=helpers.sh
. "$(dirname "$0")/helpers.sh"

# Temporary directories of the harness go here, to be checked too.
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"

# leftovers: processes (other than this script's) whose command line names
# the scratch directory; waits up to 5 s for them to go
leftovers() {
	local i list
	for (( i = 0; i < 50; i++ )); do
		list=$(pgrep -af -- "$work" | grep -v -E "^($$|$BASHPID) " || :)
		[ -n "$list" ] || return 0
		sleep 0.1
	done
	echo "$list"
}

# check_clean NAME: no process left, no temporary directory left
check_clean() {
	local left line
	left=$(leftovers)
	if [ -n "$left" ]; then
		check_failed "$1: processes left behind:"
		while IFS= read -r line; do echo "    $line"; done <<<"$left"
	else
		pass "$1: no process left"
	fi
	if [ -n "$(ls -A "$TMPDIR")" ]; then
		check_failed "$1: temporary files left: $(ls -A "$TMPDIR")"
		rm -rf "${TMPDIR:?}"/*
	fi
}

# expect_status NAME WANT GOT
expect_status() {
	if [ "$3" = "$2" ]; then
		pass "$1: status $3"
	else
		check_failed "$1: status $3, expected $2"
	fi
	if [ "$3" = "$EX_HARNESS" ]; then
		echo "    (status $EX_HARNESS: the harness itself failed; see its messages above)"
	fi
}

status=0
"$WITH_CARD" -- true || status=$?
[ "$status" != "$EX_SKIP" ] || skip "with-card cannot run on this system"
expect_status "with-card -- true" 0 "$status"
check_clean "with-card -- true"

status=0
"$WITH_CARD" -- false || status=$?
expect_status "with-card -- false" 1 "$status"
check_clean "with-card -- false"

status=0
"$WITH_CARD" --no-card -- sh -c 'exit 42' || status=$?
expect_status "with-card --no-card -- sh -c 'exit 42'" 42 "$status"
check_clean "with-card --no-card"

# The card's environment reaches COMMAND: the shell of doc/development.md
# (tests/with-card -- bash), its commands on standard input.
status=0
"$WITH_CARD" -- bash <<<'test -d "$JPKI_VCARD_PROFILE" &&
	test "$JPKI_AUTH_PIN" = "$(cat "$JPKI_VCARD_PROFILE/pins/auth")" &&
	test "$JPKI_SIGN_PIN" = "$(cat "$JPKI_VCARD_PROFILE/pins/sign")" &&
	test -f "$JPKI_VCARD_PROFILE/auth.crt" && test -f "$JPKI_VCARD_APDU_LOG"' || status=$?
expect_status "with-card environment" 0 "$status"
check_clean "with-card environment"

# COMMAND's own background processes end with the harness.
status=0
"$WITH_CARD" -- bash -c '(exec -a "$0" sleep 100) & exit 3' "$work/tag-daemon" ||
	status=$?
expect_status "with-card, COMMAND leaves a daemon" 3 "$status"
check_clean "with-card, COMMAND leaves a daemon"

# Killed from outside: TERM (as timeout(1) does), then INT (as Ctrl-C does).
for sig in TERM INT; do
	status=0
	timeout -s "$sig" 5 "$WITH_CARD" -- \
		bash -c 'exec -a "$0" sleep 100' "$work/tag-sleep" || status=$?
	expect_status "timeout -s $sig 5 with-card -- sleep 100" 124 "$status"
	check_clean "timeout -s $sig 5 with-card -- sleep 100"
done

# The same signal twice, the second while the harness cleans up (timeout(1)
# signals the harness, then its process group; a loaded machine can hand
# out the two far apart).
for sig in TERM INT; do
	# (bash starts background jobs with SIGINT ignored; undo that)
	env --default-signal=INT "$WITH_CARD" -- \
		bash -c 'touch "$0.started"; exec -a "$0" sleep 100' \
		"$work/tag-twice-$sig" &
	pid=$!
	for (( i = 0; i < 300; i++ )); do
		[ ! -e "$work/tag-twice-$sig.started" ] || break
		sleep 0.1
	done
	kill -"$sig" "$pid"
	sleep 0.05
	kill -"$sig" "$pid" 2>/dev/null || :
	status=0
	wait "$pid" || status=$?
	expect_status "with-card, SIG$sig twice" $(( 128 + $(kill -l "$sig") )) "$status"
	check_clean "with-card, SIG$sig twice"
done

# Killed outright (SIGKILL): nothing can clean up the directory, but every
# process must still go (setpriv --pdeathsig, unshare --kill-child).
"$WITH_CARD" --keep "$work/killed" -- \
	bash -c 'touch "$0.started"; exec -a "$0" sleep 100' "$work/tag-killed" &
pid=$!
for (( i = 0; i < 300; i++ )); do
	[ ! -e "$work/tag-killed.started" ] || break
	sleep 0.1
done
if [ -e "$work/tag-killed.started" ]; then
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || :
	check_clean "with-card killed with SIGKILL"
else
	kill -KILL "$pid" 2>/dev/null || :
	wait "$pid" 2>/dev/null || :
	check_failed "with-card killed with SIGKILL: COMMAND never started"
fi

finish
