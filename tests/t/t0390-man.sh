#!/bin/sh
# SPDX-License-Identifier: MIT
# t0390-man.sh - the man pages (man/) against the programs they describe:
#  - each page is clean roff for groff -ww (no warning at all);
#  - apsim(1) has one entry per command of the command table (apsim help --list), in the form
#    of man/apsim.1's header comment (a .TP, then .B "NAME" or .BI "NAME " "ARGS", under
#    COMMANDS), no entry for a command the table does not have (exec, the command line's own,
#    aside), and each entry's ARGS are the table's;
#  - every option of apsim --help and apsimd --help has its entry under OPTIONS;
#  - every command with --json (help --json: "json": true) is under JSON OUTPUT;
#  - the pages carry the programs' version and name each other under SEE ALSO;
#  - the examples of apsim-scenario(5) and apsim-machine(5) run.
. "$(dirname "$0")/lib.sh"

need_apsim
command -v groff >/dev/null 2>&1 || skip_all "groff missing (scripts/install-deps.sh installs groff-base)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 missing"

MAN=$SRCDIR/man
PAGES="apsim.1 apsimd.8 apsim-scenario.5 apsim-machine.5"

for page in $PAGES; do
	groff -ww -z -man "$MAN/$page" >"$T/warn" 2>&1
	check_eq "$page: groff -ww gives no warning" "0|" "$?|$(cat "$T/warn")"
done

# section PAGE NAME: the lines of section .SH NAME of PAGE
section() {
	awk -v s="$2" '/^\.SH / { on = ($0 == ".SH " s || $0 == ".SH \"" s "\"") ; next } on' "$MAN/$1"
}
# tags PAGE NAME: the tag lines (the line after each .TP) of that section, \- read as -
tags() {
	section "$1" "$2" | awk 'prev == ".TP" { print } { prev = $0 }' | sed 's/\\-/-/g'
}

# --- apsim(1): the command list -----------------------------------------------------------
"$APSIM" help --list >"$T/commands"
"$APSIM" help --json >"$T/table.json"
tags apsim.1 COMMANDS >"$T/entries"
check_eq "the table has commands" "yes" "$([ -s "$T/commands" ] && echo yes)"
check_eq "help --list names the commands of help --json, in order" "$(cat "$T/commands")" \
	"$(python3 -c 'import json, sys; print("\n".join(c["name"] for c in json.load(sys.stdin)))' <"$T/table.json")"

missing=
while IFS= read -r name; do
	grep -q -F -x -e ".B \"$name\"" "$T/entries" ||
		grep -q -F -e ".BI \"$name \" " "$T/entries" || missing="$missing [$name]"
done <"$T/commands"
check_eq "every command of the table has an entry in apsim(1)" "" "$missing"

# NAME|ARGS of each entry, and of each command of the table
sed -n 's/^\.BI "\(.*\) " "\(.*\)"$/\1|\2/p; s/^\.B "\(.*\)"$/\1|/p' "$T/entries" >"$T/page-args"
python3 -c '
import json, sys
for c in json.load(sys.stdin):
    print(c["name"] + "|" + c["args"])' <"$T/table.json" | LC_ALL=C sort >"$T/table-args"
check_eq "no command entry in apsim(1) that the table lacks (exec aside)" "" \
	"$(cut -d'|' -f1 "$T/page-args" | grep -v -x -F -f "$T/commands" | grep -v -x exec | tr '\n' ' ')"
check_eq "no command has two entries" "" "$(cut -d'|' -f1 "$T/page-args" | sort | uniq -d)"
check_eq "each entry's arguments are the table's" "" \
	"$(grep -v '^exec|' "$T/page-args" | LC_ALL=C sort | diff "$T/table-args" - | grep '^[<>]')"
check "exec, the command line's own command, has its entry" \
	grep -q -F -e '.BI "exec " "[--guest NAME] [--host-net] [--] PROGRAM [ARG...]"' "$T/entries"

