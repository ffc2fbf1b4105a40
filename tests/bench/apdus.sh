#!/bin/bash
# APDUs per flow, our module against OpenSC's, each flow on a fresh
# virtual card.  Prints a table; exits non-zero only if a flow fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${JPKI_BUILD_DIR:-$top/build}
ours="$build/module/jpki-pkcs11.so"
opensc=${OPENSC_MODULE:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}

# Inside tests/with-card: run one flow with one module, print its count.
if [ "${1:-}" = --flow ]; then
	flow=$2 m=$3
	data=$(mktemp)
	trap 'rm -f "$data"' EXIT
	echo "benchmark data" > "$data"
	sign() { # slot-or-label pin
		pkcs11-tool --module "$m" "$@" --sign --mechanism SHA256-RSA-PKCS \
			--input-file "$data" --output-file /dev/null >/dev/null 2>&1
	}
	case $flow in
	list) pkcs11-tool --module "$m" -L >/dev/null ;;
	list-objects) pkcs11-tool --module "$m" -L -O >/dev/null 2>&1 ;;
	sign-auth) sign --token-label "$(label "$m" auth)" --login --pin "$JPKI_AUTH_PIN" ;;
	sign-sign) sign --token-label "$(label "$m" sign)" --login --pin "$JPKI_SIGN_PIN" ;;
	esac
	grep -c ' C ' "$JPKI_VCARD_APDU_LOG"
	exit 0
fi

label() { # module auth|sign: the token label each module gives
	case "$(basename "$1"):$2" in
	jpki-pkcs11.so:auth) echo "My Number Auth (4-digit PIN)" ;;
	jpki-pkcs11.so:sign) echo "My Number Sign (6-16 char PIN)" ;;
	*:auth) echo "JPKI (User Authentication PIN)" ;;
	*:sign) echo "JPKI (Digital Signature PIN)" ;;
	esac
}
export -f label

printf '%-28s %10s %12s\n' flow opensc jpki-pkcs11
for flow in list list-objects sign-auth sign-sign; do
	a=$("$top/tests/with-card" -- "$0" --flow "$flow" "$opensc")
	b=$("$top/tests/with-card" -- "$0" --flow "$flow" "$ours")
	printf '%-28s %10s %12s\n' "pkcs11-tool $flow" "$a" "$b"
done
