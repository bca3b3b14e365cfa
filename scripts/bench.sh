#!/bin/sh
# make bench: the scan benchmark on a full machine and the hot plug policy comparison,
# built in release mode. Writes BUILD/bench/results.json and prints tables.
set -eu
build=${1:-build-bench}
out="$build/bench/results.json"
echo "== AP bus scan, full machine (bench/bench-scan) =="
"$build/bench/bench-scan"
echo
echo "== one host reconfiguration, 16 guests, per hot plug policy (bench/bench-hotplug) =="
"$build/bench/bench-hotplug"
{
	printf '{"machine": "%s", "scan": ' "$(uname -m) $(nproc) cpus"
	"$build/bench/bench-scan" --json | tr -d '\n'
	printf ', "hotplug": '
	"$build/bench/bench-hotplug" --json | tr -d '\n'
	printf '}\n'
} > "$out"
echo
echo "results: $out"
