#!/bin/bash
# p11-kit and GnuTLS (p11tool, certtool) find the module through the files
# `meson install` puts down, staged with DESTDIR:
#   installed  the staged module directory and module config directory are
#              bind-mounted over p11-kit's system ones (a private mount
#              namespace), so the installed jpki.module is read unchanged
#              and the system's own modules (OpenSC, SoftHSM, trust) are
#              hidden;
#   user       an unprivileged user's ~/.config/pkcs11 with
#              "user-config: only" and a jpki.module naming the staged
#              module by its absolute path (p11-kit reads no user
#              configuration for root).
# Each flow lists the modules, tokens and certificates and signs with both
# keys (p11tool --test-sign); certtool's detached PKCS#7 signature is
# verified by OpenSSL.  Each flow runs on a fresh card.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

# as_user CMD...: run CMD as the unprivileged test user (or as is).
as_user() {
	if [ -n "${run_as:-}" ]; then
		setpriv --reuid "$run_as" --regid "$run_as_group" --clear-groups -- "$@"
	else
		"$@"
	fi
}

# pss_mechanisms: how many PSS mechanisms the auth token lists through
# p11-kit's proxy.  (GnuTLS initializes modules with arguments of its own,
# which take the place of x-init-reserved: p11tool would not tell.)
pss_mechanisms() {
	local proxy
	proxy=$(find /usr/lib /usr/lib64 -name p11-kit-proxy.so -print -quit 2>/dev/null)
	[ -n "$proxy" ] || fail "p11-kit-proxy.so not found (package p11-kit-modules)"
	as_user pkcs11-tool --module "$proxy" --token-label "My Number Auth (4-digit PIN)" -M |
		grep -cE '^  (SHA256-)?RSA-PKCS-PSS, ' || :
}

fingerprint() { openssl x509 -noout -fingerprint -sha256 "$@"; }

# module_listed OUT NAME: `p11-kit list-modules` output OUT lists the module
# jpki with file NAME.  p11-kit 0.24 prints "jpki: NAME"; 0.25 prints
# "module: jpki" and, under it, the full path: "path: DIR/NAME".
module_listed() {
	local out=$1 name=$2 path=$2
	[ "${name#/}" != "$name" ] || path=$mod_dir/$name
	grep -qxF "jpki: $name" <<<"$out" && return 0
	awk -v path="$path" '/^[^ ]/ { in_jpki = ($0 == "module: jpki") }
		in_jpki && $0 == "    path: " path { found = 1 }
		END { exit !found }' <<<"$out"
}

# checks WORK MODULE-NAME: what both flows prove once p11-kit is pointed at
# the staged files.
checks() {
	local work=$1 name=$2 out
	echo "== p11-kit list-modules"
	out=$(as_user p11-kit list-modules)
	printf '%s\n' "$out"
	[ "$(grep -c '^[^ ].*: ' <<<"$out")" = 1 ] || fail "expected exactly one module, ours"
	module_listed "$out" "$name" || fail "module jpki ($name) not listed"
	grep -q '^    token: My Number Auth (4-digit PIN)$' <<<"$out" || fail "auth token not listed"
	grep -q '^    token: My Number Sign (6-16 char PIN)$' <<<"$out" || fail "sign token not listed"

	echo "== p11tool --list-tokens"
	out=$(as_user p11tool --list-tokens)
	printf '%s\n' "$out"
	[ "$(grep -c '^	Label: ' <<<"$out")" = 2 ] || fail "expected exactly two tokens"
	[ "$(grep -c "^	Module: $name\$" <<<"$out")" = 2 ] || fail "tokens not from $name"

	echo "== p11tool --list-all-certs (no login)"
	out=$(as_user p11tool --list-all-certs "pkcs11:token=$auth_token")
	printf '%s\n' "$out"
	grep -q 'Label: JPKI User Authentication Certificate$' <<<"$out" ||
		fail "auth certificate not listed"
	out=$(as_user p11tool --list-all-certs "pkcs11:token=$sign_token" 2>&1 || :)
	grep -q 'JPKI Digital Signature Certificate' <<<"$out" &&
		fail "signature certificate visible before login"

	echo "== p11tool --login --list-all-certs (signature token)"
	out=$(GNUTLS_PIN=$JPKI_SIGN_PIN as_user p11tool --login --list-all-certs "pkcs11:token=$sign_token")
	printf '%s\n' "$out"
	grep -q 'Label: JPKI Digital Signature Certificate$' <<<"$out" ||
		fail "signature certificate not listed after login"

	echo "== p11tool --export: the card's certificates are the profile's"
	as_user p11tool --export "$auth_cert" > "$work/auth.pem"
	[ "$(fingerprint -in "$work/auth.pem")" = "$(fingerprint -in "$JPKI_VCARD_PROFILE/auth.crt")" ] ||
		fail "exported auth certificate differs"
	GNUTLS_PIN=$JPKI_SIGN_PIN as_user p11tool --login --export "$sign_cert" > "$work/sign.pem"
	[ "$(fingerprint -in "$work/sign.pem")" = "$(fingerprint -in "$JPKI_VCARD_PROFILE/sign.crt")" ] ||
		fail "exported sign certificate differs"

	echo "== p11tool --login --test-sign (both keys)"
	out=$(GNUTLS_PIN=$JPKI_AUTH_PIN as_user p11tool --login --test-sign "$auth_key" 2>&1)
	printf '%s\n' "$out"
	grep -q '^Verifying against public key in the token... ok$' <<<"$out" || fail "auth test-sign"
	out=$(GNUTLS_PIN=$JPKI_SIGN_PIN as_user p11tool --login --test-sign "$sign_key" 2>&1)
	printf '%s\n' "$out"
	grep -q '^Verifying against public key in the token... ok$' <<<"$out" || fail "sign test-sign"

	echo "== certtool --p7-detached-sign with the card's key, verified by openssl cms"
	printf 'p11-kit consumer test %s\n' "$RANDOM" > "$work/data"
	install -m 644 "$JPKI_VCARD_PROFILE/sign.crt" "$work/sign.crt"
	GNUTLS_PIN=$JPKI_SIGN_PIN as_user certtool --p7-detached-sign --hash SHA256 \
		--load-privkey "$sign_key" --load-certificate "$work/sign.crt" \
		--infile "$work/data" --outfile "$work/data.p7s"
	openssl cms -verify -binary -inform PEM -in "$work/data.p7s" -content "$work/data" \
		-CAfile "$JPKI_VCARD_PROFILE/sign-ca.crt" -out /dev/null ||
		fail "certtool's signature does not verify"
	echo changed >> "$work/data"
	if openssl cms -verify -binary -inform PEM -in "$work/data.p7s" -content "$work/data" \
		-CAfile "$JPKI_VCARD_PROFILE/sign-ca.crt" -out /dev/null 2>/dev/null; then
		fail "signature verifies over changed data"
	fi
}

