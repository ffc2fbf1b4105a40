# shellcheck shell=sh
# Sourced, not run: the apt sources of this machine, read once for every
# script that needs them (scripts/install-deps, .ci/debian13-check).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

# apt_sources SUITE: the enabled "deb" entries for SUITE (exactly that
# suite: bookworm is not bookworm-updates), from deb822 .sources files
# and then one-line sources.list files, one a line, tab-separated:
#   URI  SUITE  COMPONENTS  OPTIONS
# OPTIONS as a one-line entry's [...] holds them ("signed-by=FILE" for a
# deb822 stanza whose Signed-By names a file), empty if none.
apt_sources() (
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v want="$1" '
			function flush(   t, u, s, nt, nu, ns, i, j, k, opts) {
				if (enabled != "no" && uris != "") {
					opts = signed ~ /^\// ? "signed-by=" signed : ""
					nt = split(types, t, " "); nu = split(uris, u, " "); ns = split(suites, s, " ")
					for (i = 1; i <= nt; i++)
						for (j = 1; j <= nu; j++)
							for (k = 1; k <= ns; k++)
								if (t[i] == "deb" && s[k] == want)
									printf "%s\t%s\t%s\t%s\n", u[j], s[k], comps, opts
				}
				types = uris = suites = comps = signed = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { next }   # continuation of a multi-line field
			{
				key = tolower($1); val = $0
				sub(/^[^:]*:[ \t]*/, "", val); gsub(/[ \t]+/, " ", val); sub(/ $/, "", val)
			}
			key == "types:" { types = val }
			key == "uris:" { uris = val }
			key == "suites:" { suites = val }
			key == "components:" { comps = val }
			key == "signed-by:" { signed = val }
			key == "enabled:" { enabled = tolower(val) }
			END { flush() }
		' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -e 's/#.*//' "$f" | awk -v want="$1" '
			$1 != "deb" { next }
			{
				opts = ""
				line = $0
				sub(/^[ \t]+/, "", line)
				if (match(line, /\[[^]]*\]/)) {
					opts = substr(line, RSTART + 1, RLENGTH - 2)
					line = substr(line, 1, RSTART - 1) substr(line, RSTART + RLENGTH)
					gsub(/^[ \t]+|[ \t]+$/, "", opts)
				}
				n = split(line, w, /[ \t]+/)
				if (w[3] != want) next
				comps = w[4]
				for (i = 5; i <= n; i++) if (w[i] != "") comps = comps " " w[i]
				printf "%s\t%s\t%s\t%s\n", w[2], w[3], comps, opts
			}
		'
	done
)
