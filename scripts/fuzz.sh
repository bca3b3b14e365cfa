#!/bin/sh
# make fuzz: runs every libFuzzer target for SECONDS each, starting from its corpus
# (new inputs go to a scratch copy, the committed corpus is left as it is), then prints one
# summary line per target: executions, exec/s, and whether it found anything.
# FUZZ_TARGETS="mask state" limits the run to those targets.
set -eu
build=${1:-build-fuzz}
seconds=${2:-30}
rc=0
summary=""
for f in "$build"/fuzz/fuzz-*; do
	[ -f "$f" ] && [ -x "$f" ] || continue
	case "$f" in *-replay) continue ;; esac
	name=${f##*/fuzz-}
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		case " $FUZZ_TARGETS " in *" $name "*) ;; *) continue ;; esac
	fi
	work="$build/fuzz/work-$name"
	log="$build/fuzz/fuzz-$name.log"
	mkdir -p "$work"
	cp -n fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true
	echo "== fuzz-$name for ${seconds}s =="
	status=ok
	"$f" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$build/fuzz/$name-" \
		"$work" >"$log" 2>&1 || { status=FAILED; rc=1; }
	tail -n 12 "$log"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	summary="$summary$(printf '%-14s %12s execs %8s exec/s  %s' "$name" "${execs:-?}" "${rate:-?}" "$status")
"
done
echo "== summary (${seconds}s per target) =="
printf '%s' "$summary"
exit $rc
