#!/bin/bash
# OpenSSL through the pkcs11 engine (libp11, Debian libengine-pkcs11-openssl)
# with the signature key named by a PKCS#11 URI: openssl dgst -sign and
# openssl pkeyutl -sign, verified with the certificate's public key;
# openssl cms -sign, detached and attached, SHA-256, signer and CA
# certificates included, verified by openssl cms -verify -CAfile against
# the test signature CA.  The engine finds our module through an OpenSSL
# configuration file (MODULE_PATH) or through PKCS11_MODULE_PATH.  Each flow
# runs on a fresh card.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

sign_key_uri() {
	echo "pkcs11:token=My%20Number%20Sign%20(6-16%20char%20PIN);object=JPKI%20Digital%20Signature%20Key;type=private;pin-value=$JPKI_SIGN_PIN"
}

# The engine's configuration: OpenSSL loads the pkcs11 engine at start and
# gives it our module.
write_openssl_conf() {
	local engine_so
	engine_so=$(openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')/pkcs11.so
	[ -f "$engine_so" ] || fail "pkcs11 engine not found at $engine_so (libengine-pkcs11-openssl)"
	cat <<CONF
openssl_conf = openssl_init

[openssl_init]
engines = engine_section

[engine_section]
pkcs11 = pkcs11_section

[pkcs11_section]
engine_id = pkcs11
dynamic_path = $engine_so
MODULE_PATH = $(our_module)
init = 0
CONF
}

if [ "${1:-}" = --flow ]; then
	flow=$2
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	cert=$JPKI_VCARD_PROFILE/sign.crt
	ca=$JPKI_VCARD_PROFILE/sign-ca.crt
	key=$(sign_key_uri)
	write_openssl_conf > "$work/openssl.cnf"
	openssl x509 -in "$cert" -pubkey -noout > "$work/pub.pem"
	printf 'e-Tax style document %s\n' "$RANDOM" > "$work/data"
	printf 'another document\n' > "$work/other"
	case $flow in
	dgst-env)
		# No configuration file: the engine reads PKCS11_MODULE_PATH.
		echo "== PKCS11_MODULE_PATH=... openssl dgst -sha256 -sign <uri> -keyform engine -engine pkcs11"
		PKCS11_MODULE_PATH=$(our_module) openssl dgst -sha256 -engine pkcs11 -keyform engine \
			-sign "$key" -out "$work/data.sig" "$work/data"
		openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/data.sig" "$work/data" ||
			fail "dgst signature does not verify"
		must_fail "dgst signature verifies over other data" \
			openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/data.sig" "$work/other"
		;;
	dgst-conf)
		echo "== OPENSSL_CONF=engine config; openssl dgst -sha256 -sign <uri> -keyform engine -engine pkcs11"
		OPENSSL_CONF=$work/openssl.cnf openssl dgst -sha256 -engine pkcs11 -keyform engine \
			-sign "$key" -out "$work/data.sig" "$work/data"
		openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/data.sig" "$work/data" ||
			fail "dgst signature does not verify"
		;;
	pkeyutl)
		echo "== openssl pkeyutl -sign -pkeyopt digest:sha256 over a SHA-256 hash"
		openssl dgst -sha256 -binary -out "$work/data.sha256" "$work/data"
		OPENSSL_CONF=$work/openssl.cnf openssl pkeyutl -engine pkcs11 -keyform engine \
			-sign -inkey "$key" -pkeyopt digest:sha256 \
			-in "$work/data.sha256" -out "$work/data.sig"
		openssl pkeyutl -verify -pubin -inkey "$work/pub.pem" -pkeyopt digest:sha256 \
			-in "$work/data.sha256" -sigfile "$work/data.sig" ||
			fail "pkeyutl signature does not verify"
		# The same PKCS#1 v1.5 signature as dgst makes over the data.
		openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/data.sig" "$work/data" ||
			fail "pkeyutl signature is not a sha256WithRSAEncryption signature of the data"
		;;
	cms-detached | cms-attached)
		detach=()
		[ "$flow" = cms-attached ] && detach=(-nodetach)
		echo "== openssl cms -sign ${detach[*]:-(detached)} -md sha256 -signer sign.crt -certfile sign-ca.crt"
		OPENSSL_CONF=$work/openssl.cnf openssl cms -sign -engine pkcs11 -keyform engine \
			-inkey "$key" -signer "$cert" -certfile "$ca" -md sha256 -binary "${detach[@]}" \
			-in "$work/data" -outform DER -out "$work/data.p7s"
		openssl cms -cmsout -print -inform DER -in "$work/data.p7s" > "$work/p7s.txt"
		grep -q 'algorithm: sha256 ' "$work/p7s.txt" || fail "digest is not SHA-256"
		[ "$(grep -c 'd.certificate:' "$work/p7s.txt")" = 2 ] ||
			fail "expected the signer and the CA certificate in the CMS"
		if [ "$flow" = cms-detached ]; then
			grep -q 'eContent: <ABSENT>' "$work/p7s.txt" || fail "content is not detached"
			openssl cms -verify -binary -inform DER -in "$work/data.p7s" -content "$work/data" \
				-CAfile "$ca" -out /dev/null || fail "detached CMS does not verify"
			must_fail "detached CMS verifies over other data" \
				openssl cms -verify -binary -inform DER -in "$work/data.p7s" \
				-content "$work/other" -CAfile "$ca" -out /dev/null
		else
			openssl cms -verify -binary -inform DER -in "$work/data.p7s" \
				-CAfile "$ca" -out "$work/content" || fail "attached CMS does not verify"
			cmp "$work/content" "$work/data" || fail "attached CMS content differs"
		fi
		# The signer must chain to the signature CA, not to any CA.
		must_fail "CMS verifies against the authentication CA" \
			openssl cms -verify -binary -inform DER -in "$work/data.p7s" -content "$work/data" \
			-CAfile "$JPKI_VCARD_PROFILE/auth-ca.crt" -out /dev/null
		;;
	*) fail "unknown flow $flow" ;;
	esac
	echo "APDUS openssl-engine $flow=$(apdu_count)"
	exit 0
fi

for flow in dgst-env dgst-conf pkeyutl cms-detached cms-attached; do
	echo "=== flow $flow"
	with_card -- "$0" --flow "$flow"
done
