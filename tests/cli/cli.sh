#!/bin/bash
# The jpki command on the virtual card, through tests/with-card.
#   cli.sh status SCENARIO   status --json checked against the card's state
#                            files and certificates; the exit status; text
#                            in English and Japanese
#   cli.sh pin               pin change (then a login with the new PIN
#                            through the module), malformed and mismatched
#                            PINs refused with no VERIFY sent, final-try rule
#   cli.sh export            cert export of all four, PEM and DER, -o
#   cli.sh terminal          the prompts in a real terminal (tmux): no PIN
#                            is echoed
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${JPKI_BUILD_DIR:-$top/build}
jpki=$build/cli/jpki
reader="Virtual PCD 00 00"

fail() { echo "FAIL: $*" >&2; exit 1; }

if [ "${1:-}" != --in-card ]; then
	what=$1
	shift
	case $what in
	status) exec "$top/tests/with-card" --scenario "$1" -- "$0" --in-card status "$1" ;;
	*) exec "$top/tests/with-card" -- "$0" --in-card "$what" ;;
	esac
fi
shift
what=$1
scenario=${2:-adult}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
profile=$JPKI_VCARD_PROFILE

# PIN-carrying VERIFY and CHANGE REFERENCE DATA in the card's log (the
# empty VERIFY that reads tries carries none).
pin_commands() { grep -cE ' C 00(20|24)0[01]80[0-9A-F]{2}' "$JPKI_VCARD_APDU_LOG" || true; }
state_tries() { cat "$profile/state/$1-tries" 2>/dev/null || echo none; }
jq_get() { jq -r "$1" "$work/status.json"; }
# module_login ARGS: pkcs11-tool on the module.  A sanitizer build's module
# needs its runtime loaded first; pkcs11-tool's own leaks are not ours.
asan_runtime=$(ldd "$build/module/jpki-pkcs11.so" | awk '/libasan/ { print $3 }')
module_login() {
	LD_PRELOAD=$asan_runtime ASAN_OPTIONS=detect_leaks=0 \
		pkcs11-tool --module "$build/module/jpki-pkcs11.so" --slot 0 --login "$@" -O
}

# expiry CERT: "YYYY-MM-DD days renewal_open expired" as jpki must say.
expiry() {
	local end now
	end=$(date -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s)
	now=$(date +%s)
	printf '%s %s %s %s\n' "$(TZ=JST-9 date -d "@$end" +%F)" \
		$(((end - now) / 86400 < 0 ? 0 : (end - now) / 86400)) \
		"$([ "$now" -ge "$(date -d "$(date -u -d "@$end" '+%F %T') UTC -3 months" +%s)" ] &&
			[ "$now" -le "$end" ] && echo true || echo false)" \
		"$([ "$now" -gt "$end" ] && echo true || echo false)"
}

