#!/bin/bash
# A card on "another machine": `jpki serve`'s socket forwarded by
# `ssh -R REMOTE-SOCKET:LOCAL-SOCKET` to an sshd of our own on 127.0.0.1,
# logged in as another user (cardremote, uid 4242, known only in this
# test's mount namespace); there pkcs11-tool with p11-kit-client.so lists
# both tokens and signs with the signature key, verified here by OpenSSL.
# Needs root (sshd switching users, /etc/passwd bound over in the private
# mount namespace tests/with-card gives).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

sshd_bin=/usr/sbin/sshd
REMOTE_UID=4242

# add_remote_user HOME: cardremote in copies of /etc/passwd and /etc/group
# bound over the real ones (this mount namespace only).
add_remote_user() {
	local home=$1
	cp /etc/passwd "$work/passwd"
	cp /etc/group "$work/group"
	echo "cardremote:x:$REMOTE_UID:$REMOTE_UID:card over ssh:$home:/bin/bash" >>"$work/passwd"
	echo "cardremote:x:$REMOTE_UID:" >>"$work/group"
	mount --bind "$work/passwd" /etc/passwd
	mount --bind "$work/group" /etc/group
	mkdir -p "$home/.ssh"
	chown -R "$REMOTE_UID:$REMOTE_UID" "$home"
}

# start_sshd: on 127.0.0.1, public keys only; sets port and sshd_pid.
start_sshd() {
	local i
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
	for i in $(seq 50); do
		port=$((20000 + RANDOM % 40000))
		[ -z "$(ss -Hltn "sport = :$port")" ] && break
	done
	cat >"$work/sshd_config" <<-EOF
		ListenAddress 127.0.0.1
		Port $port
		HostKey $work/host_key
		PidFile $work/sshd.pid
		AuthenticationMethods publickey
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
		AllowStreamLocalForwarding yes
		StreamLocalBindUnlink yes
	EOF
	"$sshd_bin" -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
	sshd_pid=$!
	for i in $(seq 100); do
		grep -q "Server listening on 127.0.0.1 port $port" "$work/sshd.log" && return 0
		kill -0 "$sshd_pid" 2>/dev/null || fail "sshd died: $(cat "$work/sshd.log")"
		sleep 0.1
	done
	fail "sshd does not listen: $(cat "$work/sshd.log")"
}

if [ "${1:-}" = --flow ]; then
	work=$(mktemp -d)
	chmod 755 "$work"
	serve_pid=
	sshd_pid=
	trap 'serve_stop; [ -z "$sshd_pid" ] || kill "$sshd_pid" 2>/dev/null || :; rm -rf "$work"' EXIT
	home=$work/remote
	remote_sock=$home/card.sock
	serve_start "$work/sock"
	add_remote_user "$home"
	start_sshd
	ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
	install -o "$REMOTE_UID" -m 600 "$work/client_key.pub" "$home/.ssh/authorized_keys"
	printf 'signed on another machine %s\n' "$RANDOM" >"$home/data"
	chown "$REMOTE_UID" "$home/data"
	# Remote side: wait for the forwarded socket, list, sign.
	remote_cmd="set -e; id -un
		for i in \$(seq 100); do [ -S $remote_sock ] && break; sleep 0.1; done
		export P11_KIT_SERVER_ADDRESS=unix:path=$remote_sock
		pkcs11-tool --module $(client_module) -L
		pkcs11-tool --module $(client_module) --token-label '$SIGN_TOKEN' --login --pin '$JPKI_SIGN_PIN' \
			--sign --mechanism SHA256-RSA-PKCS --input-file $home/data --output-file $home/sig"
	t0=$(now_ms)
	out=$(timeout 120 ssh -F none -i "$work/client_key" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o ExitOnForwardFailure=yes -R "$remote_sock:$work/sock/pkcs11" \
		-p "$port" cardremote@127.0.0.1 "$remote_cmd" 2>&1) || fail "ssh failed: $out ($(tail -5 "$work/sshd.log"))"
	t1=$(now_ms)
	printf '%s\n' "$out"
	[ "$(head -n 1 <<<"$out")" = cardremote ] || fail "not logged in as cardremote"
	[ "$(grep -c 'token label' <<<"$out")" = 2 ] || fail "the other machine does not see both tokens"
	openssl x509 -in "$JPKI_VCARD_PROFILE/sign.crt" -pubkey -noout >"$work/pub"
	openssl dgst -sha256 -verify "$work/pub" -signature "$home/sig" "$home/data" ||
		fail "the signature made over SSH does not verify"
	[ "$(stat -c %u "$home/sig")" = "$REMOTE_UID" ] || fail "the signature was not written by cardremote"
	[ "$(tries sign)" = 5 ] || fail "signature PIN tries left: $(tries sign)"
	echo "MEASURE ssh: login, list, sign over ssh -R as cardremote: $((t1 - t0)) ms in all"
	echo "APDUS sandbox ssh=$(apdu_count)"
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (sshd switches to another user)"; exit 77; }
for p in ssh ssh-keygen ss; do
	command -v "$p" >/dev/null || { echo "SKIP: $p not installed (openssh-client, iproute2)"; exit 77; }
done
[ -x "$sshd_bin" ] || { echo "SKIP: $sshd_bin not installed (openssh-server)"; exit 77; }
with_card -- "$0" --flow
