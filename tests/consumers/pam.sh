#!/bin/bash
# PAM with pam_p11 (OpenSSH mode: the card's authentication key listed in
# ~/.ssh/authorized_keys) driven by pamtester, on a PAM service file made
# here: the right PIN authenticates, a wrong PIN fails and spends one try,
# a PIN of the wrong shape fails with no PIN sent and no try spent.  The
# service file and root's home are bind mounts in a mount namespace of the
# test's own, so the system's PAM set-up and /root are left alone.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

pam_dir=$(dirname "$(find /lib /usr/lib -name pam_p11.so -path '*security*' 2>/dev/null | head -n 1)")
[ -f "$pam_dir/pam_p11.so" ] || { echo "SKIP: pam_p11.so not installed (libpam-p11)" >&2; exit 77; }
command -v pamtester >/dev/null || { echo "SKIP: pamtester not installed" >&2; exit 77; }

case ${1:-} in
--in-card) exec unshare --mount --propagation private -- "$0" --in-mount-ns ;;
--in-mount-ns) ;;
*) exec "$top/tests/with-card" -- "$0" --in-card ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pam.d" "$work/home/.ssh"
cat > "$work/pam.d/jpki-login" <<PAM
auth required $pam_dir/pam_p11.so $(our_module)
account required pam_permit.so
PAM
ssh-keygen -i -m PKCS8 -f <(openssl x509 -pubkey -noout -in "$JPKI_VCARD_PROFILE/auth.crt") \
	> "$work/home/.ssh/authorized_keys"
chmod 700 "$work/home/.ssh"
mount --bind "$work/pam.d" /etc/pam.d || fail "cannot bind-mount /etc/pam.d"
mount --bind "$work/home" "$(getent passwd root | cut -d: -f6)" || fail "cannot bind-mount root's home"

# login PIN: pamtester's authenticate, the PIN on its terminal-less stdin.
login() { printf '%s\n' "$1" | pamtester -v jpki-login root authenticate 2>&1; }

echo "== pamtester jpki-login root authenticate (right PIN)"
login "$JPKI_AUTH_PIN" || fail "the right PIN did not authenticate"
[ "$(tries auth)" = 3 ] || fail "tries left $(tries auth) after the right PIN"

echo "== wrong PIN"
wrong=$(printf '%04d' $(( (10#$JPKI_AUTH_PIN + 1) % 10000 )))
if login "$wrong"; then fail "a wrong PIN authenticated"; fi
[ "$(tries auth)" = 2 ] || fail "tries left $(tries auth) after one wrong PIN, not 2"

echo "== malformed PIN (5 digits)"
sent=$(verifies 0018)
if login "12345"; then fail "a malformed PIN authenticated"; fi
[ "$(verifies 0018)" = "$sent" ] || fail "a malformed PIN was sent to the card"
[ "$(tries auth)" = 2 ] || fail "a malformed PIN cost a try ($(tries auth) left)"

echo "== right PIN again: the try comes back"
login "$JPKI_AUTH_PIN" || fail "the right PIN did not authenticate after a wrong one"
[ "$(tries auth)" = 3 ] || fail "tries left $(tries auth) after the right PIN, not 3"
echo "APDUS pam=$(apdu_count)"