check_status() {
	local rc=0 want_rc=0 auth_tries sign_tries
	"$jpki" status --json --reader "$reader" >"$work/status.json" || rc=$?
	jq . "$work/status.json" >/dev/null || fail "status --json is not JSON"
	[ "$(jq_get '.readers | length')" = 1 ] || fail "--reader did not select one reader"
	[ "$(jq_get '.readers[0].name')" = "$reader" ] || fail "reader name"
	[ "$(jq_get '.readers[0].card')" = card ] || fail "card kind: $(jq_get '.readers[0].card')"

	auth_tries=$(state_tries auth)
	case $auth_tries in
	none) [ "$(jq_get '.readers[0].auth.pin')" = not-set ] || fail "auth PIN should be not-set" ;;
	0) [ "$(jq_get '.readers[0].auth.pin')" = blocked ] || fail "auth PIN should be blocked"
	   [ "$(jq_get '.readers[0].auth.tries_left')" = 0 ] || fail "blocked auth PIN: tries_left"
	   want_rc=1 ;;
	*) [ "$(jq_get '.readers[0].auth.tries_left')" = "$auth_tries" ] ||
		fail "auth tries $(jq_get '.readers[0].auth.tries_left'), card has $auth_tries"
	   [ "$auth_tries" = 3 ] || want_rc=1 ;;
	esac
	[ "$(jq_get '.readers[0].auth.tries_max')" = 3 ] || fail "auth tries_max"

	read -r na days renewal expired <<<"$(expiry "$profile/auth.crt")"
	[ "$(jq_get '.readers[0].auth.certificate.not_after')" = "$na" ] ||
		fail "not_after $(jq_get '.readers[0].auth.certificate.not_after'), certificate says $na"
	local got_days
	got_days=$(jq_get '.readers[0].auth.certificate.days_left')
	[ $((got_days - days)) -le 1 ] && [ $((days - got_days)) -le 1 ] ||
		fail "days_left $got_days, certificate says $days"
	[ "$(jq_get '.readers[0].auth.certificate.renewal_open')" = "$renewal" ] || fail "renewal_open"
	[ "$(jq_get '.readers[0].auth.certificate.expired')" = "$expired" ] || fail "expired"
	[ "$renewal" = false ] && [ "$expired" = false ] || want_rc=1

	sign_tries=$(state_tries sign)
	if [ -s "$profile/sign.crt" ]; then
		[ "$(jq_get '.readers[0].sign.present')" = true ] || fail "sign certificate not present"
		[ "$(jq_get '.readers[0].sign.tries_left')" = "$sign_tries" ] ||
			fail "sign tries $(jq_get '.readers[0].sign.tries_left'), card has $sign_tries"
		[ "$(jq_get '.readers[0].sign.tries_max')" = 5 ] || fail "sign tries_max"
		[ "$sign_tries" = 5 ] || want_rc=1
	else
		[ "$(jq_get '.readers[0].sign.present')" = false ] || fail "sign certificate present"
	fi
	[ "$rc" = "$want_rc" ] || fail "exit status $rc, want $want_rc ($scenario)"
	[ "$(pin_commands)" = 0 ] || fail "status sent a PIN"

	# The text, in English and in Japanese, as the README shows it: every
	# reader, with-card's second one empty.
	"$jpki" status >"$work/en.txt" || true
	cat "$work/en.txt"
	grep -q "valid until $na\|EXPIRED on $na" "$work/en.txt" || fail "English text lacks the date"
	grep -qx "  No card." "$work/en.txt" || fail "the empty reader is not shown"
	if [ "$auth_tries" = 0 ]; then
		grep -q "blocked: reset it at your city office" "$work/en.txt" || fail "blocked not said"
	fi
	mkdir -p "$work/locale"
	localedef -i ja_JP -f UTF-8 "$work/locale/ja_JP.UTF-8" 2>/dev/null || true
	LOCPATH=$work/locale LANG=ja_JP.UTF-8 LC_ALL=ja_JP.UTF-8 JPKI_LOCALEDIR=$build/po \
		"$jpki" status >"$work/ja.txt" || true
	cat "$work/ja.txt"
	grep -q "マイナンバーカード" "$work/ja.txt" || fail "no Japanese text"
	grep -q "$na" "$work/ja.txt" || fail "Japanese text lacks the date"
	echo "PASS status $scenario (exit $rc)"
}

check_pin() {
	local new=5274 rc
	[ "$(state_tries auth)" = 3 ] || fail "adult card expected"
	# Malformed PINs and mismatched new PINs: refused, nothing sent.
	for input in "12a4\n1111\n1111" "123\n1111\n1111" "$JPKI_AUTH_PIN\n12345\n12345" \
		"$JPKI_AUTH_PIN\n1111\n2222"; do
		rc=0
		printf "$input\n" | "$jpki" pin change auth --stdin >/dev/null 2>"$work/err" || rc=$?
		[ "$rc" = 2 ] || fail "pin change with a bad PIN: exit $rc"
	done
	rc=0
	printf '%s\nabcdefgh\nabcdefgh\n' "$JPKI_SIGN_PIN" | "$jpki" pin change sign --stdin 2>"$work/err" || rc=$?
	[ "$rc" = 2 ] || fail "new sign PIN without a digit: exit $rc"
	grep -q "at least one of each" "$work/err" || fail "rule not said: $(cat "$work/err")"
	[ "$(pin_commands)" = 0 ] || fail "a malformed PIN reached the card"
	[ "$(state_tries auth)" = 3 ] && [ "$(state_tries sign)" = 5 ] || fail "a try was spent"

	# A change, then a login with the new PIN through the module.
	printf '%s\n%s\n%s\n' "$JPKI_AUTH_PIN" "$new" "$new" | "$jpki" pin change auth --stdin ||
		fail "pin change auth failed"
	module_login --pin "$new" >/dev/null ||
		fail "no login with the new PIN"
	rc=0
	module_login --pin "$JPKI_AUTH_PIN" >/dev/null 2>&1 || rc=$?
	[ "$rc" != 0 ] || fail "the old PIN still logs in"
	printf '%s\n%s\n%s\n' "$new" "$JPKI_AUTH_PIN" "$JPKI_AUTH_PIN" | "$jpki" pin change auth --stdin ||
		fail "changing back failed"
	# The old PIN's wrong login cost one try; a right one gives them back.
	module_login --pin "$JPKI_AUTH_PIN" >/dev/null || fail "no login after changing back"
	[ "$(state_tries auth)" = 3 ] || fail "tries $(state_tries auth) after the changes"

	# A wrong current PIN: one try, said so, exit 1.
	rc=0
	printf '%s\n%s\n%s\n' "$(printf '%04d' $(((10#$JPKI_AUTH_PIN + 1) % 10000)))" 1111 1111 |
		"$jpki" pin change auth --stdin 2>"$work/err" || rc=$?
	[ "$rc" = 1 ] && grep -q "2 tries left" "$work/err" || fail "wrong PIN: exit $rc, $(cat "$work/err")"
	printf '%s\n%s\n%s\n' "$JPKI_AUTH_PIN" "$JPKI_AUTH_PIN" "$JPKI_AUTH_PIN" |
		"$jpki" pin change auth --stdin >/dev/null || fail "restoring the tries"
	[ "$(state_tries auth)" = 3 ] || fail "tries not restored"
	# Nothing left verified: another program cannot sign without the PIN.
	"$build/tests/module/raw-sign" 0017 | grep -q 6982 || fail "a PIN was left verified"
	echo "PASS pin"
}

