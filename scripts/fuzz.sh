#!/bin/sh
# make fuzz: runs every libFuzzer target for SECONDS each, starting from its corpus
# (new inputs go to a scratch copy, the committed corpus is left as it is).
set -eu
build=${1:-build-fuzz}
seconds=${2:-30}
rc=0
for f in "$build"/fuzz/fuzz-*; do
	[ -f "$f" ] && [ -x "$f" ] || continue
	case "$f" in *-replay) continue ;; esac
	name=${f##*/fuzz-}
	work="$build/fuzz/work-$name"
	mkdir -p "$work"
	cp -n fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true
	echo "== fuzz-$name for ${seconds}s =="
	"$f" -max_total_time="$seconds" -print_final_stats=1 "$work" 2>&1 | tail -n 12 || rc=1
done
exit $rc
