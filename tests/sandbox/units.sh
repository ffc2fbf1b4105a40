#!/bin/bash
# The package's systemd user units (debian/jpki-pkcs11.jpki-serve.user.socket,
# debian/jpki-pkcs11@.jpki-serve.user.service), run as systemd runs them:
#  verify  systemd-analyze verify accepts both (with the names the package
#          installs them under)
#  serve   with the module installed where p11-kit finds it (meson install
#          staged, bound over p11-kit's module directory in a private mount
#          namespace), systemd-socket-activate listens where the socket
#          unit says and runs the service's ExecStart for each connection,
#          as Accept=yes does: pkcs11-tool through p11-kit-client.so sees
#          the authentication token only, logs in and signs (verified
#          here), twice; between connections nothing of ours runs
# Debian 12's and 13's p11-kit server cannot take a socket from systemd
# (no LISTEN_FDS in p11-kit/server.c), hence one `p11-kit remote` per
# connection, which is what p11-kit server itself starts per connection.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

socket_unit=$top/debian/jpki-pkcs11.jpki-serve.user.socket
service_unit=$top/debian/jpki-pkcs11@.jpki-serve.user.service

# remote_runs: a p11-kit remote (it execs p11-kit-remote) is running.
remote_runs() { pgrep -ax p11-kit || pgrep -ax p11-kit-remote; }

# unit_value FILE KEY: the value of KEY= in FILE.
unit_value() { sed -n "s/^$2=//p" "$1"; }

if [ "${1:-}" = --flow ]; then
	work=$(mktemp -d)
	activator_pid=
	trap '[ -z "$activator_pid" ] || kill "$activator_pid" 2>/dev/null || :; rm -rf "$work"' EXIT
	mod_dir=$(pkg-config --variable p11_module_path p11-kit-1)
	# The staged module directory in the system's place, with p11-kit's
	# own modules (the client) copied in beside ours.
	cp -n "$mod_dir"/p11-kit-*.so "$2$mod_dir/"
	mount --bind "$2$mod_dir" "$mod_dir"
	run=$work/run
	mkdir -m 700 "$run"
	listen=$(unit_value "$socket_unit" ListenStream)
	listen=${listen//%t/$run}
	read -r -a exec_start <<<"$(unit_value "$service_unit" ExecStart)"
	[ "$(unit_value "$socket_unit" Accept)" = yes ] || fail "the socket unit does not accept per connection"
	mkdir -m "$(unit_value "$socket_unit" DirectoryMode)" "$(dirname "$listen")"
	echo "listening on $listen, running per connection: ${exec_start[*]}"
	systemd-socket-activate --accept --inetd -l "$listen" "${exec_start[@]}" 2>"$work/activate.log" &
	activator_pid=$!
	for _ in $(seq 100); do [ -S "$listen" ] && break; sleep 0.05; done
	[ -S "$listen" ] || fail "no socket: $(cat "$work/activate.log")"
	chmod "$(unit_value "$socket_unit" SocketMode)" "$listen" # systemd's SocketMode=
	for round in 1 2; do
		out=$(P11_KIT_SERVER_ADDRESS=unix:path=$listen pkcs11-tool --module "$(client_module)" -L)
		[ "$(grep -c 'token label' <<<"$out")" = 1 ] && grep -q "token label *: $AUTH_TOKEN\$" <<<"$out" ||
			fail "round $round: expected the authentication token only: $out"
		printf 'through the socket unit %s\n' "$RANDOM" >"$work/data"
		P11_KIT_SERVER_ADDRESS=unix:path=$listen pkcs11-tool --module "$(client_module)" \
			--token-label "$AUTH_TOKEN" --login --pin "$JPKI_AUTH_PIN" --sign \
			--mechanism SHA256-RSA-PKCS --input-file "$work/data" --output-file "$work/sig" 2>/dev/null
		openssl x509 -in "$JPKI_VCARD_PROFILE/auth.crt" -pubkey -noout >"$work/pub"
		openssl dgst -sha256 -verify "$work/pub" -signature "$work/sig" "$work/data" ||
			fail "round $round: the signature does not verify"
		for _ in $(seq 100); do remote_runs || break; sleep 0.05; done
		! remote_runs || fail "round $round: p11-kit remote still runs with no connection"
	done
	[ "$(grep -c '^Spawned' "$work/activate.log")" = 4 ] ||
		fail "expected one p11-kit remote per connection (4): $(cat "$work/activate.log")"
	echo "FINDING serve: 4 connections, 4 p11-kit remote processes, none left between connections"
	echo "APDUS sandbox units=$(apdu_count)"
	exit 0
fi

for tool in systemd-analyze systemd-socket-activate; do
	command -v "$tool" >/dev/null ||
		{ echo "SKIP: $tool not installed (package systemd): the units cannot be run as systemd runs them"; exit 77; }
done
units=$(mktemp -d)
stage=$(mktemp -d)
trap 'rm -rf "$units" "$stage"' EXIT
cp "$socket_unit" "$units/jpki-serve.socket"
cp "$service_unit" "$units/jpki-serve@.service"
echo "== systemd-analyze verify"
systemd-analyze verify --man=no "$units/jpki-serve.socket" "$units/jpki-serve@.service" ||
	fail "systemd-analyze refuses the units"
chmod 755 "$stage"
DESTDIR=$stage meson install -C "$build" --no-rebuild --quiet
with_card -- unshare --mount --propagation private -- "$0" --flow "$stage"