# --- options ------------------------------------------------------------------------------
# opts_missing PAGE OPTION...: the options that no .TP tag under OPTIONS of PAGE names
opts_missing() {
	_page=$1
	shift
	tags "$_page" OPTIONS >"$T/opt-tags"
	for _o in "$@"; do
		grep -q -E -e "(^|[^-a-z])$_o([^-a-z]|\$)" "$T/opt-tags" || printf '%s ' "$_o"
	done
}
# shellcheck disable=SC2046 # one option a word
check_eq "every option of apsim --help has an entry in apsim(1)" "" \
	"$(opts_missing apsim.1 $("$APSIM" --help | sed -n '/^Options:/,/^$/p' | grep -o -E -e '(^| )--?[a-z][-a-z]*' | tr -d ' '))"
if [ -x "$APSIMD" ]; then
	# shellcheck disable=SC2046
	check_eq "every option of apsimd --help has an entry in apsimd(8)" "" \
		"$(opts_missing apsimd.8 $("$APSIMD" --help | grep -o -E -e '--[a-z][-a-z]*' | sort -u))"
else
	skip "every option of apsimd --help has an entry in apsimd(8)" "apsimd not built"
fi

# --- JSON OUTPUT --------------------------------------------------------------------------
# the command names of each tag: .B machine show / .BR ls ", " "guest ls"
tags apsim.1 "JSON OUTPUT" | sed 's/^\.[A-Z]* //; s/"//g' | tr ',' '\n' |
	sed 's/^ *//; s/ *$//' | sed '/^$/d' | LC_ALL=C sort >"$T/json-doc"
python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if c["json"]:
        print(c["name"])' <"$T/table.json" | LC_ALL=C sort >"$T/json-cmds"
check_eq "every command with --json has its shape under JSON OUTPUT, and only those" "" \
	"$(diff "$T/json-cmds" "$T/json-doc" | grep '^[<>]' | tr '\n' ' ')"

# --- versions, cross references -----------------------------------------------------------
version=$("$APSIM" --version)
for page in $PAGES; do
	check_eq "$page: .TH names $version" "1" "$(grep -c "^\.TH .* \"$version\" " "$MAN/$page")"
done
if [ -x "$APSIMD" ]; then
	check_eq "apsimd --version is the same version" "apsimd ${version#apsim }" "$("$APSIMD" --version)"
else
	skip "apsimd --version is the same version" "apsimd not built"
fi
for page in $PAGES; do
	want=
	for other in $PAGES; do
		[ "$other" = "$page" ] || want="$want ${other%.*}(${other##*.})"
	done
	got=$(section "$page" "SEE ALSO" | sed -n 's/^\.BR \([^ ]*\) (\([1-8]\)).*/\1(\2)/p' | sed 's/\\-/-/g')
	miss=
	for w in $want; do
		echo "$got" | grep -q -x -F "$w" || miss="$miss $w"
	done
	check_eq "$page: SEE ALSO names the other pages" "" "$miss"
done

# --- the examples -------------------------------------------------------------------------
# example PAGE: the first .EX block under EXAMPLE, as the reader sees it
example() {
	section "$1" EXAMPLE | awk '/^\.EX/ { on = 1; next } /^\.EE/ { exit } on' |
		sed 's/\\-/-/g; s/\\e/\\/g'
}
example apsim-scenario.5 >"$T/example.scn"
check_run "apsim-scenario(5): the example passes under --check-invariants" \
	"$APSIM" --check-invariants run "$T/example.scn" <<EOF
-- stderr
-- rc 0
EOF
example apsim-machine.5 >"$T/example.json"
"$APSIM" --machine "$T/example.json" machine show --json >"$T/example.out" 2>&1
check_eq "apsim-machine(5): the example loads" "0" "$?"
check "apsim-machine(5): the example's cards are the machine's" \
	python3 -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert [c["apid"] for c in a["cards"]] == [c["apid"] for c in b["cards"]], b' \
	"$T/example.json" "$T/example.out"
done_testing
