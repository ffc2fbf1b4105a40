#!/bin/bash
# OpenSSH (Debian's ssh, ssh-keygen, sshd, unchanged) with our module through
# tests/with-card: ssh-keygen -D prints the authentication key; an sshd of
# our own on 127.0.0.1 accepts `ssh -I <module>` with the PIN from
# SSH_ASKPASS, refuses a wrong PIN (one try spent, token flags show it) and
# a PIN of the wrong shape (no try spent, no VERIFY with a PIN sent).
# Each flow runs on a fresh card and prints its APDU count.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

sshd_bin=/usr/sbin/sshd
for p in ssh ssh-keygen pkcs11-tool openssl ss; do
	command -v "$p" >/dev/null || { echo "SKIP: $p not installed" >&2; exit 77; }
done
[ -x "$sshd_bin" ] || { echo "SKIP: $sshd_bin not installed (openssh-server)" >&2; exit 77; }

# ssh_key_of CERT: the certificate's public key as an OpenSSH key (no comment)
ssh_key_of() {
	ssh-keygen -i -m PKCS8 -f <(openssl x509 -pubkey -noout -in "$1") | cut -d' ' -f1,2
}

# VERIFY commands that carried a PIN (Lc after P2); a bare 00200080 only
# asks for the tries left.
pin_verifies() { grep -Ec ' C 00200080[0-9A-Fa-f]{2}' "$JPKI_VCARD_APDU_LOG" || :; }

# start_sshd WORK: an sshd on 127.0.0.1 that accepts only the card's
# authentication key; sets $port and $sshd_pid.
port='' sshd_pid=''
start_sshd() {
	local w=$1 i
	# The privilege separation directory sshd insists on (as Debian's unit).
	mkdir -p /run/sshd || { echo "SKIP: cannot create /run/sshd" >&2; exit 77; }
	ssh-keygen -q -t ed25519 -N '' -C test-host -f "$w/host_key"
	ssh_key_of "$JPKI_VCARD_PROFILE/auth.crt" > "$w/authorized_keys"
	for (( i = 0; i < 50; i++ )); do
		port=$(( 20000 + RANDOM % 40000 ))
		[ -z "$(ss -Hltn "sport = :$port")" ] && break
	done
	cat > "$w/sshd_config" <<-EOF
		ListenAddress 127.0.0.1
		Port $port
		HostKey $w/host_key
		PidFile $w/sshd.pid
		AuthorizedKeysFile $w/authorized_keys
		AuthenticationMethods publickey
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
		PermitRootLogin prohibit-password
	EOF
	"$sshd_bin" -t -f "$w/sshd_config" || fail "sshd refuses its config"
	"$sshd_bin" -D -e -f "$w/sshd_config" 2> "$w/sshd.log" &
	sshd_pid=$!
	for (( i = 0; i < 100; i++ )); do
		grep -q "Server listening on 127.0.0.1 port $port" "$w/sshd.log" && return 0
		kill -0 "$sshd_pid" 2>/dev/null || { cat "$w/sshd.log" >&2; fail "sshd died"; }
		sleep 0.1
	done
	cat "$w/sshd.log" >&2
	fail "sshd does not listen on port $port"
}

# make_askpass WORK PIN: an SSH_ASKPASS program that records each prompt
# in WORK/asks, answers PIN the first time and gives up (exit 1) after.
make_askpass() {
	local w=$1
	printf '%s' "$2" > "$w/pin"
	: > "$w/asks"
	cat > "$w/askpass" <<-EOF
		#!/bin/sh
		printf '%s\n' "\$*" >> '$w/asks'
		[ "\$(wc -l < '$w/asks')" -le 1 ] || exit 1
		cat '$w/pin'; echo
	EOF
	chmod +x "$w/askpass"
}

# run_ssh WORK PIN: ssh -I <module> to our sshd, the PIN from SSH_ASKPASS;
# sets $ssh_status and $prompts (how many times ssh asked for the PIN).
ssh_status='' prompts=''
run_ssh() {
	local w=$1
	make_askpass "$w" "$2"
	ssh_status=0
	# No terminal and no agent: the PIN can only come from SSH_ASKPASS.
	env -u SSH_AUTH_SOCK SSH_ASKPASS="$w/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		timeout 120 ssh -F none -I "$m" -o BatchMode=no -o IdentityAgent=none \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-p "$port" "$(id -un)@127.0.0.1" true < /dev/null > "$w/ssh.out" 2>&1 ||
		ssh_status=$?
	sed 's/^/  ssh: /' "$w/ssh.out"
	prompts=$(grep -c "^Enter PIN for 'My Number Auth (4-digit PIN)'" "$w/asks" || :)
	echo "ssh exit $ssh_status, PIN prompts $prompts, auth tries left $(tries auth)"
	[ "$ssh_status" != 124 ] || fail "ssh hung"
}

# A well-formed 4-digit PIN that is not the card's.
wrong_pin() { if [ "$JPKI_AUTH_PIN" = 0000 ]; then echo 1111; else echo 0000; fi; }

