#!/bin/bash
# TLS client login with the authentication key, by card generation
# (tests/with-card --card-generation).  The server is openssl s_server
# -Verify 1 -verify_return_error with the card's authentication CA: it
# verifies the client's certificate chain and its signature, and says
# which signature the client made.
#   nss-tls13, gnutls-tls13, openssl-tls13   current card, TLS 1.3 only:
#       NSS tstclnt (jpki-pkcs11-auth.so, the browsers' module), GnuTLS
#       gnutls-cli (--provider), OpenSSL s_client through pkcs11-provider;
#       the server verifies the card's certificate, the peer signed with
#       RSA-PSS
#   older-nss-tls12, older-gnutls-tls12   an older card (no PSS), a TLS 1.2
#       server that offers PSS and PKCS#1 v1.5: the login works, signed
#       with PKCS#1 v1.5
#   older-nss-tls13, older-gnutls-tls13   an older card, TLS 1.3: the client
#       sends no certificate (nothing signs RSA-PSS), the server refuses,
#       the client ends at once; the module's log says why
#   6982-first-nss-tls12, 6982-first-nss-tls13   a card that wants a PIN
#       before it reads P1, so that without one it does not tell whether it
#       has PSS (here it has not): PSS is not listed, TLS 1.2 works with
#       PKCS#1 v1.5, TLS 1.3 ends as on an older card
#   6982-first-forced-nss-tls13   the same card with JPKI_PKCS11_PSS=on:
#       PSS is listed, NSS signs with it, the card refuses, the module
#       releases nothing and logs it; the handshake fails, never hangs
# Each flow runs on a fresh card and prints its findings.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

PORT=4433 # with-card gives each flow its own network namespace
AUTH_TOKEN="My Number Auth (4-digit PIN)"
AUTH_NICK="$AUTH_TOKEN:JPKI User Authentication Certificate"
# OpenSSL 3.0 names the client's signature "RSA-PSS" or "RSA", 3.5 the
# TLS scheme.
PSS_SIGNED='^Peer signature type: (RSA-PSS|rsa_pss_rsae_sha256)$'
PKCS1_SIGNED='^Peer signature type: (RSA|rsa_pkcs1_sha(256|384|512))$'

# server_start ARGS...: s_server on 127.0.0.1:$PORT into $work/server.log,
# asking for a client certificate from the card's authentication CA.
server_start() {
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
		-addext subjectAltName=IP:127.0.0.1 \
		-keyout "$work/server.key" -out "$work/server.crt" 2>/dev/null
	openssl s_server -accept "127.0.0.1:$PORT" -Verify 1 -verify_return_error \
		-CAfile "$JPKI_VCARD_PROFILE/auth-ca.crt" \
		-cert "$work/server.crt" -key "$work/server.key" "$@" \
		< <(sleep 120) >"$work/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 100); do
		grep -q '^ACCEPT' "$work/server.log" && return 0
		sleep 0.05
	done
	fail "s_server did not start: $(cat "$work/server.log")"
}

# server_stop [REGEX]: up to 10 s for s_server to log a line, then stop it.
server_stop() {
	for _ in $(seq 200); do
		[ -n "${1:-}" ] || break
		grep -Eq "$1" "$work/server.log" && break
		sleep 0.05
	done
	kill "$server_pid" 2>/dev/null || :
	wait "$server_pid" 2>/dev/null || :
	server_pid=
}

# server_verified_card SIGNED: the server verified the card's certificate
# and chain, the client signed as SIGNED says, and the data arrived.
server_verified_card() {
	local subject
	grep -E "^(depth|verify|Peer sig|CIPHER|Protocol)|from the card" "$work/server.log" || :
	subject=$(openssl x509 -in "$JPKI_VCARD_PROFILE/auth.crt" -noout -subject)
	grep -qxF "$subject" "$work/server.log" || fail "server did not see the card's certificate"
	[ "$(grep -c '^verify return:1$' "$work/server.log")" = 2 ] || fail "chain not verified"
	grep -Eq "$1" "$work/server.log" || fail "the client did not sign as expected ($1)"
	grep -q "from the card" "$work/server.log" || fail "data not received"
}

