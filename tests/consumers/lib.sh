# Shared by the consumer tests: paths and small checks.
# shellcheck shell=bash
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${JPKI_BUILD_DIR:-$top/build}

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
