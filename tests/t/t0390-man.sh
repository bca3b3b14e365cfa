#!/bin/sh
# SPDX-License-Identifier: MIT
# t0390-man.sh - the man pages (man/): each is clean roff for groff -ww, every command of the
# command table (apsim help --list) has its entry in apsim(1) (.B "NAME" or .BI "NAME " "ARGS"
# after a .TP), and the pages name each other.
. "$(dirname "$0")/lib.sh"

need_apsim
command -v groff >/dev/null 2>&1 || skip_all "groff missing (scripts/install-deps.sh installs groff-base)"

for page in apsim.1 apsimd.8 apsim-scenario.5 apsim-machine.5; do
	groff -ww -z -man "$SRCDIR/man/$page" >"$T/warn" 2>&1
	check_eq "$page: groff -ww gives no warning" "0|" "$?|$(cat "$T/warn")"
done

missing=
"$APSIM" help --list >"$T/commands"
while IFS= read -r name; do
	roff=$(printf '%s' "$name" | sed 's/-/\\\\-/g')
	grep -q -e "^\.B \"$roff\"\$" -e "^\.BI \"$roff \" " "$SRCDIR/man/apsim.1" || missing="$missing [$name]"
done <"$T/commands"
check_eq "every command of the table has an entry in apsim(1)" "" "$missing"
check_eq "the table has the commands the page was checked against" "yes" \
	"$([ "$(wc -l <"$T/commands")" -ge 50 ] && echo yes)"
check "apsimd(8) documents --http" grep -q '^\.BI \\-\\-http ' "$SRCDIR/man/apsimd.8"
done_testing
