#!/bin/sh
# compare-output.sh PROGRAM EXPECTED: runs PROGRAM and compares its standard output with the
# file EXPECTED byte for byte; exits 0 when they match and PROGRAM exited 0.
set -u
prog=$1
expected=$2
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
"$prog" >"$out"
rc=$?
if ! cmp -s "$expected" "$out"; then
	echo "output of $prog differs from $expected:" >&2
	diff -u "$expected" "$out" >&2
	exit 1
fi
if [ "$rc" != 0 ]; then
	echo "$prog exited with $rc" >&2
	exit 1
fi
exit 0