check_export() {
	"$jpki" cert export auth >"$work/auth.pem" || fail "export auth"
	openssl x509 -in "$work/auth.pem" -outform DER | cmp - <(openssl x509 -in "$profile/auth.crt" -outform DER) ||
		fail "exported auth certificate differs"
	for which in auth-ca sign-ca; do
		"$jpki" cert export "$which" --der -o "$work/$which.der" || fail "export $which"
		cmp "$work/$which.der" <(openssl x509 -in "$profile/$which.crt" -outform DER) || fail "$which differs"
	done
	echo "$JPKI_SIGN_PIN" | "$jpki" cert export sign --stdin -o "$work/sign.pem" || fail "export sign"
	openssl x509 -in "$work/sign.pem" -outform DER | cmp - <(openssl x509 -in "$profile/sign.crt" -outform DER) ||
		fail "exported sign certificate differs"
	[ "$(stat -c %a "$work/sign.pem")" = 600 ] || fail "sign certificate file readable by others"
	[ "$(state_tries sign)" = 5 ] || fail "sign tries after export"
	rc=0
	echo "abc" | "$jpki" cert export sign --stdin >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "malformed PIN for export: exit $rc"
	echo "PASS export"
}

# tmux: type as a person would; the screen must not show what was typed.
# on_terminal ARGS: jpki ARGS in a new terminal, then EXIT=its status.
on_terminal() {
	tmux -S "$sock" new-session -d -x 120 -y 30 \
		"env JPKI_BUILD_DIR='$build' '$jpki' $*; echo EXIT=\$?; sleep 30"
}
# wait_screen TEXT: the screen in $pane once it shows TEXT (10 s at most).
wait_screen() {
	for _ in $(seq 50); do
		pane=$(tmux -S "$sock" capture-pane -p)
		grep -qF -- "$1" <<<"$pane" && return 0
		sleep 0.2
	done
	return 0
}
# type_at PROMPT KEYS: KEYS and Enter once PROMPT is up (a prompt flushes
# what was typed ahead of it).
type_at() { wait_screen "$1"; tmux -S "$sock" send-keys "$2" Enter; }
# screen_at_exit: the screen in $pane once jpki has ended; the terminal closed.
screen_at_exit() { wait_screen "EXIT="; tmux -S "$sock" kill-server || true; echo "$pane"; }

check_terminal() {
	local sock=$work/tmux pane new=5274
	on_terminal status --sign
	type_at "Signature PIN (6-16 letters and digits):" "$JPKI_SIGN_PIN"
	screen_at_exit
	grep -q "Signature PIN (6-16 letters and digits):" <<<"$pane" || fail "no prompt on the terminal"
	grep -q "EXIT=0" <<<"$pane" || fail "status --sign did not succeed"
	grep -q "Signature certificate: valid until" <<<"$pane" || fail "no signature validity"
	! grep -qi "$JPKI_SIGN_PIN" <<<"$pane" || fail "the PIN was echoed"

	# jpki pin change auth, as the README shows it.
	on_terminal pin change auth
	type_at "Current authentication PIN:" "$JPKI_AUTH_PIN"
	type_at "New PIN:" "$new"
	type_at "New PIN again:" "$new"
	screen_at_exit
	grep -q "EXIT=0" <<<"$pane" || fail "pin change auth did not succeed"
	grep -q "The authentication PIN was changed." <<<"$pane" || fail "the change is not said"
	! grep -q "$JPKI_AUTH_PIN\|$new" <<<"$pane" || fail "a PIN was echoed"
	module_login --pin "$new" >/dev/null || fail "no login with the PIN typed on the terminal"
	echo "PASS terminal"
}

case $what in
status) check_status ;;
pin) check_pin ;;
export) check_export ;;
terminal) check_terminal ;;
*) fail "unknown check $what" ;;
esac
