#!/bin/bash
# Faults behind `jpki serve`, seen by a consumer of p11-kit-client.so
# (rpc-steps: one PKCS#11 call at a time, its exact CKR_ code and time):
#  pcscd    pcscd stopped: the next signature CKR_DEVICE_REMOVED, the token
#           not present; pcscd back: the same client opens, logs in, signs
#  removed  the card pulled in the middle of a (slow) signature:
#           CKR_DEVICE_REMOVED; the card back: the same client signs again
#  killed   jpki serve stopped (SIGTERM) in the middle of a signature:
#           CKR_DEVICE_ERROR at once, and on every call after, also once
#           jpki serve is back (p11-kit-client.so does not reconnect);
#           after C_Finalize and C_Initialize the client works again and
#           must log in again
#  sigkill  jpki serve killed with SIGKILL in the middle of a signature:
#           the signature still completes (p11-kit-remote, which holds the
#           connection, is not killed with it); a new client finds no token
#           (p11-kit-client.so initializes with no slot when no server answers)
# Every call has to answer within its bound: a hang fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

SIGN_LATENCY_MS=3000 # with-card --sign-latency-ms for the flows that need time

# steps_start: rpc-steps on p11-kit-client.so, fed one step a line.
steps_start() {
	coproc STEPS { P11_KIT_SERVER_ADDRESS=$address "$build/tests/sandbox/rpc-steps" "$(client_module)"; }
}

# send STEP: start a call without waiting for its answer.
send() { echo "$*" >&"${STEPS[1]}"; }

# expect STEP CKR_CODE MAX_MS: the answer to the call sent last.
expect() {
	local want_step=$1 want=$2 max=$3 line step rv ms
	read -t $(( max / 1000 + 5 )) -r line <&"${STEPS[0]}" ||
		fail "$want_step: no answer within $(( max / 1000 + 5 )) s (a hang)"
	read -r step rv ms <<<"$line"
	echo "STEP $step $rv ${ms} ms (expected $want, at most $max ms)"
	[ "$step" = "$want_step" ] || fail "answer to $step, expected $want_step"
	[ "$rv" = "$want" ] || fail "$step: $rv, expected $want"
	[ "$ms" -le "$max" ] || fail "$step: took $ms ms, bound $max ms"
}

# call STEP CKR_CODE MAX_MS
call() {
	local step=$1
	shift
	send "$step"
	expect "${step%% *}" "$@"
}

# works: a session on the signature token, login, signature.
works() {
	call "open sign" CKR_OK 5000
	call login CKR_OK 5000
	call sign CKR_OK $(( SIGN_LATENCY_MS + 5000 ))
}

if [ "${1:-}" = --flow ]; then
	flow=$2
	work=$(mktemp -d)
	serve_pid=
	trap 'serve_stop; rm -rf "$work"' EXIT
	serve_start "$work/sock"
	steps_start
	call init CKR_OK 5000
	works
	case $flow in
	pcscd)
		"$JPKI_WITH_CARD_CONTROL" pcscd-stop
		call sign CKR_DEVICE_REMOVED 2000
		call "open sign" CKR_TOKEN_NOT_PRESENT 2000
		"$JPKI_WITH_CARD_CONTROL" pcscd-start
		works
		;;
	removed)
		send sign
		sleep 1
		"$JPKI_WITH_CARD_CONTROL" pull
		expect sign CKR_DEVICE_REMOVED $(( SIGN_LATENCY_MS + 2000 ))
		call "open sign" CKR_TOKEN_NOT_PRESENT 2000
		"$JPKI_WITH_CARD_CONTROL" insert
		works
		;;
	killed)
		send sign
		sleep 1
		t0=$(now_ms)
		serve_stop
		expect sign CKR_DEVICE_ERROR $(( SIGN_LATENCY_MS + 2000 ))
		echo "MEASURE killed: the signature failed $(( $(now_ms) - t0 )) ms after SIGTERM to jpki serve"
		[ ! -e "$work/sock/pkcs11" ] || fail "jpki serve left its socket"
		call "open sign" CKR_DEVICE_ERROR 1000
		serve_start "$work/sock"
		call "open sign" CKR_DEVICE_ERROR 1000
		call finalize CKR_OK 2000
		call init CKR_OK 5000
		call "open sign" CKR_OK 5000
		call sign CKR_KEY_HANDLE_INVALID 5000 # no private key before login
		call login CKR_OK 5000
		call sign CKR_OK $(( SIGN_LATENCY_MS + 5000 ))
		;;
	sigkill)
		send sign
		sleep 1
		kill -KILL "$serve_pid"
		wait "$serve_pid" 2>/dev/null || :
		serve_pid=
		expect sign CKR_OK $(( SIGN_LATENCY_MS + 2000 ))
		sleep 0.5 # the server's end: SIGTERM from the kernel (PR_SET_PDEATHSIG)
		# A new client: p11-kit-client.so initializes with no slot at all.
		out=$(printf 'init\nopen sign\nfinalize\n' | P11_KIT_SERVER_ADDRESS=$address \
			timeout 30 "$build/tests/sandbox/rpc-steps" "$(client_module)" | cut -d' ' -f1,2)
		echo "a new client after SIGKILL:" $out
		[ "$out" = "$(printf 'init CKR_OK\nopen CKR_TOKEN_NOT_PRESENT\nfinalize CKR_OK')" ] ||
			fail "a new client of the killed server: $out"
		;;
	*) fail "unknown flow $flow" ;;
	esac
	send finalize
	expect finalize CKR_OK 2000
	[ "$(tries sign)" = 5 ] || fail "signature PIN tries left: $(tries sign)"
	echo "APDUS sandbox-faults $flow=$(apdu_count)"
	exit 0
fi

with_card -- "$0" --flow pcscd
for flow in removed killed sigkill; do
	with_card --sign-latency-ms "$SIGN_LATENCY_MS" -- "$0" --flow "$flow"
done
