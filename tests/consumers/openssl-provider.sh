#!/bin/bash
# OpenSSL 3 through pkcs11-provider (Debian 12: bookworm-backports), on a
# system whose openssl.cnf activates it with our module next to the default
# provider: openssl pkeyutl -sign, dgst -sign, cms -sign (detached and
# attached) and req -new -x509 with the signature key named by a PKCS#11
# URI.  Every signature is verified by plain OpenSSL, without the provider.
# The configuration also makes pkcs11-provider the preferred provider
# (default_properties = ?provider=pkcs11), as systems set up for it do: the
# module's own OpenSSL work (its check of each card signature) must then
# not be routed into pkcs11-provider, and is not, because it runs in a
# library context of its own.  dgst also runs with the plain configuration.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

provider_so() {
	local dir
	dir=$(openssl version -m | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')
	[ -f "$dir/pkcs11.so" ] || fail "pkcs11-provider not found in $dir (package pkcs11-provider)"
	echo "$dir/pkcs11.so"
}

# What a system configured for pkcs11-provider has in its openssl.cnf;
# with "prefer", its algorithms come first.
write_openssl_conf() {
	cat <<CONF
openssl_conf = openssl_init

[openssl_init]
providers = provider_sect
CONF
	if [ "${1:-}" = prefer ]; then
		printf 'alg_section = alg_sect\n\n[alg_sect]\ndefault_properties = ?provider=pkcs11\n'
	fi
	cat <<CONF

[provider_sect]
default = default_sect
pkcs11 = pkcs11_sect

[default_sect]
activate = 1

[pkcs11_sect]
module = $(provider_so)
pkcs11-module-path = $(our_module)
activate = 1
CONF
}

if [ "${1:-}" != --in-card ]; then
	provider_so >/dev/null
	exec "$top/tests/with-card" -- "$0" --in-card
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cert=$JPKI_VCARD_PROFILE/sign.crt
ca=$JPKI_VCARD_PROFILE/sign-ca.crt
key="$sign_key;pin-value=$JPKI_SIGN_PIN"
write_openssl_conf prefer > "$work/openssl.cnf"
write_openssl_conf > "$work/plain.cnf"
openssl x509 -in "$cert" -pubkey -noout > "$work/pub.pem"
printf 'e-Tax style document %s\n' "$RANDOM" > "$work/data"
printf 'another document\n' > "$work/other"
# The provider's OpenSSL, as an application on such a system runs it.
ossl() { OPENSSL_CONF=$work/openssl.cnf openssl "$@"; }

echo "== openssl pkeyutl -sign -inkey <uri> -pkeyopt digest:sha256"
openssl dgst -sha256 -binary -out "$work/data.sha256" "$work/data"
ossl pkeyutl -sign -inkey "$key" -pkeyopt digest:sha256 \
	-in "$work/data.sha256" -out "$work/pkeyutl.sig"
openssl pkeyutl -verify -pubin -inkey "$work/pub.pem" -pkeyopt digest:sha256 \
	-in "$work/data.sha256" -sigfile "$work/pkeyutl.sig" || fail "pkeyutl signature does not verify"

echo "== openssl dgst -sha256 -sign <uri>"
ossl dgst -sha256 -sign "$key" -out "$work/dgst.sig" "$work/data"
openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/dgst.sig" "$work/data" ||
	fail "dgst signature does not verify"
must_fail "dgst signature verifies over other data" \
	openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/dgst.sig" "$work/other"
OPENSSL_CONF=$work/plain.cnf openssl dgst -sha256 -sign "$key" -out "$work/plain.sig" "$work/data"
openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/plain.sig" "$work/data" ||
	fail "dgst signature (plain configuration) does not verify"

echo "== openssl cms -sign -inkey <uri> (detached)"
ossl cms -sign -inkey "$key" -signer "$cert" -certfile "$ca" -md sha256 -binary \
	-in "$work/data" -outform DER -out "$work/detached.p7s"
openssl cms -cmsout -print -inform DER -in "$work/detached.p7s" > "$work/detached.txt"
grep -q 'eContent: <ABSENT>' "$work/detached.txt" || fail "content is not detached"
grep -q 'algorithm: sha256 ' "$work/detached.txt" || fail "digest is not SHA-256"
openssl cms -verify -binary -inform DER -in "$work/detached.p7s" -content "$work/data" \
	-CAfile "$ca" -out /dev/null || fail "detached CMS does not verify"
must_fail "detached CMS verifies over other data" \
	openssl cms -verify -binary -inform DER -in "$work/detached.p7s" -content "$work/other" \
	-CAfile "$ca" -out /dev/null

echo "== openssl cms -sign -nodetach -inkey <uri> (attached)"
ossl cms -sign -nodetach -inkey "$key" -signer "$cert" -md sha256 -binary \
	-in "$work/data" -outform DER -out "$work/attached.p7s"
openssl cms -verify -binary -inform DER -in "$work/attached.p7s" -CAfile "$ca" \
	-out "$work/content" || fail "attached CMS does not verify"
cmp "$work/content" "$work/data" || fail "attached CMS content differs"
must_fail "attached CMS verifies against the authentication CA" \
	openssl cms -verify -binary -inform DER -in "$work/attached.p7s" \
	-CAfile "$JPKI_VCARD_PROFILE/auth-ca.crt" -out /dev/null

echo "== openssl req -new -x509 -key <uri>"
ossl req -new -x509 -key "$key" -subj "/CN=JPKI provider test" -days 1 -sha256 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign,digitalSignature \
	-out "$work/self.crt"
# Self-signed: plain OpenSSL checks its signature with the key inside it,
# which must be the card's.
openssl x509 -in "$work/self.crt" -pubkey -noout | cmp - "$work/pub.pem" ||
	fail "the certificate does not carry the card's public key"
openssl verify -CAfile "$work/self.crt" "$work/self.crt" || fail "self-signed certificate does not verify"
must_fail "a certificate with another signature verifies" \
	openssl verify -CAfile "$work/self.crt" "$cert"
# Only the signature PIN was used, and no try of either PIN was lost.
[ "$(verifies 0018)" = 0 ] || fail "the authentication PIN was sent to the card"
if [ "$(tries sign)" != 5 ] || [ "$(tries auth)" != 3 ]; then
	fail "tries left: sign $(tries sign), auth $(tries auth)"
fi
echo "signature PIN sent $(verifies 001B) times, no try lost"
echo "APDUS openssl-provider=$(apdu_count)"