# server_refused: the server got no certificate and verified none.
server_refused() {
	grep -E "error|alert" "$work/server.log" || :
	grep -q "peer did not return a certificate" "$work/server.log" ||
		fail "server log does not say the certificate was missing"
	! grep -q '^depth=0' "$work/server.log" || fail "the server verified a client certificate"
}

nss_db() {
	mkdir -p "$work/db"
	certutil -N --empty-password -d "sql:$work/db"
	modutil -dbdir "sql:$work/db" -add jpki -libfile "$build/module/jpki-pkcs11-auth.so" \
		-force </dev/null >/dev/null
	printf '%s\n' "$JPKI_AUTH_PIN" >"$work/auth.pw"
}

# nss_client VERSIONS: tstclnt logs in with the card; its status in $rc.
nss_client() {
	nss_db
	rc=0
	echo "GET / from the card" |
		timeout 60 tstclnt -h 127.0.0.1 -p "$PORT" -d "sql:$work/db" -n "$AUTH_NICK" \
			-W "$work/auth.pw" -o -V "$1" -Q >"$work/client.log" 2>&1 || rc=$?
	cat "$work/client.log"
	[ "$rc" != 124 ] || fail "tstclnt hung"
}

# gnutls_client PRIORITY: gnutls-cli logs in with the card; status in $rc.
gnutls_client() {
	rc=0
	echo "GET / from the card" |
		GNUTLS_PIN=$JPKI_AUTH_PIN timeout 60 gnutls-cli --provider "$(our_module)" \
			--x509certfile "$auth_cert" --x509keyfile "$auth_key" \
			--x509cafile "$work/server.crt" --priority "$1" \
			-p "$PORT" 127.0.0.1 >"$work/client.log" 2>&1 || rc=$?
	cat "$work/client.log"
	[ "$rc" != 124 ] || fail "gnutls-cli hung"
}

# openssl_client: s_client with the key through pkcs11-provider (the
# default provider first: the server's signature is checked there, not
# sent to the token).
openssl_client() {
	rc=0
	echo "GET / from the card" |
		PKCS11_PROVIDER_MODULE=$(our_module) timeout 60 openssl s_client -tls1_3 \
			-provider default -provider pkcs11 -connect "127.0.0.1:$PORT" \
			-cert "$JPKI_VCARD_PROFILE/auth.crt" -key "$auth_key;pin-value=$JPKI_AUTH_PIN" \
			-CAfile "$work/server.crt" >"$work/client.log" 2>&1 || rc=$?
	grep -E "^(New|Verification|Peer)|error" "$work/client.log" || :
	[ "$rc" != 124 ] || fail "s_client hung"
}

