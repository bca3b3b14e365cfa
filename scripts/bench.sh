#!/bin/sh
# make bench: the scan benchmark at five machine sizes, the hot plug policy comparison, the
# guest disruption corpus and the tree through FUSE (FUSE_SIZE x FUSE_SIZE, 128 by default,
# under "fuse" in results.json), built in release mode. Each size runs REPEAT (default 5) fresh
# processes; the tables give the median of each figure. Writes BUILD/bench/results.json,
# BUILD/bench/scan-scaling.dat and BUILD/bench/disruption.dat, and plots docs/bench-scan.png
# and docs/bench-disruption.png (scripts/plot-bench.sh, gnuplot).
set -eu
build=${1:-build-bench}
repeat=${REPEAT:-5}
out="$build/bench/results.json"
dat="$build/bench/scan-scaling.dat"
raw="$build/bench/scan-runs.jsonl"
ddat="$build/bench/disruption.dat"
djson="$build/bench/disruption.json"

# a progress line on a terminal (stderr), nothing when piped or logged
progress() { if [ -t 2 ]; then printf '\r\033[K%s' "$*" >&2; fi; }
progress_done() { if [ -t 2 ]; then printf '\r\033[K' >&2; fi; }

echo "machine: $(nproc) cpus, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"THP $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)"
echo
echo "== AP bus scan, full machine (bench/bench-scan), one run =="
"$build/bench/bench-scan"
echo
if command -v perf >/dev/null 2>&1 && perf stat -e page-faults true >/dev/null 2>&1; then
	echo "== perf stat of that run (the whole process) =="
	perf stat -e task-clock,page-faults "$build/bench/bench-scan" 2>&1 >/dev/null |
		grep -E "task-clock|page-faults|elapsed"
	echo
fi

echo "== scaling: median of $repeat runs per size =="
: > "$raw"
for n in 16 32 64 128 256; do
	i=0
	while [ "$i" -lt "$repeat" ]; do
		progress "scaling: ${n}x${n}, run $((i + 1)) of $repeat"
		"$build/bench/bench-scan" --json --adapters "$n" --domains "$n" >> "$raw"
		i=$((i + 1))
	done
done
progress_done
python3 - "$raw" "$dat" "$out" <<'PY'
import json, statistics, sys
raw, dat, out = sys.argv[1:4]
runs = [json.loads(l) for l in open(raw)]
keys = ["first_scan_ms", "first_scan_minflt", "rescan_unchanged_ms", "rescan_unchanged_minflt",
        "rescan_one_adapter_one_domain_removed_ms", "rescan_removed_minflt",
        "rescan_one_adapter_one_domain_added_ms", "rescan_added_minflt",
        "rss_before_scan_kib", "peak_rss_kib", "peak_rss_bytes_per_queue"]
rows = []
for q in sorted({r["queues"] for r in runs}):
    rs = [r for r in runs if r["queues"] == q]
    m = {k: statistics.median(r[k] for r in rs) for k in keys}
    m.update(adapters=rs[0]["adapters"], domains=rs[0]["domains"], queues=q, runs=len(rs),
             first_scan_ms_min=min(r["first_scan_ms"] for r in rs),
             first_scan_ms_max=max(r["first_scan_ms"] for r in rs),
             uevents_first_scan=rs[0]["uevents_first_scan"])
    m["bytes_per_queue_above_start"] = (m["peak_rss_kib"] - m["rss_before_scan_kib"]) * 1024 / q
    rows.append(m)
hdr = ("| configured | queues | first scan | (min-max) | minflt | rescan | 1+1 removed | 1+1 back"
       " | peak RSS | B/queue | B/queue above start |")
print(hdr)
print("|" + "---|" * 11)
for m in rows:
    print(f"| {m['adapters']}x{m['domains']} | {m['queues']} | {m['first_scan_ms']:.2f} ms"
          f" | {m['first_scan_ms_min']:.1f}-{m['first_scan_ms_max']:.1f} | {m['first_scan_minflt']:.0f}"
          f" | {m['rescan_unchanged_ms']:.3f} ms | {m['rescan_one_adapter_one_domain_removed_ms']:.3f} ms"
          f" | {m['rescan_one_adapter_one_domain_added_ms']:.3f} ms | {m['peak_rss_kib']:.0f} KiB"
          f" | {m['peak_rss_bytes_per_queue']:.0f} | {m['bytes_per_queue_above_start']:.0f} |")
with open(dat, "w") as f:
    f.write("# queues first_ms unchanged_ms removed_ms added_ms peak_rss_kib bytes_per_queue"
            " first_minflt rss_before_kib\n")
    for m in rows:
        f.write(f"{m['queues']} {m['first_scan_ms']} {m['rescan_unchanged_ms']}"
                f" {m['rescan_one_adapter_one_domain_removed_ms']}"
                f" {m['rescan_one_adapter_one_domain_added_ms']} {m['peak_rss_kib']}"
                f" {m['peak_rss_bytes_per_queue']} {m['first_scan_minflt']} {m['rss_before_scan_kib']}\n")
json.dump({"scan_scaling": rows}, open(out + ".scan", "w"))
PY
echo
echo "== one host reconfiguration, 16 guests, per hot plug policy (bench/bench-hotplug) =="
"$build/bench/bench-hotplug"
echo
echo "== guest disruption corpus: configuration changes x hot plug policies (bench/bench-disruption) =="
"$build/bench/bench-disruption" --json "$djson" --dat "$ddat" ||
	echo "bench-disruption: a goal was missed (see above)"
{
	printf '{"machine": "%s", "scan": ' "$(uname -m) $(nproc) cpus"
	"$build/bench/bench-scan" --json | tr -d '\n'
	printf ', "scan_scaling": '
	python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["scan_scaling"]))' \
		"$out.scan" | tr -d '\n'
	printf ', "hotplug": '
	"$build/bench/bench-hotplug" --json | tr -d '\n'
	printf ', "disruption": '
	cat "$djson"
	printf '}\n'
} > "$out"
rm -f "$out.scan" "$djson"
echo
fsize=${FUSE_SIZE:-128} # 256: 8.5 min on the 2-cpu machine (docs/benchmarks.md)
echo "== the tree through FUSE (bench/bench-fuse.py), ${fsize}x${fsize} =="
if [ "$(id -u)" = 0 ] && [ -e /dev/fuse ]; then
	# lszcrypt -V against the mount and the dump, when s390-tools can be had (docs/clients.md)
	s390=$(sh "$(dirname "$0")/s390-tools.sh" "$build" 2>/dev/null) || s390=
	fjson="$build/bench/fuse.json"
	if python3 bench/bench-fuse.py "$build" --adapters "$fsize" --domains "$fsize" \
		${s390:+--s390 "$s390"} --json > "$fjson"; then
		python3 - "$fjson" "$out" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
for k, v in f.items():
    print(f"  {k}: {v}")
res = json.load(open(sys.argv[2]))
res["fuse"] = f
json.dump(res, open(sys.argv[2], "w"))
PY
	else
		echo "bench-fuse failed"
	fi
	rm -f "$fjson"
else
	echo "(skipped: needs root and /dev/fuse)"
fi
echo
echo "results: $out, $dat, $ddat"
sh "$(dirname "$0")/plot-bench.sh" "$dat" docs/bench-scan.png "$ddat" docs/bench-disruption.png
