#!/bin/bash
# opensc: OpenSC's own JPKI driver (opensc-pkcs11.so) works with the virtual
# card, and what each flow costs in APDUs, for comparison with our module.
#
# Each check runs on a fresh card (its own with-card) and prints its APDU
# count as "APDUS opensc-<check>=N".
#
# SPDX-License-Identifier: LGPL-2.1-or-later

# The single-quoted scripts below expand $1 and $JPKI_* in their own shell.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=helpers.sh
. "$(dirname "$0")/helpers.sh"

command -v pkcs11-tool >/dev/null || skip "pkcs11-tool not found (apt install opensc)"
module=${OPENSC_PKCS11:-}
if [ -z "$module" ]; then
	module=$(dpkg -L opensc-pkcs11 2>/dev/null | grep -m1 '/opensc-pkcs11\.so$') || :
fi
for m in "$module" /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so \
	/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so \
	/usr/lib64/opensc-pkcs11.so /usr/lib/opensc-pkcs11.so; do
	if [ -n "$m" ] && [ -f "$m" ]; then module=$m; break; fi
done
[ -f "$module" ] || skip "opensc-pkcs11.so not found (apt install opensc-pkcs11)"
echo "module: $module ($(pkcs11-tool --module "$module" -I 2>/dev/null |
	sed -n 's/^Library *//p'))"
export OPENSC_PKCS11=$module

# OpenSC's built-in defaults, whatever the host's opensc.conf says.
printf 'app default {\n\tframework pkcs15 {\n\t}\n}\n' >"$work/opensc.conf"
export OPENSC_CONF=$work/opensc.conf

# Token labels made by OpenSC 0.23's JPKI emulation: one slot per PIN.
readonly AUTH_TOKEN="JPKI (User Authentication PIN)"
readonly SIGN_TOKEN="JPKI (Digital Signature PIN)"
export AUTH_TOKEN SIGN_TOKEN

echo hello-jpki >"$work/data"
export DATA=$work/data

# on_card NAME COMMAND...: run COMMAND on a fresh card kept in $work/NAME,
# output in $work/NAME.out; print the APDU count.  Status: COMMAND's.
on_card() {
	local name=$1 status=0
	shift
	"$WITH_CARD" --keep "$work/$name" -- "$@" >"$work/$name.out" 2>&1 || status=$?
	case $status in
	"$EX_SKIP") cat "$work/$name.out"; skip "with-card cannot run on this system" ;;
	"$EX_HARNESS") echo "with-card failed:"; cat "$work/$name.out" ;;
	esac
	echo "APDUS $name=$(apdu_count "$work/$name/apdu.log")"
	return "$status"
}

# failed NAME WHY: report a failed check with its output
failed() {
	check_failed "$1: $2"
	sed 's/^/    | /' "$work/$1.out"
}

# expect_in NAME TEXT...: the check's output mentions every TEXT
expect_in() {
	local name=$1 text
	shift
	for text; do
		if ! grep -qF -- "$text" "$work/$name.out"; then
			failed "$name" "output lacks \"$text\""
			return 1
		fi
	done
}

# verify_sig NAME CERT SIG: SIG over $DATA verifies with CERT's public key
verify_sig() {
	local name=$1 cert=$2 sig=$3
	if ! openssl x509 -in "$cert" -pubkey -noout >"$work/$name.pub" ||
		! openssl dgst -sha256 -verify "$work/$name.pub" -signature "$sig" \
			"$DATA" >>"$work/$name.out" 2>&1; then
		failed "$name" "the signature does not verify with $(basename "$cert")"
		return 1
	fi
}

# 1. The token list shows both JPKI tokens.
name=opensc-list
if on_card "$name" pkcs11-tool --module "$module" -L; then
	expect_in "$name" "$AUTH_TOKEN" "$SIGN_TOKEN" && pass "$name: both JPKI tokens listed"
else
	failed "$name" "pkcs11-tool -L failed"
fi

# 2. The objects of the authentication token show its certificate.
name=opensc-objects
if on_card "$name" pkcs11-tool --module "$module" --token-label "$AUTH_TOKEN" -O; then
	expect_in "$name" "User Authentication Certificate" &&
		pass "$name: authentication certificate listed"
else
	failed "$name" "pkcs11-tool -O failed"
fi

# 3. The authentication certificate read through OpenSC is the card's.
name=opensc-read-cert
if on_card "$name" pkcs11-tool --module "$module" --token-label "$AUTH_TOKEN" \
	--read-object --type cert --id 01 -o "$work/$name.der"; then
	if openssl x509 -in "$work/$name/profile/auth.crt" -outform DER |
		cmp -s - "$work/$name.der"; then
		pass "$name: certificate matches auth.crt"
	else
		failed "$name" "certificate read differs from auth.crt"
	fi
else
	failed "$name" "pkcs11-tool --read-object failed"
fi

# 4. Login with the authentication PIN and sign with the authentication key.
name=opensc-sign-auth
if on_card "$name" bash -c 'pkcs11-tool --module "$OPENSC_PKCS11" \
	--token-label "$AUTH_TOKEN" --login --pin "$JPKI_AUTH_PIN" \
	--sign -m SHA256-RSA-PKCS --id 01 -i "$DATA" -o "$1"' _ "$work/$name.sig"; then
	verify_sig "$name" "$work/$name/profile/auth.crt" "$work/$name.sig" &&
		pass "$name: signature verifies with auth.crt"
else
	failed "$name" "pkcs11-tool --sign with the authentication key failed"
fi

# 5. Login with the signature PIN and sign with the signature key.
name=opensc-sign-sign
if on_card "$name" bash -c 'pkcs11-tool --module "$OPENSC_PKCS11" \
	--token-label "$SIGN_TOKEN" --login --pin "$JPKI_SIGN_PIN" \
	--sign -m SHA256-RSA-PKCS --id 02 -i "$DATA" -o "$1"' _ "$work/$name.sig"; then
	verify_sig "$name" "$work/$name/profile/sign.crt" "$work/$name.sig" &&
		pass "$name: signature verifies with sign.crt"
else
	failed "$name" "pkcs11-tool --sign with the signature key failed"
fi

finish
