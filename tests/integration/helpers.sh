# shellcheck shell=bash
# Common set-up for the integration scripts: sourced, not run.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

# The variables are used by the scripts that source this file.
# shellcheck disable=SC2034

set -euo pipefail

: "${JPKI_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${JPKI_BUILD_DIR:=$JPKI_SOURCE_DIR/build}"
export JPKI_SOURCE_DIR JPKI_BUILD_DIR
WITH_CARD=$JPKI_SOURCE_DIR/tests/with-card

# Exit statuses understood by meson: 77 skips the test.
readonly EX_SKIP=77
# with-card's own failure status (not COMMAND's).
readonly EX_HARNESS=125

test_name=${0##*/}
test_name=${test_name%.sh}
failures=0

skip() { echo "SKIP: $*"; exit "$EX_SKIP"; }
pass() { echo "PASS: $*"; }
# check_failed WHAT: one failed check, counted; the script goes on
# (fail, elsewhere in tests/, stops at the first).
check_failed() { echo "FAIL: $*"; failures=$(( failures + 1 )); }

# A scratch directory removed on exit.
work=$(mktemp -d "${TMPDIR:-/tmp}/jpki-$test_name.XXXXXX")
cleanup_work() { rm -rf "$work"; }
trap cleanup_work EXIT

# apdu_count LOG: APDUs sent to the card, as logged by jpki-vcard
apdu_count() {
	local n
	n=$(grep -c ' C ' "$1" 2>/dev/null) || n=0
	echo "$n"
}

# finish: exit with the test's status
finish() {
	if (( failures > 0 )); then
		echo "$test_name: $failures check(s) failed"
		exit 1
	fi
	echo "$test_name: all checks passed"
	exit 0
}
