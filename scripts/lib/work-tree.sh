# shellcheck shell=sh
# Sourced, not run: the work tree as a copy, for the scripts that build or
# test it elsewhere (scripts/test-package, .ci/debian13-check).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

# copy_work_tree DEST: the files of the work tree in the current
# directory, tracked and new ones (not ignored ones; outside a git
# checkout, all but build trees), into the existing directory DEST.  A
# tracked file deleted in the work tree is left out.
copy_work_tree() {
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files -z --cached --others --exclude-standard |
			tar --null -T - --ignore-failed-read -cf - 2>/dev/null
	else
		tar --exclude='./build*' -cf - .
	fi | tar -C "$1" -xf -
}
