#!/bin/bash
# Firefox ESR in a bubblewrap sandbox laid out as Flatpak lays out
# org.mozilla.firefox, with the profile jpki-register-browsers registered
# (p11-kit-proxy.so, the app's p11-kit config naming the socket of
# `jpki serve --auth-only`), reads the card's authentication certificate
# (tests/with-card for the card; scripts/test-package does the plain case).
# As Flatpak: HOME is the user's home path holding only
# ~/.var/app/org.mozilla.firefox, ~/.mozilla is that folder's .mozilla,
# XDG_CONFIG_HOME/CACHE/DATA are its config, cache and data, the runtime
# folder is the app's own with the socket's folder bound in read-only (as
# `flatpak override --filesystem=xdg-run/jpki-auth:ro` does), /run has no
# pcscd, no network, and
# p11-kit's system module configs are empty (a runtime has only Flatpak's
# trust module there).  Firefox runs as the user (nobody): p11-kit reads no
# user configuration for root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

user=nobody
group=$(id -gn nobody)
as_user() { setpriv --reuid "$user" --regid "$group" --clear-groups -- "$@"; }

if [ "${1:-}" = --flow ]; then
	work=$(mktemp -d)
	serve_pid=
	trap '[ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || :; rm -rf "$work"' EXIT
	chmod 711 "$work"
	# p11-kit's system module configs empty, here and in the sandbox.
	mkdir "$work/empty"
	mount --bind "$work/empty" "$(pkg-config --variable p11_module_configs p11-kit-1)"
	[ ! -d /etc/pkcs11/modules ] || mount --bind "$work/empty" /etc/pkcs11/modules
	home=$work/home
	run=$work/run
	app=$home/.var/app/org.mozilla.firefox
	profile=$app/.mozilla/firefox/flat.default
	mkdir -p "$profile" "$app/cache" "$app/data" "$run" "$work/app-run" "$work/out"
	chmod 700 "$run" "$work/app-run"
	certutil -N --empty-password -d "sql:$profile"
	chown -R "$user:$group" "$home" "$run" "$work/app-run" "$work/out"
	sed "s|^module=.*|module=$build/module/jpki-pkcs11-auth.so|" "$build/browser/jpki-register-browsers" \
		>"$work/register"
	as_user env HOME="$home" XDG_RUNTIME_DIR="$run" sh "$work/register"
	as_user env HOME="$home" XDG_RUNTIME_DIR="$run" JPKI_MODULE_DIR="$build/module" \
		"$build/cli/jpki" serve --auth-only >"$work/serve.out" 2>"$work/serve.err" &
	serve_pid=$!
	for _ in $(seq 200); do grep -q '^P11_KIT' "$work/serve.out" && break; sleep 0.05; done
	grep -q '^P11_KIT' "$work/serve.out" || fail "jpki serve: $(cat "$work/serve.err")"
	root_links links
	before=$(apdu_count) || : # grep -c: 0 and status 1 before any APDU
	reads_before=$(grep -c ' C 00A4020C02000A$' "$JPKI_VCARD_APDU_LOG" || :)
	t0=$(now_ms)
	timeout 120 bwrap --unshare-ipc --unshare-pid --unshare-uts --unshare-net --die-with-parent --new-session \
		--ro-bind /usr /usr --ro-bind /etc /etc "${links[@]}" \
		--proc /proc --dev /dev --tmpfs /dev/shm --perms 01777 --tmpfs /tmp --dir /run \
		--perms 0755 --dir "$work" --perms 0755 --dir "$home" --perms 0755 --dir "$home/.var" \
		--perms 0755 --dir "$home/.var/app" --bind "$app" "$app" --bind "$app/.mozilla" "$home/.mozilla" \
		--bind "$work/app-run" "$run" --ro-bind "$run/jpki-auth" "$run/jpki-auth" \
		--bind "$work/out" "$work/out" \
		--clearenv --setenv PATH /usr/bin --setenv HOME "$home" --setenv XDG_RUNTIME_DIR "$run" \
		--setenv XDG_CONFIG_HOME "$app/config" --setenv XDG_CACHE_HOME "$app/cache" \
		--setenv XDG_DATA_HOME "$app/data" --setenv MOZ_CRASHREPORTER_DISABLE 1 \
		setpriv --reuid "$user" --regid "$group" --clear-groups -- \
		firefox-esr --headless --profile "$home/.mozilla/firefox/flat.default" \
		--screenshot "$work/out/shot.png" about:blank >"$work/firefox.log" 2>&1 ||
		fail "firefox-esr in the sandbox failed ($?): $(grep -v 'dconf\|Fontconfig' "$work/firefox.log" | tail -5)"
	t1=$(now_ms)
	[ -s "$work/out/shot.png" ] || fail "Firefox did not run"
	apdus=$(( $(apdu_count) - before ))
	reads=$(( $(grep -c ' C 00A4020C02000A$' "$JPKI_VCARD_APDU_LOG" || :) - reads_before ))
	[ "$apdus" -gt 0 ] || fail "Firefox in the sandbox did not reach the card (no APDUs)"
	[ "$reads" -gt 0 ] || fail "Firefox in the sandbox did not read the authentication certificate"
	grep -qxF "library=/usr/lib/$(gcc -dumpmachine)/p11-kit-proxy.so" "$profile/pkcs11.txt" ||
		fail "Firefox dropped the module from the profile"
	out=$(as_user env HOME="$home" XDG_CONFIG_HOME="$app/config" XDG_RUNTIME_DIR="$run" \
		certutil -d "sql:$profile" -L -h all </dev/null 2>&1)
	printf '%s\n' "$out"
	grep -q "^$AUTH_NICK  *u,u,u" <<<"$out" || fail "the profile does not show the card's certificate"
	grep -q "$SIGN_TOKEN" <<<"$out" && fail "the signature token reached the browser"
	[ "$(verifies 001B)" = 0 ] || fail "the signature PIN was sent"
	echo "FINDING firefox: $(firefox-esr --version 2>/dev/null) in a Flatpak-laid sandbox ran $((t1 - t0)) ms, $apdus APDUs, read the authentication certificate $reads time(s) through p11-kit-proxy.so and jpki serve --auth-only"
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (Firefox runs as nobody)"; exit 77; }
command -v firefox-esr >/dev/null || fail "firefox-esr not installed (scripts/install-deps)"
if ! why=$(bwrap_works); then
	echo "SKIP: $why"
	exit 77
fi
with_card -- unshare --mount --propagation private -- "$0" --flow
