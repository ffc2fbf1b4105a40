#!/bin/bash
# The card in a bubblewrap sandbox that has only /usr, /etc and the socket
# of `jpki serve`, through p11-kit-client.so (tests/with-card for the card):
#  pkcs11  the sandbox has no pcscd socket (its only socket is the
#          server's), no file of this project and no way to PC/SC; there
#          pkcs11-tool lists both tokens, logs in and signs with each key,
#          verified outside by OpenSSL; login and signature measured
#          (APDUs, wall time) against the module loaded directly
#  nss     `jpki serve --auth-only` (what a browser gets): NSS in the
#          sandbox lists the authentication certificate with no PIN, then
#          tstclnt logs in over TLS 1.2 to openssl s_server -Verify 1 with
#          the one PIN; the signature PIN never reaches the card
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

# measure WHAT DATA-DIR MODULE [PREFIX...]: one pkcs11-tool login and
# signature with the signature key (PREFIX: in_sandbox ...; DATA-DIR: where
# the test's data is seen), its APDUs and wall time as a MEASURE line.
measure() {
	local what=$1 data=$2 m=$3 before t0 t1
	shift 3
	before=$(apdu_count)
	t0=$(now_ms)
	"$@" pkcs11-tool --module "$m" --token-label "$SIGN_TOKEN" --login --pin "$JPKI_SIGN_PIN" \
		--sign --mechanism SHA256-RSA-PKCS --input-file "$data/data" --output-file "$data/sig.measure" \
		>/dev/null 2>&1 || fail "$what: login and signature failed"
	t1=$(now_ms)
	echo "MEASURE $what login+sign: $(( $(apdu_count) - before )) APDUs, $((t1 - t0)) ms"
}

