# Shared by the sandbox tests: jpki serve, p11-kit-client.so, bubblewrap.
# shellcheck shell=bash
# shellcheck source=../consumers/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../consumers/lib.sh"

AUTH_TOKEN="My Number Auth (4-digit PIN)"
SIGN_TOKEN="My Number Sign (6-16 char PIN)"
AUTH_NICK="$AUTH_TOKEN:JPKI User Authentication Certificate"

# p11-kit-client.so, where p11-kit-modules puts it (p11-kit's module dir).
client_module() { echo "$(pkg-config --variable p11_module_path p11-kit-1)/p11-kit-client.so"; }

now_ms() { date +%s%3N; }

# serve_start DIR [ARG...]: `jpki serve --socket DIR/pkcs11 ARG...` from the
# build tree, in the background; waits for the address line it prints.
# Sets serve_pid and address.
serve_start() {
	local dir=$1 i
	shift
	mkdir -p "$dir"
	chmod 700 "$dir"
	# Emptied here, not by the background job's redirection, which may come
	# after the first look below (a restarted server's old line).
	: >"$dir.out"
	JPKI_MODULE_DIR=$build/module "$build/cli/jpki" serve --socket "$dir/pkcs11" "$@" \
		>"$dir.out" 2>"$dir.err" </dev/null &
	serve_pid=$!
	for i in $(seq 400); do
		grep -q '^P11_KIT_SERVER_ADDRESS=' "$dir.out" && break
		kill -0 "$serve_pid" 2>/dev/null || fail "jpki serve ended: $(cat "$dir.err")"
		sleep 0.05
	done
	address=$(sed -n 's/^P11_KIT_SERVER_ADDRESS=//p' "$dir.out")
	if [ "$address" != "unix:path=$dir/pkcs11" ]; then
		ps -eo pid,ppid,pgid,stat,wchan:24,args >&2
		fail "jpki serve printed '$address' in 20 s ($(cat "$dir.err"))"
	fi
	[ "$(stat -c %a "$dir/pkcs11")" = 600 ] || fail "socket mode $(stat -c %a "$dir/pkcs11"), not 600"
}

# serve_stop: SIGTERM, as systemd or Ctrl-C; the socket goes with it.
serve_stop() {
	[ -n "${serve_pid:-}" ] || return 0
	kill -TERM "$serve_pid" 2>/dev/null || :
	wait "$serve_pid" 2>/dev/null || :
	serve_pid=
}

# root_links ARRAY: bwrap options for the merged-/usr links (/bin, /lib...).
root_links() {
	local -n _links_out=$1
	local d
	_links_out=()
	for d in bin sbin lib lib32 lib64 libx32; do
		[ -L "/$d" ] && _links_out+=(--symlink "$(readlink "/$d")" "/$d")
	done
	return 0
}

# in_sandbox SOCKDIR IODIR [--share-net] CMD...: CMD in bubblewrap with
# nothing but /usr, /etc, the server's socket folder at /run/card, the
# test's data at /io, and a fresh /tmp, /proc and /dev; no network unless
# --share-net (the TLS server runs outside).  P11_KIT_SERVER_ADDRESS
# names the socket at its place inside.
in_sandbox() {
	local sock=$1 io=$2 net=(--unshare-net) args
	shift 2
	if [ "${1:-}" = --share-net ]; then net=(); shift; fi
	root_links args
	bwrap --unshare-ipc --unshare-pid --unshare-uts --unshare-cgroup-try \
		"${net[@]}" --die-with-parent --new-session \
		--ro-bind /usr /usr --ro-bind /etc /etc "${args[@]}" \
		--proc /proc --dev /dev --tmpfs /tmp --dir /run \
		--bind "$sock" /run/card --bind "$io" /io \
		--clearenv --setenv PATH /usr/bin:/usr/sbin --setenv HOME /tmp --chdir /tmp \
		--setenv P11_KIT_SERVER_ADDRESS unix:path=/run/card/pkcs11 \
		--setenv JPKI_AUTH_PIN "$JPKI_AUTH_PIN" --setenv JPKI_SIGN_PIN "$JPKI_SIGN_PIN" \
		"$@"
}

# bwrap_works: bubblewrap is there and can make its namespaces here; says
# why not otherwise.
bwrap_works() {
	local err
	command -v bwrap >/dev/null || { echo "bwrap not installed (apt install bubblewrap)"; return 1; }
	err=$(bwrap --unshare-pid --unshare-net --ro-bind /usr /usr \
		--symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
		--proc /proc --dev /dev /usr/bin/true 2>&1) && return 0
	echo "bwrap cannot make a sandbox here: $err"
	return 1
}
