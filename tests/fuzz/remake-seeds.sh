#!/bin/bash
# The seed remaking of doc/fuzzing.md, its two commands as written there
# but into a scratch directory: make-profile, then make-seeds.  Every seed
# written must replay cleanly through its target, and be one the
# repository's corpus has (the corpus came from make-seeds).
set -euo pipefail
top=${JPKI_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${JPKI_BUILD_DIR:-$top/build}
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$top"

tests/vcard/make-profile "$work/seed-profile" >/dev/null
"$build/tests/fuzz/make-seeds" "$work/seed-profile" "$work/corpus"
for target in bind pin sign; do
	[ -n "$(ls "$work/corpus/$target")" ] || fail "make-seeds wrote no seed for $target"
	"$build/tests/fuzz/replay-$target" "$work/corpus/$target" || fail "a new $target seed does not replay"
	for seed in "$work/corpus/$target"/*; do
		[ -f "tests/fuzz/corpus/$target/${seed##*/}" ] ||
			fail "tests/fuzz/corpus/$target lacks ${seed##*/}: remake the seeds"
	done
done
echo "PASS remade seeds: $(find "$work/corpus" -type f | wc -l), all replayed"
