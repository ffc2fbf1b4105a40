# Shared by the consumer tests: paths and small checks.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the URIs below are for the scripts that source this
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${JPKI_BUILD_DIR:-$top/build}

# The tokens and their objects as PKCS#11 URIs (RFC 7512).
auth_token='My%20Number%20Auth%20(4-digit%20PIN)'
sign_token='My%20Number%20Sign%20(6-16%20char%20PIN)'
auth_key="pkcs11:token=$auth_token;object=JPKI%20User%20Authentication%20Key;type=private"
sign_key="pkcs11:token=$sign_token;object=JPKI%20Digital%20Signature%20Key;type=private"
sign_cert="pkcs11:token=$sign_token;object=JPKI%20Digital%20Signature%20Certificate;type=cert"
auth_cert="pkcs11:token=$auth_token;object=JPKI%20User%20Authentication%20Certificate;type=cert"

# fail WHAT: the test fails and stops here (integration/helpers.sh counts
# failed checks with check_failed instead).
fail() { echo "FAIL: $*" >&2; exit 1; }
our_module() { echo "$build/module/jpki-pkcs11.so"; }
with_card() { "$top/tests/with-card" "$@"; }
apdu_count() { grep -c ' C ' "$JPKI_VCARD_APDU_LOG"; }

# sign_and_verify MODULE auth|sign WORKDIR: log in, sign with
# SHA256-RSA-PKCS through pkcs11-tool, verify with OpenSSL.
sign_and_verify() {
	local m=$1 token=$2 work=$3 slot pin
	if [ "$token" = auth ]; then slot=0 pin=$JPKI_AUTH_PIN; else slot=1 pin=$JPKI_SIGN_PIN; fi
	printf 'data to sign %s\n' "$RANDOM" > "$work/data"
	pkcs11-tool --module "$m" --slot "$slot" --login --pin "$pin" --sign \
		--mechanism SHA256-RSA-PKCS --input-file "$work/data" --output-file "$work/sig"
	openssl x509 -in "$JPKI_VCARD_PROFILE/$token.crt" -pubkey -noout > "$work/pub"
	openssl dgst -sha256 -verify "$work/pub" -signature "$work/sig" "$work/data" ||
		fail "$token signature does not verify"
}

# tries auth|sign: the PIN tries the card has left.
tries() { cat "$JPKI_VCARD_PROFILE/state/$1-tries" 2>/dev/null || case $1 in auth) echo 3 ;; sign) echo 5 ;; esac; }

# verifies EF: the PINs the card was sent, by PIN EF (0018 auth, 001B
# sign): VERIFY with data after the SELECT of that EF.
verifies() {
	awk -v want="$1" '$2 == "C" {
		if ($3 ~ /^00A4020C02/) ef = substr($3, 11, 4)
		else if ($3 ~ /^00200080/ && length($3) > 8 && ef == want) n++
	} END { print n + 0 }' "$JPKI_VCARD_APDU_LOG"
}

# must_fail WHAT CMD...: CMD has to fail (a check that can say no).
must_fail() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then fail "$what"; fi
	echo "refused as it should be: $what"
}
