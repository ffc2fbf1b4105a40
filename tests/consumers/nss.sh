#!/bin/bash
# NSS, as Firefox uses it, drives our module through tests/with-card:
#  certutil  modutil -add; certutil -L/-K per token, before and after login
#  tls12     tstclnt logs in to openssl s_server (-Verify, the auth CA) over
#            TLS 1.2 with the auth certificate's nickname and a PIN file;
#            the server verifies the card's signature in the handshake
#  tls13     an older card (no PSS) against a TLS 1.3 server: NSS sends no
#            certificate (TLS 1.3 needs RSA-PSS), the server refuses it, and
#            the client fails at once, never hangs (tls13.sh: a card with PSS)
#  prompts   nss-client-auth picks the client certificate as Firefox does and
#            as NSS_GetClientAuthData does, counting PIN prompts per token:
#            jpki-pkcs11-auth.so asks once, for the auth PIN, never for the
#            signature PIN; jpki-pkcs11.so also asks for the signature PIN
#  firefox   a Firefox ESR profile with jpki-pkcs11-auth.so: Firefox loads it
#            (the card sees its APDUs) and certutil on the profile shows the
#            authentication certificate
# Each flow runs on a fresh card and prints its findings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

AUTH_TOKEN="My Number Auth (4-digit PIN)"
SIGN_TOKEN="My Number Sign (6-16 char PIN)"
AUTH_NICK="$AUTH_TOKEN:JPKI User Authentication Certificate"
SIGN_NICK="$SIGN_TOKEN:JPKI Digital Signature Certificate"
PORT=4433 # with-card gives each flow its own network namespace

auth_module() { echo "$build/module/jpki-pkcs11-auth.so"; }
client_auth() { echo "$build/tests/consumers/nss-client-auth"; }

# new_db DIR MODULE: an empty NSS database with MODULE loaded.
new_db() {
	mkdir -p "$1"
	certutil -N --empty-password -d "sql:$1"
	modutil -dbdir "sql:$1" -add jpki -libfile "$2" -force </dev/null >/dev/null
}

# No try of either PIN was lost.
no_try_lost() {
	[ "$(tries sign)" = 5 ] || fail "signature PIN tries left: $(tries sign)"
	[ "$(tries auth)" = 3 ] || fail "authentication PIN tries left: $(tries auth)"
}

# The signature PIN was never sent and no try was lost.
pins_untouched() {
	[ "$(verifies 001B)" = 0 ] || fail "the signature PIN was sent to the card"
	no_try_lost
}

# server_start LOG ARGS...: openssl s_server on 127.0.0.1:$PORT asking for
# a client certificate from the card's auth CA; stdin held open.
server_start() {
	local log=$1
	shift
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
		-keyout "$work/server.key" -out "$work/server.crt" 2>/dev/null
	openssl s_server -accept "127.0.0.1:$PORT" -Verify 1 \
		-CAfile "$JPKI_VCARD_PROFILE/auth-ca.crt" \
		-cert "$work/server.crt" -key "$work/server.key" "$@" \
		< <(sleep 120) >"$log" 2>&1 &
	server_pid=$!
	for _ in $(seq 100); do
		ss -Hltn "sport = :$PORT" | grep -q . && return 0
		sleep 0.05
	done
	fail "s_server did not start: $(cat "$log")"
}

# server_wait_for LOG REGEX: up to 10 s for s_server to log a line, so that
# it is not stopped before it has written what the test reads.
server_wait_for() {
	for _ in $(seq 200); do
		grep -Eq "$2" "$1" && return 0
		sleep 0.05
	done
	return 0 # the checks that follow say what is missing
}

server_stop() {
	kill "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
}

# prompts OUT: "auth sign" prompt counts from nss-client-auth's output.
prompts() { sed -n 's/^PROMPTS auth=\([0-9]*\) sign=\([0-9]*\) other=0$/\1 \2/p' "$1"; }

