#!/bin/bash
# jpki-register-browsers in a home laid out as Flatpak and snap lay it out
# (and a plain Firefox profile, and one that has the two-token module):
#  layout  --list says what it would do for each database; a run registers
#          p11-kit's proxy (by its path inside the runtime) for the Flatpak
#          apps with a p11-kit config naming the socket of `jpki serve
#          --auth-only`, the module copied into each snap's folder for the
#          snaps; `certutil -U` lists the module in each database; the
#          printed root commands and flatpak override are right; a second
#          run says nothing; a module the user removed stays removed; the
#          two-token module is left alone and never added; the libraries
#          the snap copy needs are the built module's
#  nss     with the card (tests/with-card), as the user and with p11-kit
#          seeing only the user's configuration: `jpki serve --auth-only`
#          on its default socket, then NSS on the Flatpak Firefox profile,
#          with the environment the app has in Flatpak (XDG_CONFIG_HOME in
#          the app's folder, no P11_KIT_SERVER_ADDRESS), lists the card's
#          authentication certificate and no signature token; NSS on the
#          snap profile does through the copied module
# Runs as root (the user is nobody: p11-kit reads no user configuration
# for root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

configured=$build/browser/jpki-register-browsers
auth_so=$build/module/jpki-pkcs11-auth.so
proxy=/usr/lib/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)/p11-kit-proxy.so
user=nobody
group=$(id -gn nobody)

as_user() { setpriv --reuid "$user" --regid "$group" --clear-groups -- env HOME="$home" XDG_RUNTIME_DIR="$run" "$@"; }

# lists DB LIB: DB's modules include LIB.
lists() { as_user modutil -dbdir "sql:$1" -list </dev/null | grep -qxF "	library name: $2"; }

# make_home: the browsers' folders as their packagings lay them out.
make_home() {
	local p
	for p in .mozilla/firefox/plain.default .var/app/org.mozilla.firefox/.mozilla/firefox/flat.default \
		.var/app/org.mozilla.Thunderbird/.thunderbird/bird.default \
		snap/firefox/common/.mozilla/firefox/snappy.default .mozilla/firefox/two.default; do
		mkdir -p "$home/$p"
		certutil -N --empty-password -d "sql:$home/$p"
	done
	modutil -dbdir "sql:$home/.mozilla/firefox/two.default" -add mine \
		-libfile "$build/module/jpki-pkcs11.so" -force </dev/null >/dev/null
	mkdir -p "$home/.var/app/org.chromium.Chromium" "$home/snap/chromium/current" "$run"
	chmod 700 "$run"
	chown -R "$user:$group" "$home" "$run"
}

flatpak_dbs() {
	echo "$home/.var/app/org.mozilla.firefox/.mozilla/firefox/flat.default"
	echo "$home/.var/app/org.mozilla.Thunderbird/.thunderbird/bird.default"
	echo "$home/.var/app/org.chromium.Chromium/.pki/nssdb"
}

