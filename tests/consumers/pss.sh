#!/bin/bash
# RSA-PSS through pkcs11-tool, on each card generation (tests/with-card
# --card-generation, tests/vcard/README.md):
#   current     -M lists RSA-PKCS-PSS and SHA256-RSA-PKCS-PSS on both tokens;
#               SHA256-RSA-PKCS-PSS (MGF1-SHA256, salt 32) and RSA-PKCS-PSS
#               over a SHA-256 hash sign with either key, verified by
#               openssl dgst (PSS, salt 32, MGF1-SHA-256); other parameters
#               (salt 20, SHA-1) are refused on the host
#   older       -M lists no PSS; a PSS signature is refused as an unknown
#               mechanism, and the card sees no PSS command; SHA256-RSA-PKCS
#               still signs
#   6982-first  a card that wants a PIN before it reads P1: without a PIN
#               it does not tell, so -M lists no PSS (the log says why);
#               with JPKI_PKCS11_PSS=on it does, and a PSS signature, asked
#               about after the login, is refused (the card's 6A 86 to the
#               question), logged, nothing released; SHA256-RSA-PKCS still
#               signs (tls13.sh has a PSS signature the card refuses)
#   wrong-salt  a card that signs PSS with 20 bytes of salt: the module
#               checks the signature with salt 32, releases nothing and
#               logs why
# Each flow runs on a fresh card and prints its APDU count.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

# pss_sign SLOT PIN MECHANISM-ARGS... : sign $work/data (or its hash for
# RSA-PKCS-PSS) into $work/sig with pkcs11-tool.
pss_sign() {
	local slot=$1 pin=$2
	shift 2
	rm -f "$work/sig"
	pkcs11-tool --module "$m" --slot "$slot" --login --pin "$pin" --sign "$@" \
		--output-file "$work/sig"
}

# pss_verifies TOKEN SALT: $work/sig is a PSS signature of $work/data
# (SHA-256, MGF1-SHA-256, SALT bytes of salt) by TOKEN's certificate.
pss_verifies() {
	openssl x509 -in "$JPKI_VCARD_PROFILE/$1.crt" -pubkey -noout >"$work/pub"
	openssl dgst -sha256 -verify "$work/pub" -sigopt rsa_padding_mode:pss \
		-sigopt rsa_pss_saltlen:"$2" -sigopt rsa_mgf1_md:sha256 \
		-signature "$work/sig" "$work/data" >/dev/null 2>&1
}

# has_pss SLOT: -M lists both PSS mechanisms (0), neither (1), else fails.
has_pss() {
	local out n
	out=$(pkcs11-tool --module "$m" --slot "$1" -M)
	n=$(grep -cE '^  (SHA256-)?RSA-PKCS-PSS, keySize=\{2048,2048\}, hw, sign$' <<<"$out" || :)
	case $n in
	2) return 0 ;;
	0) return 1 ;;
	*) fail "slot $1 lists $n of the two PSS mechanisms: $out" ;;
	esac
}

