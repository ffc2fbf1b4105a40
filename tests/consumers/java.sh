#!/bin/bash
# Java 17 (Debian 12; 21 on Debian 13) through SunPKCS11, configured with
# our module and slot 1, as JSignPdf uses it:
#   JpkiSign.java  a malformed signature PIN is refused before the card
#                  (no PIN sent, no try spent); with the right PIN one
#                  PrivateKeyEntry, SHA256withRSA signature verified by
#                  OpenSSL;
#   keytool -list  one PrivateKeyEntry with a chain of 2, through
#                  jpki-pkcs11-sign.so (the signature token alone; also
#                  slot 1);
#   jarsigner      signs a jar; jarsigner -verify -strict accepts it against
#                  a trust store holding only the signature CA, and
#                  openssl cms verifies the jar's PKCS#7 signature file.
# The JVM is slow to start: five starts in all.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

if [ "${1:-}" != --in-card ]; then
	exec "$top/tests/with-card" -- "$0" --in-card
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cert=$JPKI_VCARD_PROFILE/sign.crt
ca=$JPKI_VCARD_PROFILE/sign-ca.crt
cat > "$work/jpki.cfg" <<CFG
name = JPKI
library = $(our_module)
slot = 1
CFG
sed "s|^library = .*|library = $build/module/jpki-pkcs11-sign.so|" "$work/jpki.cfg" \
	> "$work/jpki-sign.cfg"
p11=(-keystore NONE -storetype PKCS11 -providerClass sun.security.pkcs11.SunPKCS11
	-providerArg "$work/jpki.cfg")
printf 'registry filing %s\n' "$RANDOM" > "$work/data"

echo "== java JpkiSign.java (SunPKCS11, slot = 1): malformed PIN, then SHA256withRSA"
java "$here/JpkiSign.java" "$work/jpki.cfg" "$JPKI_SIGN_PIN" "12345" "$work/data" \
	"$work/data.sig" "$work/app.jar" "$work/trust.p12" "$ca" | tee "$work/java.out"
grep -q '^malformed PIN refused' "$work/java.out" || fail "no malformed PIN check"
[ "$(verifies 001B)" = 1 ] || fail "the card was sent $(verifies 001B) signature PINs, not 1"
[ "$(tries sign)" = 5 ] || fail "signature PIN tries left: $(tries sign)"
openssl x509 -in "$cert" -pubkey -noout > "$work/pub.pem"
openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/data.sig" "$work/data" ||
	fail "Java's SHA256withRSA signature does not verify"

echo "== keytool -list ... -providerArg jpki-sign.cfg -storepass <PIN> -v"
keytool -list "${p11[@]/%jpki.cfg/jpki-sign.cfg}" -storepass "$JPKI_SIGN_PIN" -v > "$work/list.txt"
grep -q 'Your keystore contains 1 entry' "$work/list.txt" || fail "keytool: not 1 entry"
grep -q 'Entry type: PrivateKeyEntry' "$work/list.txt" || fail "keytool: no PrivateKeyEntry"
grep -q 'Certificate chain length: 2' "$work/list.txt" || fail "keytool: chain is not 2 long"
alias=$(sed -n 's/^Alias name: //p' "$work/list.txt")
echo "alias: $alias"

echo "== jarsigner ${p11[*]} -storepass <PIN> -sigalg SHA256withRSA app.jar \"$alias\""
jarsigner "${p11[@]}" -storepass "$JPKI_SIGN_PIN" -sigalg SHA256withRSA -digestalg SHA-256 \
	"$work/app.jar" "$alias"

echo "== jarsigner -verify -strict -keystore trust.p12 app.jar"
jarsigner -verify -strict -keystore "$work/trust.p12" -storepass changeit "$work/app.jar" \
	> "$work/verify.txt" 2>&1 || { cat "$work/verify.txt"; fail "jarsigner -verify -strict"; }
cat "$work/verify.txt"
grep -q 'jar verified' "$work/verify.txt" || fail "jarsigner: jar not verified"
must_fail "jarsigner -verify -strict accepts the jar without the signature CA" \
	jarsigner -verify -strict "$work/app.jar"

echo "== openssl cms -verify over the jar's signature file"
mkdir "$work/jar"
unzip -q -d "$work/jar" "$work/app.jar" 'META-INF/*'
sf=$(ls "$work/jar/META-INF/"*.SF)
openssl cms -verify -binary -inform DER -in "${sf%.SF}.RSA" -content "$sf" -CAfile "$ca" \
	-purpose any -out /dev/null || fail "openssl: the jar signature does not verify"
must_fail "openssl: the jar signature verifies against the authentication CA" \
	openssl cms -verify -binary -inform DER -in "${sf%.SF}.RSA" -content "$sf" \
	-CAfile "$JPKI_VCARD_PROFILE/auth-ca.crt" -purpose any -out /dev/null
echo "APDUS java=$(apdu_count)"
