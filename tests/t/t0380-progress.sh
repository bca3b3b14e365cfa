#!/bin/sh
# SPDX-License-Identifier: MIT
# t0380-progress.sh - a long scenario shows "FILE: line N of M" on a terminal (here a pty
# from util-linux's script) rewritten in place and cleared at the end, and nothing at all
# when stderr is a pipe or a file.
. "$(dirname "$0")/lib.sh"

need_apsim
command -v script >/dev/null 2>&1 || skip_all "script (util-linux) missing"

python3 -c "
for i in range(600):
    print('machine lpar add domain 1-80'); print('scan')
    print('machine lpar remove domain 1-80'); print('scan')" >"$T/long.scn"

script -qc "'$APSIM' run '$T/long.scn'" /dev/null >"$T/tty" 2>&1
check "on a terminal: a progress line" grep -q "long.scn: line [0-9]* of 2400" "$T/tty"
check_eq "rewritten in place, cleared at the end" "$(printf '\r\033[K')" \
	"$(tail -c 4 "$T/tty" | head -c 4)"
"$APSIM" run "$T/long.scn" >"$T/out" 2>"$T/err"
check_eq "piped: exit 0, nothing on stdout or stderr" "0||" "$?|$(cat "$T/out")|$(cat "$T/err")"
done_testing