if [ "${1:-}" = --flow ]; then
	flow=$2
	m=$(our_module)
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	export JPKI_PKCS11_DEBUG=$work/module.log
	printf 'document %s\n' "$RANDOM" >"$work/data"
	openssl dgst -sha256 -binary -out "$work/data.sha256" "$work/data"
	case $flow in
	current)
		for token in auth sign; do
			if [ "$token" = auth ]; then slot=0 pin=$JPKI_AUTH_PIN; else slot=1 pin=$JPKI_SIGN_PIN; fi
			has_pss "$slot" || fail "$token token lists no PSS"
			pss_sign "$slot" "$pin" -m SHA256-RSA-PKCS-PSS --mgf MGF1-SHA256 --salt-len 32 \
				--input-file "$work/data"
			pss_verifies "$token" 32 || fail "$token SHA256-RSA-PKCS-PSS signature does not verify"
			must_fail "$token PSS signature verifies with salt 20" pss_verifies "$token" 20
			pss_sign "$slot" "$pin" -m RSA-PKCS-PSS --hash-algorithm SHA256 --mgf MGF1-SHA256 \
				--salt-len 32 --input-file "$work/data.sha256"
			pss_verifies "$token" 32 || fail "$token RSA-PKCS-PSS signature does not verify"
			before=$(apdu_count)
			must_fail "$token PSS with salt 20" pss_sign "$slot" "$pin" -m SHA256-RSA-PKCS-PSS \
				--mgf MGF1-SHA256 --salt-len 20 --input-file "$work/data"
			must_fail "$token PSS with SHA-1" pss_sign "$slot" "$pin" -m RSA-PKCS-PSS \
				--hash-algorithm SHA-1 --mgf MGF1-SHA1 --salt-len 20 --input-file "$work/data.sha256"
			# Refused on the host: the card saw a login and at most the
			# module's question (80 2A 04 97, no data), no signature.
			awk -v from="$before" '$2 == "C" && ++n > from && $3 ~ /^802A/ && length($3) > 8 {
				bad = 1 } END { exit bad }' "$JPKI_VCARD_APDU_LOG" ||
				fail "a refused PSS request reached the card"
		done
		echo "FINDING current: both tokens list PSS; SHA256-RSA-PKCS-PSS and RSA-PKCS-PSS signatures verify with salt 32, MGF1-SHA-256"
		;;
	older)
		has_pss 0 && fail "auth token lists PSS on an older card"
		has_pss 1 && fail "sign token lists PSS on an older card"
		grep -q "PSS" "$work/module.log" || fail "the module's log says nothing about PSS"
		must_fail "PSS signature on an older card" pss_sign 0 "$JPKI_AUTH_PIN" \
			-m SHA256-RSA-PKCS-PSS --mgf MGF1-SHA256 --salt-len 32 --input-file "$work/data"
		grep -q "mechanism 0x43 not supported" "$work/module.log" ||
			fail "no log line for the refused PSS mechanism"
		# The one PSS command the card saw is the module's question, with no data.
		[ "$(grep -c ' C 802A04' "$JPKI_VCARD_APDU_LOG")" = "$(grep -c ' C 802A0497$' "$JPKI_VCARD_APDU_LOG")" ] ||
			fail "a PSS signature was sent to an older card"
		sign_and_verify "$m" auth "$work"
		sign_and_verify "$m" sign "$work"
		echo "FINDING older: no PSS listed; a PSS request is refused on the host, PKCS#1 v1.5 signs as before"
		;;
	6982-first)
		has_pss 0 && fail "auth token lists PSS on a card that did not tell"
		has_pss 1 && fail "sign token lists PSS on a card that did not tell"
		grep -q "not told" "$work/module.log" || fail "the module's log does not say why"
		export JPKI_PKCS11_PSS=on
		has_pss 0 || fail "auth token lists no PSS with JPKI_PKCS11_PSS=on"
		must_fail "PSS signature on a card without PSS" pss_sign 0 "$JPKI_AUTH_PIN" \
			-m SHA256-RSA-PKCS-PSS --mgf MGF1-SHA256 --salt-len 32 --input-file "$work/data"
		[ ! -s "$work/sig" ] || fail "a signature was written"
		# pkcs11-tool logs in before C_SignInit, and a new process asks
		# the card again: with the PIN verified it answers 6A 86.
		grep -q "signs no PSS" "$work/module.log" || fail "no log line for the card's refusal"
		grep -F "PSS" "$work/module.log"
		unset JPKI_PKCS11_PSS
		sign_and_verify "$m" auth "$work"
		echo "FINDING 6982-first: no PSS listed (the card did not tell without a PIN); with JPKI_PKCS11_PSS=on listed, and refused after the login (logged); PKCS#1 v1.5 signs"
		;;
	wrong-salt)
		must_fail "PSS signature with salt 20 released" pss_sign 0 "$JPKI_AUTH_PIN" \
			-m SHA256-RSA-PKCS-PSS --mgf MGF1-SHA256 --salt-len 32 --input-file "$work/data"
		[ ! -s "$work/sig" ] || fail "a signature was written"
		[ "$(grep -c ' C 802A04' "$JPKI_VCARD_APDU_LOG")" -ge 1 ] || fail "the card was not asked"
		grep -q "another salt length" "$work/module.log" || fail "no log line for the salt length"
		grep -F "another salt length" "$work/module.log"
		sign_and_verify "$m" auth "$work"
		echo "FINDING wrong-salt: a PSS signature with salt 20 withheld, logged; PKCS#1 v1.5 signs"
		;;
	*) fail "unknown flow $flow" ;;
	esac
	[ "$(tries auth)" = 3 ] || fail "authentication PIN tries left: $(tries auth)"
	[ "$(tries sign)" = 5 ] || fail "signature PIN tries left: $(tries sign)"
	echo "APDUS pss $flow=$(apdu_count)"
	exit 0
fi

for generation in current older 6982-first; do
	with_card --card-generation "$generation" -- "$0" --flow "$generation"
done
with_card --pss-salt-len 20 -- "$0" --flow wrong-salt
