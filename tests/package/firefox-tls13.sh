#!/bin/bash
# firefox-tls13.sh USER HOME PROFILE WORK: a TLS 1.3 client login in a real
# Firefox, run by scripts/test-package as root inside tests/with-card
# after the package is installed and PROFILE (USER's, already given the
# module by jpki-register-browsers) has been run once.
# The server is openssl s_server -tls1_3 -Verify 1 -verify_return_error
# -www with the card's authentication CA as its client CA; its own
# certificate comes from a CA made here and trusted in PROFILE.  Firefox
# picks the card's certificate by itself (security.default_personal_cert),
# asks for the PIN once, and xdotool types it into that dialog on the
# virtual display.  Passes when the server verified the card's
# certificate over TLS 1.3 and the client signed with RSA-PSS, and the
# card was sent the authentication PIN once and the signature PIN never.
# Screenshot and logs are left in WORK/firefox-tls13.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../consumers/lib.sh
source "$here/../consumers/lib.sh"
user=$1 home=$2 profile=$3
dir=$4/firefox-tls13
PORT=4433 # with-card gives the run its own network namespace
PIN_DIALOG='^Password Required' # the title of Firefox's token PIN prompt

chmod 755 "$JPKI_WITH_CARD_DIR" 2>/dev/null || : # the user's Firefox reaches pcscd
mkdir -p "$dir"
chmod 777 "$dir" # the user's Firefox leaves its screenshot here
as_user() { runuser -u "$user" -- env HOME="$home" "$@"; }

# The server's certificate, from a CA that only the profile trusts.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=test-package-ca -days 1 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
	-keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
	-keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$dir/server.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
	-CAcreateserial -days 1 -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null
chmod 644 "$dir/ca.crt"
as_user certutil -A -d "sql:$profile" -n test-package-ca -t C,, -i "$dir/ca.crt"
# The card's certificate without a question; no first-run pages.
as_user tee -a "$profile/user.js" >/dev/null <<'EOF'
user_pref("security.default_personal_cert", "Select Automatically");
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.enabled", false);
EOF

# The trace (stdout, line by line) says the version and the client's
# signature; stderr the client chain's verification.
timeout 150 stdbuf -oL openssl s_server -accept "127.0.0.1:$PORT" -tls1_3 \
	-Verify 1 -verify_return_error -www -trace \
	-CAfile "$JPKI_VCARD_PROFILE/auth-ca.crt" \
	-cert "$dir/server.crt" -key "$dir/server.key" \
	< <(sleep 150) >"$dir/trace.log" 2>"$dir/server.log" &
server=$!
firefox=
trap 'kill $server $firefox 2>/dev/null || :' EXIT
for _ in $(seq 100); do
	grep -q '^ACCEPT' "$dir/trace.log" && break
	sleep 0.1
done
grep -q '^ACCEPT' "$dir/trace.log" || fail "s_server did not start: $(cat "$dir/server.log")"

# Firefox and xdotool on one virtual display, as the user: the PIN is
# typed into the dialog once it is there; all ends when $dir/done exists.
# shellcheck disable=SC2016 # expanded by the inner shell
drive='
	firefox-esr --no-remote --profile "$profile" "$url" >"$dir/firefox.log" 2>&1 &
	ff=$!
	if wid=$(timeout 60 xdotool search --sync --name "$PIN_DIALOG" | head -n 1) && [ -n "$wid" ]; then
		echo "PIN dialog: $(xdotool getwindowname "$wid")"
		xdotool windowfocus --sync "$wid"
		sleep 0.5
		xdotool type --delay 80 "$PIN"
		xdotool key Return
	else
		echo "no PIN dialog within 60 s; windows:"
		xdotool search --name . getwindowname %@ 2>/dev/null | sort -u | sed "s/^/  /"
	fi
	for _ in $(seq 600); do [ -e "$dir/done" ] && break; sleep 0.1; done
	echo "windows at the end:"
	xdotool search --name . getwindowname %@ 2>/dev/null | sort -u | sed "s/^/  /"
	import -window root "$dir/screen.png" 2>/dev/null || :
	kill $ff; wait $ff 2>/dev/null
	:'
start=$SECONDS
as_user env profile="$profile" url="https://127.0.0.1:$PORT/" dir="$dir" \
	PIN_DIALOG="$PIN_DIALOG" PIN="$JPKI_AUTH_PIN" \
	timeout -k 5 150 xvfb-run -a bash -c "$drive" >"$dir/driver.log" 2>&1 &
firefox=$!
# The login is over when the server has verified the chain and the page
# has had time to be sent.
for _ in $(seq 900); do
	[ "$(grep -c '^verify return:1$' "$dir/server.log")" -ge 2 ] && break
	kill -0 $firefox 2>/dev/null || break
	sleep 0.1
done
sleep 3
touch "$dir/done"
wait $firefox || :
firefox=
kill $server 2>/dev/null || :
wait $server 2>/dev/null || :
cat "$dir/driver.log"
echo "login took $((SECONDS - start)) s"

# What the server saw, per handshake (Firefox may make more than one):
# the version it and Firefox agreed on, the signature algorithm of
# Firefox's CertificateVerify (a received one; the server's own is sent),
# the chain.
versions=$(awk '/ServerHello,/ { sh = 1 } sh && /^ +TLS 1\.[0-3] \(77[0-9]\)$/ { sub(/^ +/, ""); print; sh = 0 }' "$dir/trace.log")
client_sigs=$(awk '/^Sent Record/ { dir = "sent" } /^Received Record/ { dir = "received" }
	/CertificateVerify,/ { cv = dir } cv == "received" && /Signature Algorithm:/ { sub(/^ +Signature Algorithm: /, ""); print; cv = "" }' "$dir/trace.log")
grep -E '^(depth|verify)' "$dir/server.log" || :
echo "server: version(s) $(echo "${versions:-none}" | sort | uniq -c | xargs), client signature(s) $(echo "${client_sigs:-none}" | sort | uniq -c | xargs)"
subject=$(openssl x509 -in "$JPKI_VCARD_PROFILE/auth.crt" -noout -subject)
auth_pins=$(verifies 0018) sign_pins=$(verifies 001B)
echo "card: authentication PIN sent $auth_pins time(s), signature PIN $sign_pins time(s), $(apdu_count) APDUs"
# only LINE TEXT: TEXT has lines, and each is LINE.
only() { [ -n "$2" ] && ! grep -qvxF "$1" <<<"$2"; }
only "TLS 1.3 (772)" "$versions" ||
	fail "not TLS 1.3"
only "rsa_pss_rsae_sha256 (0x0804)" "$client_sigs" ||
	fail "Firefox did not sign with RSA-PSS"
clients=$(grep -c '^depth=0 ' "$dir/server.log" || :)
[ "$clients" -ge 1 ] || fail "the server saw no client certificate"
[ "$(grep -cxF "depth=0 ${subject#subject=}" "$dir/server.log")" = "$clients" ] ||
	fail "the server saw another certificate than the card's"
[ "$(grep -c '^verify return:1$' "$dir/server.log")" = $((2 * clients)) ] || fail "the card's chain was not verified"
! grep -q 'verify error' "$dir/server.log" || fail "the server's verification failed"
[ "$auth_pins" = 1 ] || fail "authentication PIN sent $auth_pins times, not once"
[ "$sign_pins" = 0 ] || fail "the signature PIN was sent to the card"
[ "$(tries auth)" = 3 ] || fail "authentication PIN tries left: $(tries auth)"
echo "PASS Firefox TLS 1.3 login: one PIN, RSA-PSS, client certificate verified"
