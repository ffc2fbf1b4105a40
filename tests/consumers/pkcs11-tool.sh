#!/bin/bash
# pkcs11-tool (OpenSC) drives our module through tests/with-card: -L, -O,
# -M, login and sign with each key (verified by OpenSSL), --test --login.
# Each flow runs on a fresh card and prints its APDU count.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

# Inside with-card: one flow, then its APDU count.
if [ "${1:-}" = --flow ]; then
	flow=$2
	m=$(our_module)
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	case $flow in
	list)
		out=$(pkcs11-tool --module "$m" -L)
		grep -q "My Number Auth (4-digit PIN)" <<<"$out" || fail "auth token not listed"
		grep -q "My Number Sign (6-16 char PIN)" <<<"$out" || fail "sign token not listed"
		[ "$(grep -c 'token label' <<<"$out")" = 2 ] || fail "expected exactly two tokens"
		;;
	list-objects)
		pkcs11-tool --module "$m" -L >/dev/null
		out=$(pkcs11-tool --module "$m" --slot 0 -O)
		grep -q "JPKI User Authentication Certificate" <<<"$out" || fail "auth certificate missing"
		grep -q "Private Key Object" <<<"$out" && fail "private key listed before login"
		out=$(pkcs11-tool --module "$m" --slot 1 -O)
		grep -q "JPKI Digital Signature Certificate" <<<"$out" &&
			fail "signature certificate visible before login"
		;;
	mechanisms)
		out=$(pkcs11-tool --module "$m" --slot 0 -M)
		for mech in RSA-PKCS SHA1-RSA-PKCS SHA256-RSA-PKCS SHA384-RSA-PKCS SHA512-RSA-PKCS; do
			grep -q "^  $mech, keySize={2048,2048}, hw, sign$" <<<"$out" || fail "$mech missing"
		done
		grep -qi decrypt <<<"$out" && fail "decrypt advertised"
		;;
	sign-auth | sign-sign)
		sign_and_verify "$m" "${flow#sign-}" "$work"
		;;
	test-auth)
		pkcs11-tool --module "$m" --slot 0 --test --login --pin "$JPKI_AUTH_PIN" | tee "$work/out"
		grep -q "No errors" "$work/out" || fail "pkcs11-tool --test reported errors"
		;;
	test-sign)
		pkcs11-tool --module "$m" --slot 1 --test --login --pin "$JPKI_SIGN_PIN" | tee "$work/out"
		grep -q "No errors" "$work/out" || fail "pkcs11-tool --test reported errors"
		;;
	*) fail "unknown flow $flow" ;;
	esac
	echo "APDUS jpki-pkcs11 $flow=$(apdu_count)"
	exit 0
fi

for flow in list list-objects mechanisms sign-auth sign-sign test-auth test-sign; do
	with_card -- "$0" --flow "$flow"
done