if [ "${1:-}" = --flow ]; then
	flow=$2
	work=$(mktemp -d)
	serve_pid=
	server_pid=
	trap 'serve_stop; [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || :; rm -rf "$work"' EXIT
	io=$work/io
	mkdir -p "$io"
	client=$(client_module)
	case $flow in
	pkcs11)
		serve_start "$work/sock"
		echo "jpki serve: $address"
		must_fail "a second jpki serve on a socket that answers" \
			env JPKI_MODULE_DIR="$build/module" "$build/cli/jpki" serve --socket "$work/sock/pkcs11"
		must_fail "jpki serve on a relative socket path" \
			env JPKI_MODULE_DIR="$build/module" "$build/cli/jpki" serve --socket sock
		# A socket left by a server that ended: the address is printed only
		# once the new server answers (p11-kit made slow to start, 1 s).
		serve_stop
		python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
			"$work/sock/pkcs11"
		mkdir "$work/slow"
		printf '#!/bin/sh\nsleep 1\nexec %s "$@"\n' "$(command -v p11-kit)" >"$work/slow/p11-kit"
		chmod +x "$work/slow/p11-kit"
		PATH=$work/slow:$PATH serve_start "$work/sock"
		python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' \
			"$work/sock/pkcs11" || fail "the address was printed before the server answered"
		# What the sandbox holds: sockets, project files, PC/SC.
		out=$(in_sandbox "$work/sock" "$io" /usr/bin/bash -c '
			find / -path /proc -prune -o -type s -print 2>/dev/null
			echo "pcscd: $(ls -d /run/pcscd 2>&1)"
			find / -path /proc -prune -o \( -name "jpki-pkcs11*" -o -name jpki.module \
				-o -path "*/bin/jpki" -o -name "jpki-register-browsers*" \) -print 2>/dev/null |
				sed "s/^/project file: /"
			for d in '"$top"' '"$build"'; do [ ! -e "$d" ] || echo "project file: $d"; done
			for m in /usr/lib/*/pkcs11/opensc-pkcs11.so; do
				[ -f "$m" ] && echo "PC/SC through OpenSC: $(pkcs11-tool --module "$m" -L 2>&1 | tr "\n" " ")"
			done
			true')
		printf '%s\n' "$out"
		[ "$(grep -c '^/' <<<"$out")" = 1 ] && grep -qx /run/card/pkcs11 <<<"$out" ||
			fail "the sandbox has other sockets than the server's"
		grep -qx 'pcscd: ls: cannot access '"'"'/run/pcscd'"'"': No such file or directory' <<<"$out" ||
			fail "the sandbox sees /run/pcscd"
		grep -q '^project file: ' <<<"$out" && fail "the sandbox sees the project's files"
		if grep -q '^PC/SC through OpenSC: ' <<<"$out"; then
			grep -q '^PC/SC through OpenSC: No slots\.' <<<"$out" || fail "the sandbox reaches a reader through PC/SC"
		fi

		out=$(in_sandbox "$work/sock" "$io" pkcs11-tool --module "$client" -L)
		printf '%s\n' "$out"
		[ "$(grep -c 'token label' <<<"$out")" = 2 ] || fail "expected exactly two tokens"
		grep -q "token label *: $AUTH_TOKEN\$" <<<"$out" || fail "auth token not listed"
		grep -q "token label *: $SIGN_TOKEN\$" <<<"$out" || fail "sign token not listed"

		for token in auth sign; do
			if [ "$token" = auth ]; then label=$AUTH_TOKEN pin=$JPKI_AUTH_PIN; else label=$SIGN_TOKEN pin=$JPKI_SIGN_PIN; fi
			printf 'signed in a sandbox %s\n' "$RANDOM" >"$io/data"
			in_sandbox "$work/sock" "$io" pkcs11-tool --module "$client" --token-label "$label" \
				--login --pin "$pin" --sign --mechanism SHA256-RSA-PKCS \
				--input-file /io/data --output-file "/io/$token.sig"
			openssl x509 -in "$JPKI_VCARD_PROFILE/$token.crt" -pubkey -noout >"$work/$token.pub"
			openssl dgst -sha256 -verify "$work/$token.pub" -signature "$io/$token.sig" "$io/data" ||
				fail "$token signature made in the sandbox does not verify"
			echo "changed" >>"$io/data"
			must_fail "$token signature over changed data" \
				openssl dgst -sha256 -verify "$work/$token.pub" -signature "$io/$token.sig" "$io/data"
		done

		# The same login and signature, direct and through the socket.
		printf 'measured %s\n' "$RANDOM" >"$io/data"
		measure "direct (jpki-pkcs11.so)" "$io" "$(our_module)"
		measure "sandbox (p11-kit-client.so, jpki serve)" /io "$client" in_sandbox "$work/sock" "$io"
		[ "$(tries sign)" = 5 ] && [ "$(tries auth)" = 3 ] || fail "a PIN try was lost"
		;;
	nss)
		serve_start "$work/sock" --auth-only
		printf '%s\n' "$JPKI_AUTH_PIN" >"$io/auth.pw"
		openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
			-keyout "$work/server.key" -out "$work/server.crt" 2>/dev/null
		openssl s_server -accept 127.0.0.1:4433 -Verify 1 -tls1_2 \
			-CAfile "$JPKI_VCARD_PROFILE/auth-ca.crt" \
			-cert "$work/server.crt" -key "$work/server.key" \
			< <(sleep 120) >"$work/server.log" 2>&1 &
		server_pid=$!
		for _ in $(seq 100); do ss -Hltn "sport = :4433" | grep -q . && break; sleep 0.05; done
		out=$(in_sandbox "$work/sock" "$io" --share-net /usr/bin/bash -c '
			set -e
			mkdir /tmp/db
			certutil -N --empty-password -d sql:/tmp/db
			modutil -dbdir sql:/tmp/db -add card -libfile "$1" -force </dev/null >/dev/null
			echo "== certutil -L -h all"
			certutil -L -d sql:/tmp/db -h all </dev/null
			echo "GET / through the sandbox" |
				timeout 60 tstclnt -h 127.0.0.1 -p 4433 -d sql:/tmp/db -n "$2" \
					-W /io/auth.pw -o -V tls1.2:tls1.2 -Q 2>&1
			' _ "$client" "$AUTH_NICK") || fail "NSS in the sandbox failed: $out"
		printf '%s\n' "$out"
		for _ in $(seq 200); do grep -q '^GET / through the sandbox$' "$work/server.log" && break; sleep 0.05; done
		kill "$server_pid" 2>/dev/null || :
		server_pid=
		grep -q "^$AUTH_NICK  *u,u,u" <<<"$out" || fail "auth certificate not listed in the sandbox"
		grep -q "$SIGN_TOKEN" <<<"$out" && fail "the signature token reached the browser's NSS"
		subject=$(openssl x509 -in "$JPKI_VCARD_PROFILE/auth.crt" -noout -subject)
		grep -qxF "$subject" "$work/server.log" || fail "server did not see the card's certificate"
		[ "$(grep -c '^verify return:1$' "$work/server.log")" = 2 ] || fail "chain not verified"
		grep -q '^GET / through the sandbox$' "$work/server.log" || fail "data not received"
		[ "$(verifies 0018)" = 1 ] || fail "auth PIN sent $(verifies 0018) times, expected once"
		[ "$(verifies 001B)" = 0 ] || fail "the signature PIN was sent to the card"
		echo "FINDING nss: TLS 1.2 login from the sandbox, server verified $subject, one auth PIN"
		;;
	*) fail "unknown flow $flow" ;;
	esac
	echo "APDUS sandbox $flow=$(apdu_count)"
	exit 0
fi

if ! why=$(bwrap_works); then
	echo "SKIP: $why"
	exit 77
fi
for flow in pkcs11 nss; do
	with_card -- "$0" --flow "$flow"
done
