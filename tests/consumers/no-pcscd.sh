#!/bin/bash
# Without pcscd the module loads at once with no slots: Firefox loads it at
# every start and must not wait.  Runs in a private mount namespace whose
# /run/pcscd is empty, so no pcscd is reachable.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

if [ "${1:-}" = --inside ]; then
	mount -t tmpfs tmpfs /run/pcscd
	start=$(date +%s%N)
	out=$(pkcs11-tool --module "$(our_module)" --list-slots 2>&1 || true)
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "$out"
	echo "pkcs11-tool --list-slots without pcscd: ${ms} ms"
	grep -q "Available slots:" <<<"$out" || fail "module did not load"
	grep -q "^Slot " <<<"$out" && fail "slots listed without pcscd"
	exit 0
fi
mkdir -p /run/pcscd
exec unshare -m "$0" --inside