# Inside with-card: one flow, then its APDU count.
if [ "${1:-}" = --flow ]; then
	flow=$2 stage=$3
	mod_dir=$(pkg-config --variable p11_module_path p11-kit-1)
	conf_dir=$(pkg-config --variable p11_module_configs p11-kit-1)
	case $flow in
	installed)
		if [ "${4:-}" != --in-mount-ns ]; then
			# A mount namespace of our own: the bind mounts below vanish with it.
			exec unshare --mount --propagation private -- "$0" --flow "$flow" "$stage" --in-mount-ns
		fi
		work=$(mktemp -d)
		trap 'rm -rf "$work"' EXIT
		mount --bind "$stage$mod_dir" "$mod_dir" || fail "cannot bind-mount $mod_dir"
		mount --bind "$stage$conf_dir" "$conf_dir" || fail "cannot bind-mount $conf_dir"
		if [ -d /etc/pkcs11 ]; then
			mkdir -p "$work/empty"
			mount --bind "$work/empty" /etc/pkcs11 || fail "cannot hide /etc/pkcs11"
		fi
		echo "p11-kit reads $conf_dir: $(ls "$conf_dir")"
		checks "$work" jpki-pkcs11.so
		;;
	user)
		work=$(mktemp -d)
		trap 'rm -rf "$work"' EXIT
		chmod 755 "$work"
		run_as=nobody run_as_group=nogroup
		export HOME=$work/home
		mkdir -p "$HOME/.config/pkcs11/modules"
		echo 'user-config: only' > "$HOME/.config/pkcs11/pkcs11.conf"
		sed "s|^module:.*|module: $stage$mod_dir/jpki-pkcs11.so|" "$stage$conf_dir/jpki.module" \
			> "$HOME/.config/pkcs11/modules/jpki.module"
		chown -R "$run_as:$run_as_group" "$work"
		echo "\$HOME/.config/pkcs11/pkcs11.conf:"; sed 's/^/    /' "$HOME/.config/pkcs11/pkcs11.conf"
		echo "\$HOME/.config/pkcs11/modules/jpki.module:"; sed 's/^/    /' "$HOME/.config/pkcs11/modules/jpki.module"
		checks "$work" "$stage$mod_dir/jpki-pkcs11.so"
		# The user's switch in the module's p11-kit file (doc/behaviour.md):
		# p11-kit hands x-init-reserved to C_Initialize.
		[ "$(pss_mechanisms)" = 2 ] || fail "the auth token lists no PSS before pss=off"
		echo 'x-init-reserved: pss=off' >> "$HOME/.config/pkcs11/modules/jpki.module"
		[ "$(pss_mechanisms)" = 0 ] || fail "the auth token lists PSS with x-init-reserved: pss=off"
		echo "FINDING user: x-init-reserved: pss=off in jpki.module takes both PSS mechanisms off the list"
		;;
	*) fail "unknown flow $flow" ;;
	esac
	echo "APDUS p11-kit $flow=$(apdu_count)"
	exit 0
fi

# Stage the installation, then check it is where p11-kit looks.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"
DESTDIR=$stage meson install -C "$build" --no-rebuild --quiet
mod_dir=$(pkg-config --variable p11_module_path p11-kit-1)
conf_dir=$(pkg-config --variable p11_module_configs p11-kit-1)
for f in "$mod_dir/jpki-pkcs11.so" "$mod_dir/jpki-pkcs11-auth.so" "$conf_dir/jpki.module"; do
	[ -f "$stage$f" ] || fail "meson install did not put down $f"
	echo "installed: $f"
done
grep -qx 'module: jpki-pkcs11.so' "$stage$conf_dir/jpki.module" ||
	fail "jpki.module does not name jpki-pkcs11.so"

for flow in installed user; do
	echo "=== flow $flow"
	with_card -- "$0" --flow "$flow" "$stage"
done
