#!/bin/sh
# Plots the scan scaling table of scripts/bench.sh (DAT) into a PNG (docs/bench-scan.png):
# first scan time and peak RSS against the number of queue devices, log-log, with the
# linear references. With DISRUPTION_DAT (bench-disruption --dat) also plots the guest
# disruption corpus into DISRUPTION_PNG (docs/bench-disruption.png): APCB updates per policy
# against the number of guests, log-log, beside the theoretical minimum.
# Installs Debian's gnuplot-nox if gnuplot is missing (root only); without it the plot is
# skipped with a message, the benchmark figures stand.
# Usage: plot-bench.sh [DAT [PNG [DISRUPTION_DAT [DISRUPTION_PNG]]]]
set -eu
dat=${1:-build-bench/bench/scan-scaling.dat}
png=${2:-docs/bench-scan.png}
ddat=${3:-}
dpng=${4:-docs/bench-disruption.png}

if ! command -v gnuplot >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "plot-bench: installing gnuplot-nox"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null 2>&1 ||
			{ apt-get update -qq && apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null; } ||
			true
	fi
fi
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "plot-bench: gnuplot not available (apt-get install gnuplot-nox), no plot" >&2
	exit 0
fi

gnuplot <<GP
set terminal pngcairo size 1000,420 font ",10"
set output "$png"
set multiplot layout 1,2 title "AP bus scan, N x N configured queues (median of runs; dashed: linear in queues)"
set logscale xy
set xlabel "queue devices"
set grid
set key top left
set xtics ("256" 256, "1k" 1024, "4k" 4096, "16k" 16384, "64k" 65536)
stats "$dat" using 1:2 nooutput
q_last = STATS_max_x
set ylabel "ms"
set title "time"
plot "$dat" using 1:2 with linespoints lw 2 title "first scan", \
     "$dat" using 1:3 with linespoints title "rescan, no change", \
     "$dat" using 1:4 with linespoints title "rescan, 1 adapter + 1 domain removed", \
     "$dat" using 1:5 with linespoints title "rescan, they come back", \
     "$dat" using 1:(\$1*50.0/65536) with lines dt 2 lc rgb "gray" title "50 ms at 64k, linear"
set title "memory"
set ylabel "KiB"
set y2label "bytes per queue"
set y2tics
set logscale y2
plot "$dat" using 1:6 with linespoints lw 2 title "peak RSS (KiB)", \
     "$dat" using 1:((\$6-\$9)) with linespoints title "peak RSS above the pre-scan RSS (KiB)", \
     "$dat" using 1:(\$1*512/1024.0) with lines dt 2 lc rgb "gray" title "512 B per queue", \
     "$dat" using 1:7 axes x1y2 with linespoints title "peak RSS / queues (B, right)"
unset multiplot
GP
echo "plot: $png"

[ -n "$ddat" ] || exit 0
gnuplot <<GP
set terminal pngcairo size 1000,420 font ",10"
set output "$dpng"
set multiplot layout 1,2 title "guest disruption corpus: 45 configuration changes per guest count, one scan each"
set logscale xy
set xrange [0.7:370]
set xlabel "guests"
set xtics ("1" 1, "16" 16, "256" 256)
set grid
set key top left
set title "APCB updates, summed over the 45 scenarios"
set key bottom right
set yrange [1:10000]
set ylabel "APCB updates"
plot "$ddat" using 1:2 with lines lw 8 lc rgb "#cccccc" title "minimum (one per affected guest)", \
     "$ddat" using 1:3 with linespoints lw 2 pt 7 title "legacy (under the minimum at 256: off target)", \
     "$ddat" using 1:4 with linespoints lw 2 pt 5 title "kernel", \
     "$ddat" using 1:5 with linespoints lw 2 pt 9 title "coalesced"
set title "most APCB updates for one affected guest in one scenario"
set ylabel "APCB updates"
set yrange [0.8:64]
set ytics (1, 2, 4, 8, 16, 32, 64)
set key top right
plot 1 with lines lw 8 lc rgb "#cccccc" title "minimum", \
     "$ddat" using 1:6 with linespoints lw 2 pt 7 title "legacy", \
     "$ddat" using 1:7 with linespoints lw 2 pt 5 title "kernel", \
     "$ddat" using 1:8 with linespoints lw 2 pt 9 title "coalesced"
unset multiplot
GP
echo "plot: $dpng"