if [ "${1:-}" = --flow ]; then
	flow=$2
	m=$(our_module)
	work=$(mktemp -d)
	server_pid=
	trap 'server_stop; rm -rf "$work"' EXIT
	db=$work/db
	printf '%s\n' "$JPKI_AUTH_PIN" >"$work/auth.pw"
	printf '%s\n' "$JPKI_SIGN_PIN" >"$work/sign.pw"
	case $flow in
	certutil)
		new_db "$db" "$m"
		out=$(modutil -dbdir "sql:$db" -list </dev/null)
		grep -q "token: $AUTH_TOKEN" <<<"$out" || fail "modutil: no auth token"
		grep -q "token: $SIGN_TOKEN" <<<"$out" || fail "modutil: no sign token"
		# No login: the auth certificate and both CA certificates.
		out=$(certutil -L -d "sql:$db" -h all </dev/null 2>&1)
		echo "$out"
		grep -q "^$AUTH_NICK  *u,u,u" <<<"$out" || fail "auth certificate not listed"
		grep -q "$SIGN_TOKEN:JPKI Digital Signature CA" <<<"$out" || fail "sign CA not listed"
		grep -q "$SIGN_NICK" <<<"$out" && fail "signature certificate listed before login"
		# One PIN file for every token: the auth PIN, offered to the sign
		# token too, is refused on the host and never reaches the card.
		out=$(certutil -L -d "sql:$db" -h all -f "$work/auth.pw" 2>&1)
		grep -q "^$AUTH_NICK" <<<"$out" || fail "auth certificate not listed"
		grep -q "$SIGN_NICK" <<<"$out" && fail "signature certificate listed with the auth PIN"
		# Login to the sign token shows its certificate.
		out=$(certutil -L -d "sql:$db" -h "$SIGN_TOKEN" -f "$work/sign.pw" 2>&1)
		echo "$out"
		grep -q "^$SIGN_NICK  *u,u,u" <<<"$out" || fail "signature certificate not listed after login"
		out=$(certutil -K -d "sql:$db" -h "$AUTH_TOKEN" -f "$work/auth.pw" 2>&1)
		echo "$out"
		grep -q "rsa .*JPKI User Authentication Key" <<<"$out" || fail "auth key not listed"
		out=$(certutil -K -d "sql:$db" -h "$SIGN_TOKEN" -f "$work/sign.pw" 2>&1)
		echo "$out"
		grep -q "rsa .*JPKI Digital Signature Key" <<<"$out" || fail "sign key not listed"
		[ "$(verifies 001B)" = 2 ] || fail "signature PIN sent $(verifies 001B) times, expected 2"
		no_try_lost
		echo "FINDING certutil: auth certificate public, signature certificate after login only; auth PIN offered to the sign token never reached the card"
		;;
	tls12-full | tls12-auth)
		[ "$flow" = tls12-auth ] && m=$(auth_module)
		new_db "$db" "$m"
		server_start "$work/server.log" -tls1_2
		echo "GET / tls12 from the card" |
			timeout 60 tstclnt -h 127.0.0.1 -p "$PORT" -d "sql:$db" -n "$AUTH_NICK" \
				-W "$work/auth.pw" -o -V tls1.2:tls1.3 -Q >"$work/client.log" 2>&1 ||
			fail "tstclnt failed ($?): $(cat "$work/client.log")"
		server_wait_for "$work/server.log" "^GET / tls12 from the card$"
		server_stop
		cat "$work/server.log" "$work/client.log" |
			grep -E "^(depth|verify|subject|issuer|Peer sig|CIPHER|tstclnt|GET)" || true
		subject=$(openssl x509 -in "$JPKI_VCARD_PROFILE/auth.crt" -noout -subject)
		grep -qxF "$subject" "$work/server.log" || fail "server did not see the card's certificate"
		grep -q "^depth=0 .*" "$work/server.log" || fail "no client certificate verified"
		grep -q "verify error" "$work/server.log" && fail "server failed to verify the chain"
		[ "$(grep -c '^verify return:1$' "$work/server.log")" = 2 ] || fail "chain not verified"
		# OpenSSL 3.0 says "RSA" or "RSA-PSS", 3.5 names the TLS scheme:
		# rsa_pkcs1_sha256, rsa_pss_rsae_sha256.  NSS prefers PSS, which
		# the card has (tls13.sh: a card without it still logs in).
		grep -Eq "^Peer signature type: (RSA|RSA-PSS|rsa_pkcs1_sha(256|384|512)|rsa_pss_rsae_sha256)$" "$work/server.log" ||
			fail "handshake not signed with RSA"
		grep -q "^GET / tls12 from the card$" "$work/server.log" || fail "data not received"
		pins_untouched
		echo "FINDING $flow: TLS 1.2 login with $(basename "$m"): server verified $subject, $(grep '^CIPHER' "$work/server.log")"
		;;
	tls13)
		new_db "$db" "$m"
		server_start "$work/server.log" # TLS 1.2 and 1.3, as a web server
		start=$SECONDS
		rc=0
		echo "GET / tls13" |
			timeout 60 tstclnt -h 127.0.0.1 -p "$PORT" -d "sql:$db" -n "$AUTH_NICK" \
				-W "$work/auth.pw" -o -Q >"$work/client.log" 2>&1 || rc=$?
		took=$((SECONDS - start))
		server_wait_for "$work/server.log" "peer did not return a certificate"
		server_stop
		cat "$work/client.log"
		grep -E "error|ERROR" "$work/server.log" || true
		[ "$rc" != 124 ] || fail "tstclnt hung on TLS 1.3"
		# The server decides: it got no certificate and verified none.
		# tstclnt may finish before the server's alert arrives, so its
		# exit status is 0 or 1 depending on timing.
		grep -q "peer did not return a certificate" "$work/server.log" ||
			fail "server log does not say the certificate was missing"
		! grep -q "^depth=0" "$work/server.log" ||
			fail "TLS 1.3 server verified a client certificate: the card cannot sign RSA-PSS"
		[ "$rc" = 0 ] || grep -q "SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT" "$work/client.log" ||
			fail "TLS 1.3 failed other than by the server asking for the missing certificate"
		pins_untouched
		echo "FINDING tls13: TLS 1.3 negotiated, NSS sent no certificate (no RSA-PSS on the card), server alerted certificate_required; tstclnt exit $rc after ${took}s, no fallback"
		;;
	prompts-full | prompts-auth)
		[ "$flow" = prompts-auth ] && m=$(auth_module)
		new_db "$db" "$m"
		c=$(client_auth)
		[ -x "$c" ] || fail "$c not built (libnss3-dev missing?)"
		name=$(basename "$m")
		# Firefox's own selection, then a signature NSS verifies.
		"$c" "sql:$db" firefox | tee "$work/firefox.out" || fail "$name: Firefox-style selection failed"
		grep -q "^SELECTED nickname=$AUTH_NICK " "$work/firefox.out" || fail "auth certificate not selected"
		grep -q "^SIGN verified$" "$work/firefox.out" || fail "signature not verified"
		read -r fa fs < <(prompts "$work/firefox.out")
		# Two TLS 1.2 logins, NSS choosing the certificate by itself.
		new_db "$work/db2" "$m"
		server_start "$work/server.log" -tls1_2 -www
		"$c" "sql:$work/db2" connect 127.0.0.1 "$PORT" 2 | tee "$work/connect.out" ||
			fail "$name: NSS_GetClientAuthData login failed"
		server_stop
		[ "$(grep -c "^CLIENTCERT nickname=$AUTH_NICK " "$work/connect.out")" = 2 ] ||
			fail "auth certificate not sent twice"
		[ "$(grep -c '^verify return:1$' "$work/server.log")" = 4 ] || fail "server did not verify both logins"
		read -r ca cs < <(prompts "$work/connect.out")
		echo "FINDING $flow: $name Firefox selection: auth PIN asked $fa, sign PIN asked $fs (the callback cancels it)"
		echo "FINDING $flow: $name NSS_GetClientAuthData, 2 connections: auth PIN asked $ca, sign PIN asked $cs (the callback cancels it)"
		if [ "$fa" != 1 ] || [ "$ca" != 1 ]; then
			fail "$name: auth PIN asked $fa/$ca times, expected once"
		fi
		if [ "$flow" = prompts-auth ]; then
			if [ "$fs" != 0 ] || [ "$cs" != 0 ]; then
				fail "$name asked for the signature PIN"
			fi
		else
			# The reason for jpki-pkcs11-auth.so; also shows the count works.
			if [ "$fs" -lt 1 ] || [ "$cs" -lt 1 ]; then
				fail "$name: NSS no longer asks for the signature PIN; is the browser module still needed?"
			fi
		fi
		pins_untouched
		;;
	firefox)
		command -v firefox-esr >/dev/null || fail "firefox-esr not installed (scripts/install-deps)"
		profile=$work/profile
		export HOME=$work/home
		mkdir -p "$HOME"
		timeout 60 firefox-esr --headless -CreateProfile "jpki $profile" >/dev/null 2>&1 ||
			fail "firefox-esr -CreateProfile failed"
		certutil -N --empty-password -d "sql:$profile"
		modutil -dbdir "sql:$profile" -add "My Number Card" -libfile "$(auth_module)" -force </dev/null
		grep -qxF "library=$(auth_module)" "$profile/pkcs11.txt" || fail "module not in pkcs11.txt"
		before=$(apdu_count)
		timeout 120 firefox-esr --headless --profile "$profile" \
			--screenshot "$work/shot.png" about:blank >"$work/firefox.log" 2>&1 ||
			fail "firefox-esr failed: $(cat "$work/firefox.log")"
		[ -s "$work/shot.png" ] || fail "firefox-esr did not run"
		after=$(apdu_count)
		[ "$after" -gt "$before" ] || fail "Firefox did not load the module (no APDUs)"
		grep -qxF "library=$(auth_module)" "$profile/pkcs11.txt" || fail "Firefox dropped the module"
		out=$(modutil -dbdir "sql:$profile" -list </dev/null 2>&1 || true)
		grep -q "token: $AUTH_TOKEN" <<<"$out" || fail "auth token not in the profile"
		grep -q "$SIGN_TOKEN" <<<"$out" && fail "signature token in the browser profile"
		out=$(certutil -d "sql:$profile" -L -h all </dev/null 2>&1)
		echo "$out"
		grep -q "^$AUTH_NICK  *u,u,u" <<<"$out" || fail "auth certificate not seen in the profile"
		pins_untouched
		echo "FINDING firefox: $(firefox-esr --version 2>/dev/null) loaded jpki-pkcs11-auth.so from the profile ($((after - before)) APDUs); certutil on the profile shows $AUTH_NICK"
		;;
	*) fail "unknown flow $flow" ;;
	esac
	echo "APDUS nss $flow=$(apdu_count)"
	exit 0
fi

for flow in certutil tls12-full tls12-auth prompts-full prompts-auth firefox; do
	with_card -- "$0" --flow "$flow"
done
# A card without PSS (tls13.sh logs in over TLS 1.3 with one that has it).
with_card --card-generation older -- "$0" --flow tls13
