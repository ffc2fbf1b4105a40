#!/bin/bash
# PDF signing with poppler's pdfsig through NSS and jpki-pkcs11-sign.so (the
# signature token only: pdfsig answers just one PIN request).
#   pdfsig -add-signature signs a one-page PDF made here with the card's
#   signature key; the result is checked as a registry filing would have it:
#   adbe.pkcs7.detached, SHA-256, no time-stamp.  Verified twice, without
#   the card: pdfsig against an NSS database holding only the signature CA,
#   and openssl cms -verify over the signed byte ranges.  A PDF changed
#   inside the signed range fails both.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

SIGN_NICK="My Number Sign (6-16 char PIN):JPKI Digital Signature Certificate"
sign_module() { echo "$build/module/jpki-pkcs11-sign.so"; }

# make_pdf FILE: a one-page PDF 1.7 with a cross-reference table whose
# offsets are the bytes' real positions.
make_pdf() {
	local out=$1 offsets=() n
	local objects=(
		"<< /Type /Catalog /Pages 2 0 R >>"
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>"
		"<< /Length 26 >>
stream
0 0 1 rg 72 700 200 50 re f
endstream"
	)
	printf '%%PDF-1.7\n' > "$out"
	for n in "${!objects[@]}"; do
		offsets+=("$(stat -c %s "$out")")
		printf '%d 0 obj\n%s\nendobj\n' $((n + 1)) "${objects[$n]}" >> "$out"
	done
	local xref
	xref=$(stat -c %s "$out")
	{
		printf 'xref\n0 %d\n0000000000 65535 f \n' $((${#objects[@]} + 1))
		for n in "${offsets[@]}"; do printf '%010d 00000 n \n' "$n"; done
		printf 'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' \
			$((${#objects[@]} + 1)) "$xref"
	} >> "$out"
}

# byte_range PDF: the four numbers of the signature's /ByteRange.
byte_range() {
	grep -a -o '/ByteRange *\[ *[0-9]* *[0-9]* *[0-9]* *[0-9]* *\]' "$1" | head -n 1 |
		tr -dc '0-9 \n' | xargs
}

# bytes_at FILE OFFSET LENGTH: LENGTH bytes of FILE from OFFSET.  dd reads
# only those, so no pipe is cut short (tail | head ends tail with SIGPIPE,
# which pipefail turns into a failure whenever tail is not yet done).
bytes_at() {
	dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" bs=64K status=none
}

# signed_parts PDF BYTERANGE OUT: the bytes the signature covers.
signed_parts() {
	local a b c d
	read -r a b c d <<<"$2"
	{ bytes_at "$1" "$a" "$b"; bytes_at "$1" "$c" "$d"; } > "$3"
}

# signature_cms PDF BYTERANGE OUT: /Contents, the CMS (NSS writes BER with
# indefinite lengths) and the zeros that pad it; OpenSSL reads the first
# object and stops.
signature_cms() {
	local a b c d
	read -r a b c d <<<"$2"
	# Between the two ranges: <hex>.
	bytes_at "$1" $((a + b + 1)) $((c - a - b - 2)) | tr -d '\n' |
		tr 'abcdef' 'ABCDEF' | basenc --base16 -d > "$3"
}

if [ "${1:-}" != --in-card ]; then
	exec "$top/tests/with-card" -- "$0" --in-card
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ca=$JPKI_VCARD_PROFILE/sign-ca.crt
make_pdf "$work/filing.pdf"
pdfinfo "$work/filing.pdf" >/dev/null 2>&1 || fail "the test PDF is not readable by poppler"

# The signer's database: our signature module only.
mkdir "$work/signer"
certutil -N --empty-password -d "sql:$work/signer"
modutil -dbdir "sql:$work/signer" -add "My Number Card" -libfile "$(sign_module)" -force </dev/null >/dev/null
# The verifier's database: the signature CA, nothing else.
mkdir "$work/verifier"
certutil -N --empty-password -d "sql:$work/verifier"
certutil -A -d "sql:$work/verifier" -n "JPKI signature CA" -t "C,C,C" -i "$ca"

echo "== pdfsig -add-signature -nssdir sql:... -nss-pwd <PIN> -nick \"$SIGN_NICK\""
pdfsig -add-signature -nssdir "sql:$work/signer" -nss-pwd "$JPKI_SIGN_PIN" -nick "$SIGN_NICK" \
	-digest SHA256 -reason "registry filing" "$work/filing.pdf" "$work/signed.pdf"
if [ "$(tries sign)" != 5 ] || [ "$(verifies 001B)" != 1 ]; then
	fail "signing did not log in once with no try spent (tries $(tries sign), PINs sent $(verifies 001B))"
fi

echo "== pdfsig -nssdir <CA only> signed.pdf"
# Not -no-ocsp: poppler 22.12 then reports a trusted chain as "Unknown
# issue".  The certificates name no OCSP responder, and with-card's
# network namespace has no network.
pdfsig -nssdir "sql:$work/verifier" "$work/signed.pdf" > "$work/verify.txt" 2>&1 || true
cat "$work/verify.txt"
grep -q 'Signature Validation: Signature is Valid' "$work/verify.txt" || fail "pdfsig: signature not valid"
grep -q 'Certificate Validation: Certificate is Trusted' "$work/verify.txt" ||
	fail "pdfsig: the certificate does not chain to the signature CA"
grep -qi 'Signature Type: adbe.pkcs7.detached' "$work/verify.txt" || fail "not adbe.pkcs7.detached"
grep -qi 'Signing Hash Algorithm: SHA-256' "$work/verify.txt" || fail "not SHA-256"
grep -aq '/SubFilter */adbe.pkcs7.detached' "$work/signed.pdf" || fail "no /SubFilter /adbe.pkcs7.detached"

echo "== openssl cms -verify over the /ByteRange"
range=$(byte_range "$work/signed.pdf")
[ -n "$range" ] || fail "no /ByteRange"
echo "ByteRange: $range"
signed_parts "$work/signed.pdf" "$range" "$work/content"
signature_cms "$work/signed.pdf" "$range" "$work/sig.der"
openssl cms -cmsout -print -inform DER -in "$work/sig.der" > "$work/sig.txt"
grep -q 'eContent: <ABSENT>' "$work/sig.txt" || fail "the CMS is not detached"
grep -q 'algorithm: sha256 ' "$work/sig.txt" || fail "the CMS digest is not SHA-256"
# A time-stamp would be an unsigned attribute id-aa-timeStampToken.
if grep -q 'id-smime-aa-timeStampToken\|1\.2\.840\.113549\.1\.9\.16\.2\.14' "$work/sig.txt"; then
	fail "the signature carries a time-stamp"
fi
grep -A1 'unsignedAttrs:' "$work/sig.txt" | grep -q '<ABSENT>\|<EMPTY>' ||
	fail "the signature has unsigned attributes"
openssl cms -verify -binary -inform DER -in "$work/sig.der" -content "$work/content" \
	-CAfile "$ca" -purpose any -out /dev/null || fail "openssl: the PDF signature does not verify"
must_fail "openssl: verifies against the authentication CA" \
	openssl cms -verify -binary -inform DER -in "$work/sig.der" -content "$work/content" \
	-CAfile "$JPKI_VCARD_PROFILE/auth-ca.crt" -purpose any -out /dev/null

echo "== a PDF changed inside the signed range"
LC_ALL=C sed 's/0 0 1 rg/1 0 0 rg/' "$work/signed.pdf" > "$work/changed.pdf"
cmp -s "$work/signed.pdf" "$work/changed.pdf" && fail "the change did not apply"
pdfsig -nssdir "sql:$work/verifier" "$work/changed.pdf" > "$work/changed.txt" 2>&1 || true
grep -q 'Signature Validation: Signature is Valid' "$work/changed.txt" && fail "pdfsig: a changed PDF is valid"
echo "refused as it should be: pdfsig on a changed PDF ($(grep 'Signature Validation' "$work/changed.txt"))"
signed_parts "$work/changed.pdf" "$range" "$work/changed-content"
must_fail "openssl: a changed PDF verifies" \
	openssl cms -verify -binary -inform DER -in "$work/sig.der" -content "$work/changed-content" \
	-CAfile "$ca" -purpose any -out /dev/null
echo "APDUS pdfsig=$(apdu_count)"