layout() {
	local out db app
	make_home
	echo "== --list before"
	out=$(as_user sh "$register" --list)
	printf '%s\n' "$out"
	grep -qxF "firefox ~/.mozilla/firefox/plain.default: would register $auth_so" <<<"$out" ||
		fail "--list: the plain profile"
	grep -qxF "firefox ~/.mozilla/firefox/two.default: has the two-token jpki-pkcs11.so, left alone (it asks for the signature PIN at every web login: use jpki-pkcs11-auth.so)" <<<"$out" ||
		fail "--list: the two-token profile"
	grep -qxF "flatpak org.mozilla.firefox ~/.var/app/org.mozilla.firefox/.mozilla/firefox/flat.default: would register $proxy" <<<"$out" ||
		fail "--list: the Flatpak Firefox profile"
	grep -qxF "flatpak org.chromium.Chromium ~/.var/app/org.chromium.Chromium/.pki/nssdb: no database yet, would make one and register $proxy" <<<"$out" ||
		fail "--list: Flatpak Chromium"
	grep -qxF "snap firefox ~/snap/firefox/common/.mozilla/firefox/snappy.default: would register $home/snap/firefox/common/jpki/jpki-pkcs11-auth.so" <<<"$out" ||
		fail "--list: the snap Firefox profile"
	[ ! -e "$home/snap/firefox/common/jpki" ] || fail "--list changed something"
	out=$(as_user sh "$register" --dry-run)
	grep -qxF "firefox ~/.mozilla/firefox/plain.default: would register $auth_so" <<<"$out" ||
		fail "--dry-run does not say what it would do"
	[ -z "$(find "$home" -name jpki-pkcs11-registered -o -name jpki.module -o -name 'jpki-pkcs11-auth.so')" ] ||
		fail "--dry-run changed something"

	echo "== the login's run"
	out=$(as_user sh "$register")
	printf '%s\n' "$out"
	for db in "$home/.mozilla/firefox/plain.default"; do
		lists "$db" "$auth_so" || fail "$db: module not listed"
	done
	while read -r db; do
		lists "$db" "$proxy" || fail "$db: p11-kit-proxy.so not listed"
		[ -e "$db/jpki-pkcs11-registered" ] || fail "$db: no marker"
	done < <(flatpak_dbs)
	lists "$home/snap/firefox/common/.mozilla/firefox/snappy.default" "$home/snap/firefox/common/jpki/jpki-pkcs11-auth.so" ||
		fail "snap Firefox: the copy not listed"
	lists "$home/snap/chromium/current/.pki/nssdb" "$home/snap/chromium/common/jpki/jpki-pkcs11-auth.so" ||
		fail "snap Chromium: the copy not listed"
	cmp "$auth_so" "$home/snap/firefox/common/jpki/jpki-pkcs11-auth.so" || fail "the snap copy differs"
	lists "$home/.mozilla/firefox/two.default" "$auth_so" && fail "the two-token profile got a second module"
	for app in org.mozilla.firefox org.mozilla.Thunderbird org.chromium.Chromium; do
		grep -qxF "remote: unix:path=$run/jpki-auth/pkcs11" \
			"$home/.var/app/$app/config/pkcs11/modules/jpki.module" || fail "$app: no p11-kit config naming the socket"
		if command -v flatpak >/dev/null; then
			as_user flatpak override --user --show "$app" | grep -q 'xdg-run/jpki-auth:ro' ||
				fail "$app: flatpak override not made"
		else
			grep -qxF "flatpak $app: flatpak is not installed here; what would be run: flatpak override --user --filesystem=xdg-run/jpki-auth:ro $app" <<<"$out" ||
				fail "$app: the flatpak override to run is not printed"
		fi
	done
	for snap in firefox chromium; do
		grep -qxF "snap $snap: to let it reach the card reader, run once as root: sudo snap connect $snap:pcscd" <<<"$out" ||
			fail "snap $snap: the root command is not printed"
	done
	grep -q 'jpki-pkcs11\.so' <(as_user sh "$register" --list | grep -v two.default) &&
		fail "the two-token module is offered somewhere"

	echo "== a second login says nothing"
	out=$(as_user sh "$register")
	[ -z "$out" ] || fail "second run: $out"

	echo "== removed by the user, stays removed"
	db=$home/.var/app/org.mozilla.firefox/.mozilla/firefox/flat.default
	as_user modutil -dbdir "sql:$db" -delete "My Number Card" -force </dev/null >/dev/null
	as_user sh "$register" >/dev/null
	lists "$db" "$proxy" && fail "the removed module came back"
	out=$(as_user sh "$register" --list)
	printf '%s\n' "$out"
	grep -qxF "flatpak org.mozilla.firefox ~/.var/app/org.mozilla.firefox/.mozilla/firefox/flat.default: not registered: you removed My Number Card, it stays removed" <<<"$out" ||
		fail "--list does not say the module was removed"
	grep -qxF "snap firefox ~/snap/firefox/common/.mozilla/firefox/snappy.default: registered $home/snap/firefox/common/jpki/jpki-pkcs11-auth.so" <<<"$out" ||
		fail "--list does not say what it registered"

	echo "== what the snap copy needs is what the module needs"
	needs=$(sed -n 's/^module_needs="\(.*\)"$/\1/p' "$register" | tr ' ' '\n' | sort)
	built=$(objdump -p "$auth_so" | awk '$1 == "NEEDED" { print $2 }' | sort)
	[ "$needs" = "$built" ] || fail "the script says the copy needs '$needs', the module needs '$built'"
	echo "FINDING layout: registered in $(( $(flatpak_dbs | wc -l) + 3 )) databases; snap copy needs: $(echo $built)"
}

