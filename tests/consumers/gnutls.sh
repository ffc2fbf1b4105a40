#!/bin/bash
# GnuTLS with our module named by --provider and the keys by pkcs11: URIs:
#   gnutls-cli logs in to `openssl s_server -Verify 1` over TLS 1.2 with the
#   authentication key (the server, OpenSSL, checks the client's signature
#   and its chain to the authentication CA);
#   p11tool --export gives both certificates, the signature one only after
#   login (it is private until then).
# TLS 1.3 (RSA-PSS) is in tls13.sh.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

PORT=4433 # with-card gives the test its own network namespace

for p in gnutls-cli p11tool openssl; do
	command -v "$p" >/dev/null || { echo "SKIP: $p not installed" >&2; exit 77; }
done
if [ "${1:-}" != --in-card ]; then
	exec "$top/tests/with-card" -- "$0" --in-card
fi

work=$(mktemp -d)
server_pid=''
trap '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
fingerprint() { openssl x509 -noout -fingerprint -sha256 -in "$1"; }

echo "== p11tool --provider <module> --export <auth certificate URI>"
p11tool --provider "$(our_module)" --export "$auth_cert" > "$work/auth.pem"
[ "$(fingerprint "$work/auth.pem")" = "$(fingerprint "$JPKI_VCARD_PROFILE/auth.crt")" ] ||
	fail "p11tool exported another authentication certificate"

echo "== p11tool --provider <module> --login --export <signature certificate URI>"
must_fail "p11tool exports the signature certificate without login" \
	p11tool --provider "$(our_module)" --export "$sign_cert"
GNUTLS_PIN=$JPKI_SIGN_PIN p11tool --provider "$(our_module)" --login --export "$sign_cert" \
	> "$work/sign.pem"
[ "$(fingerprint "$work/sign.pem")" = "$(fingerprint "$JPKI_VCARD_PROFILE/sign.crt")" ] ||
	fail "p11tool exported another signature certificate"

echo "== openssl s_server -Verify 1 <- gnutls-cli TLS 1.2 with pkcs11: URIs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/server.key" -out "$work/server.crt" \
	-subj /CN=localhost -days 1 2>/dev/null
openssl s_server -accept "$PORT" -cert "$work/server.crt" -key "$work/server.key" \
	-Verify 1 -verify_return_error -CAfile "$JPKI_VCARD_PROFILE/auth-ca.crt" -tls1_2 -www \
	> "$work/server.out" 2>&1 &
server_pid=$!
for (( i = 0; i < 100; i++ )); do
	grep -q '^ACCEPT' "$work/server.out" && break
	sleep 0.1
done
grep -q '^ACCEPT' "$work/server.out" || fail "s_server did not start: $(cat "$work/server.out")"
printf 'GET / HTTP/1.0\r\n\r\n' |
	GNUTLS_PIN=$JPKI_AUTH_PIN gnutls-cli --provider "$(our_module)" \
		--x509certfile "$auth_cert" --x509keyfile "$auth_key" \
		--x509cafile "$work/server.crt" --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2' \
		-p "$PORT" localhost > "$work/client.out" 2>&1 ||
	{ cat "$work/client.out"; fail "gnutls-cli did not connect"; }
grep -q 'TLS1.2' "$work/client.out" || fail "not TLS 1.2"
grep -q 'HTTP/1.0 200 ok' "$work/client.out" || fail "no answer from s_server"
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=''
# s_server saw and verified the card's certificate and chain.
grep -q "^depth=0 .*CN *= *$(openssl x509 -noout -subject -nameopt multiline -in "$JPKI_VCARD_PROFILE/auth.crt" |
	sed -n 's/^ *commonName *= *//p')" "$work/server.out" || { cat "$work/server.out"; fail "s_server did not see the card's certificate"; }
grep -q '^verify return:1' "$work/server.out" || fail "s_server did not verify the chain"
[ "$(tries auth)" = 3 ] || fail "tries left $(tries auth)"
echo "APDUS gnutls=$(apdu_count)"