# pin_count_low: do the authentication token's flags say CKF_USER_PIN_COUNT_LOW?
pin_count_low() {
	local out
	out=$(pkcs11-tool --module "$m" --slot 0 -L) || fail "pkcs11-tool -L failed"
	out=$(grep -m1 'token flags' <<<"$out") || fail "no token flags listed"
	echo "$out"
	grep -q 'user PIN count low' <<<"$out"
}

# Inside with-card: one flow, then its APDU count.
if [ "${1:-}" = --flow ]; then
	flow=$2
	m=$(our_module)
	work=$(mktemp -d)
	trap 'if [ -n "$sshd_pid" ]; then kill "$sshd_pid" 2>/dev/null; wait "$sshd_pid" 2>/dev/null; fi; rm -rf "$work"' EXIT
	case $flow in
	keygen)
		ssh-keygen -D "$m" > "$work/keys" || fail "ssh-keygen -D failed"
		cat "$work/keys"
		auth=$(ssh_key_of "$JPKI_VCARD_PROFILE/auth.crt")
		sign=$(ssh_key_of "$JPKI_VCARD_PROFILE/sign.crt")
		[ "$(grep -cF "$auth" "$work/keys")" = 1 ] ||
			fail "the authentication key is not listed exactly once"
		[ "$(head -n1 "$work/keys" | cut -d' ' -f1,2)" = "$auth" ] ||
			fail "the authentication key is not the first key"
		grep -qF "$auth JPKI User Authentication Key" "$work/keys" ||
			fail "the authentication key is not labelled"
		grep -qF "$sign" "$work/keys" && fail "the signature key is listed without login"
		# doc/consumers.md's line for authorized_keys: the authentication key alone.
		line=$(ssh-keygen -D "$m" | grep 'JPKI User Authentication Key$') || fail "the filter finds no key"
		[ "$line" = "$auth JPKI User Authentication Key" ] || fail "the filter gives: $line"
		# Everything else must be a CA certificate's key (public objects).
		while read -r type blob _; do
			key="$type $blob"
			[ "$key" = "$auth" ] && continue
			[ "$key" = "$(ssh_key_of "$JPKI_VCARD_PROFILE/auth-ca.crt")" ] && continue
			[ "$key" = "$(ssh_key_of "$JPKI_VCARD_PROFILE/sign-ca.crt")" ] && continue
			fail "unexpected key listed: $key"
		done < "$work/keys"
		[ "$(tries auth)" = 3 ] || fail "ssh-keygen -D changed the tries left"
		[ "$(pin_verifies)" = 0 ] || fail "ssh-keygen -D sent a PIN"
		;;
	login)
		start_sshd "$work"
		run_ssh "$work" "$JPKI_AUTH_PIN"
		[ "$ssh_status" = 0 ] || fail "ssh with the right PIN failed"
		[ "$prompts" = 1 ] || fail "ssh asked for the PIN $prompts times, not once"
		[ "$(tries auth)" = 3 ] || fail "tries left $(tries auth) after a right PIN"
		grep -q "Accepted publickey for $(id -un) from 127.0.0.1" "$work/sshd.log" ||
			fail "sshd did not log the publickey login"
		;;
	wrong-pin)
		start_sshd "$work"
		pin_count_low && fail "PIN count low before any wrong PIN"
		[ "$(tries auth)" = 3 ] || fail "card starts with $(tries auth) tries, not 3"
		run_ssh "$work" "$(wrong_pin)"
		[ "$ssh_status" != 0 ] || fail "ssh with a wrong PIN succeeded"
		[ "$prompts" -ge 1 ] || fail "ssh never asked for the PIN"
		[ "$(tries auth)" = 2 ] || fail "tries left $(tries auth) after one wrong PIN, not 2"
		[ "$(pin_verifies)" = 1 ] || fail "$(pin_verifies) VERIFY commands with a PIN, not 1"
		grep -q "Accepted publickey" "$work/sshd.log" && fail "sshd accepted a login"
		pin_count_low || fail "token flags do not show PIN count low"
		# The right PIN still works and gives the tries back.
		run_ssh "$work" "$JPKI_AUTH_PIN"
		[ "$ssh_status" = 0 ] || fail "ssh with the right PIN failed after a wrong one"
		[ "$(tries auth)" = 3 ] || fail "tries left $(tries auth) after the right PIN, not 3"
		pin_count_low && fail "PIN count low still shown"
		;;
	malformed-pin)
		start_sshd "$work"
		for pin in 12345 123 12a4; do
			run_ssh "$work" "$pin"
			[ "$ssh_status" != 0 ] || fail "ssh with PIN of length ${#pin} succeeded"
			[ "$(tries auth)" = 3 ] || fail "a malformed PIN cost a try ($(tries auth) left)"
			[ "$(pin_verifies)" = 0 ] || fail "a malformed PIN reached the card"
		done
		pin_count_low && fail "PIN count low after malformed PINs"
		;;
	*) fail "unknown flow $flow" ;;
	esac
	echo "APDUS jpki-pkcs11 openssh-$flow=$(apdu_count)"
	exit 0
fi

for flow in keygen login wrong-pin malformed-pin; do
	with_card -- "$0" --flow "$flow"
done
