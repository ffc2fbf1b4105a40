#!/bin/bash
# The README's install from source, its one line as written, in a copy of
# the work tree; DESTDIR (the test's only addition) keeps the files off
# this machine.  Then they must be where the README says: the three module
# files and jpki.module where p11-kit looks, the jpki command under
# /usr/local; and the installed module must load.
set -euo pipefail
top=${JPKI_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$top"
# shellcheck source=scripts/lib/work-tree.sh
. scripts/lib/work-tree.sh
mkdir "$work/src"
copy_work_tree "$work/src"
cd "$work/src"

export DESTDIR=$work/stage
{ meson setup build && meson compile -C build && meson install -C build; } >"$work/log" 2>&1 ||
	{ tail -n 40 "$work/log"; fail "the README's install line"; }
mod_dir=$(pkg-config --variable p11_module_path p11-kit-1)
conf_dir=$(pkg-config --variable p11_module_configs p11-kit-1)
for f in "$mod_dir/jpki-pkcs11.so" "$mod_dir/jpki-pkcs11-auth.so" "$mod_dir/jpki-pkcs11-sign.so" \
	"$conf_dir/jpki.module" /usr/local/bin/jpki; do
	[ -f "$DESTDIR$f" ] || fail "not installed: $f"
	echo "installed: $f"
done
# pkcs11-tool -I fails when it finds no slot, as here without pcscd.
info=$(pkcs11-tool --module "$DESTDIR$mod_dir/jpki-pkcs11.so" -I 2>&1) || :
grep -q '^Manufacturer *jpki-pkcs11' <<<"$info" || fail "the installed module does not load: $info"
echo "PASS install"