# nss: the registered profiles reach the card, as the user.
nss() {
	local mod_conf out
	if [ "${1:-}" != --in-mount-ns ]; then
		exec unshare --mount --propagation private -- "$0" --flow nss --in-mount-ns
	fi
	# p11-kit sees only the user's configuration, as in a Flatpak runtime
	# only Flatpak's own trust module would be there besides.
	mod_conf=$(pkg-config --variable p11_module_configs p11-kit-1)
	mkdir -p "$work/empty"
	mount --bind "$work/empty" "$mod_conf"
	[ ! -d /etc/pkcs11/modules ] || mount --bind "$work/empty" /etc/pkcs11/modules
	make_home
	as_user sh "$register" >/dev/null
	chmod 755 "$work"
	# Not through as_user: $! has to be jpki serve itself.
	setpriv --reuid "$user" --regid "$group" --clear-groups -- env HOME="$home" XDG_RUNTIME_DIR="$run" \
		JPKI_MODULE_DIR="$build/module" "$build/cli/jpki" serve --auth-only \
		>"$work/serve.out" 2>"$work/serve.err" &
	serve_pid=$!
	for _ in $(seq 200); do grep -q '^P11_KIT' "$work/serve.out" && break; sleep 0.05; done
	grep -qxF "P11_KIT_SERVER_ADDRESS=unix:path=$run/jpki-auth/pkcs11" "$work/serve.out" ||
		fail "jpki serve --auth-only: $(cat "$work/serve.out" "$work/serve.err")"
	[ "$(stat -c '%a %U' "$run/jpki-auth")" = "700 $user" ] || fail "socket folder: $(stat -c '%a %U' "$run/jpki-auth")"
	app=$home/.var/app/org.mozilla.firefox
	out=$(as_user env -u P11_KIT_SERVER_ADDRESS XDG_CONFIG_HOME="$app/config" \
		certutil -L -d "sql:$app/.mozilla/firefox/flat.default" -h all </dev/null 2>&1)
	printf '%s\n' "$out"
	grep -q "^$AUTH_NICK  *u,u,u" <<<"$out" || fail "the Flatpak profile does not show the card's certificate"
	out=$(as_user env -u P11_KIT_SERVER_ADDRESS XDG_CONFIG_HOME="$app/config" \
		certutil -U -d "sql:$app/.mozilla/firefox/flat.default" </dev/null 2>&1)
	printf '%s\n' "$out"
	grep -qx "   token: $AUTH_TOKEN" <<<"$out" || fail "certutil -U: no authentication token in the Flatpak profile"
	grep -q "$SIGN_TOKEN" <<<"$out" && fail "the signature token reached the Flatpak profile"
	out=$(as_user certutil -L -d "sql:$home/snap/firefox/common/.mozilla/firefox/snappy.default" -h all </dev/null 2>&1)
	printf '%s\n' "$out"
	grep -q "^$AUTH_NICK  *u,u,u" <<<"$out" || fail "the snap profile does not show the card's certificate"
	kill "$serve_pid"
	wait "$serve_pid" || :
	[ ! -e "$run/jpki-auth/pkcs11" ] || fail "jpki serve left its socket"
	[ "$(verifies 001B)" = 0 ] || fail "the signature PIN was sent"
	echo "FINDING nss: Flatpak-laid profile through p11-kit-proxy.so and jpki serve --auth-only, snap-laid profile through the copy: both show $AUTH_NICK"
}

if [ "${1:-}" = --flow ]; then
	work=$(mktemp -d)
	serve_pid=
	trap '[ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || :; rm -rf "$work"' EXIT
	chmod 711 "$work"
	# As meson configured it, with the build tree's module for the
	# installed one.
	register=$work/jpki-register-browsers
	sed "s|^module=.*|module=$auth_so|" "$configured" >"$register"
	home=$work/home
	run=$work/run
	case $2 in
	layout) layout ;;
	nss) shift 2; nss "$@" ;;
	*) fail "unknown flow $2" ;;
	esac
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (the browsers' user is nobody)"; exit 77; }
[ -f "$proxy" ] || fail "$proxy missing (p11-kit-modules)"
"$0" --flow layout
with_card -- "$0" --flow nss