if [ "${1:-}" = --flow ]; then
	flow=$2
	work=$(mktemp -d)
	server_pid=
	trap '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
	export JPKI_PKCS11_DEBUG=$work/module.log
	start=$SECONDS
	case $flow in
	nss-tls13)
		server_start -tls1_3
		nss_client tls1.3:tls1.3
		server_stop "from the card"
		[ "$rc" = 0 ] || fail "tstclnt failed ($rc)"
		server_verified_card "$PSS_SIGNED"
		;;
	gnutls-tls13)
		server_start -tls1_3
		gnutls_client 'NORMAL:-VERS-ALL:+VERS-TLS1.3'
		server_stop "from the card"
		[ "$rc" = 0 ] || fail "gnutls-cli failed ($rc)"
		grep -q 'TLS1.3' "$work/client.log" || fail "not TLS 1.3"
		server_verified_card "$PSS_SIGNED"
		;;
	openssl-tls13)
		openssl version -m | grep -q MODULESDIR || fail "openssl version -m says no MODULESDIR"
		server_start -tls1_3
		openssl_client
		server_stop "from the card"
		[ "$rc" = 0 ] || { cat "$work/client.log"; fail "s_client failed ($rc)"; }
		grep -q '^New, TLSv1.3,' "$work/client.log" || fail "not TLS 1.3"
		server_verified_card "$PSS_SIGNED"
		;;
	older-nss-tls12)
		server_start -tls1_2
		nss_client tls1.2:tls1.3
		server_stop "from the card"
		[ "$rc" = 0 ] || fail "tstclnt failed ($rc)"
		server_verified_card "$PKCS1_SIGNED"
		;;
	older-gnutls-tls12)
		server_start -tls1_2
		gnutls_client 'NORMAL:-VERS-ALL:+VERS-TLS1.2'
		server_stop "from the card"
		[ "$rc" = 0 ] || fail "gnutls-cli failed ($rc)"
		server_verified_card "$PKCS1_SIGNED"
		;;
	older-nss-tls13)
		server_start -tls1_3
		nss_client tls1.3:tls1.3
		server_stop "peer did not return a certificate"
		server_refused
		;;
	older-gnutls-tls13)
		server_start -tls1_3
		gnutls_client 'NORMAL:-VERS-ALL:+VERS-TLS1.3'
		server_stop "peer did not return a certificate"
		[ "$rc" != 0 ] || fail "gnutls-cli succeeded without a certificate"
		server_refused
		;;
	6982-first-nss-tls12)
		server_start -tls1_2
		nss_client tls1.2:tls1.3
		server_stop "from the card"
		[ "$rc" = 0 ] || fail "tstclnt failed ($rc)"
		server_verified_card "$PKCS1_SIGNED"
		grep -q "not told" "$work/module.log" || fail "the module's log does not say why no PSS"
		;;
	6982-first-nss-tls13)
		server_start -tls1_3
		nss_client tls1.3:tls1.3
		server_stop "peer did not return a certificate"
		server_refused
		grep -q "not told" "$work/module.log" || fail "the module's log does not say why no PSS"
		;;
	6982-first-forced-nss-tls13)
		export JPKI_PKCS11_PSS=on
		server_start -tls1_3
		nss_client tls1.3:tls1.3
		server_stop "error|alert"
		! grep -q "from the card" "$work/server.log" || fail "the login succeeded"
		! grep -Eq "$PSS_SIGNED" "$work/server.log" || fail "the server verified a PSS signature"
		grep -q "refused PSS" "$work/module.log" || fail "the module did not log the card's refusal"
		grep -F "refused PSS" "$work/module.log"
		;;
	*) fail "unknown flow $flow" ;;
	esac
	case $flow in
	older-*)
		grep -F "PSS" "$work/module.log" | head -n 3
		grep -q "PSS" "$work/module.log" || fail "the module's log says nothing about PSS"
		;;
	esac
	[ "$(tries auth)" = 3 ] || fail "authentication PIN tries left: $(tries auth)"
	[ "$(verifies 001B)" = 0 ] || fail "the signature PIN was sent to the card"
	echo "FINDING $flow: client exit $rc after $((SECONDS - start)) s; $(grep -E '^Peer signature type|peer did not return' "$work/server.log" | head -n 1)"
	echo "APDUS tls $flow=$(apdu_count)"
	exit 0
fi

for p in tstclnt certutil modutil gnutls-cli openssl; do
	command -v "$p" >/dev/null || { echo "SKIP: $p not installed" >&2; exit 77; }
done
for flow in nss-tls13 gnutls-tls13 openssl-tls13; do
	with_card -- "$0" --flow "$flow"
done
for flow in older-nss-tls12 older-gnutls-tls12 older-nss-tls13 older-gnutls-tls13; do
	with_card --card-generation older -- "$0" --flow "$flow"
done
for flow in 6982-first-nss-tls12 6982-first-nss-tls13 6982-first-forced-nss-tls13; do
	with_card --card-generation 6982-first -- "$0" --flow "$flow"
done
