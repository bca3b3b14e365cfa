#!/bin/sh
# Prints the closing line CI reads: "N passed, N failed, N skipped", from Meson's test log.
build=${1:-build}
log="$build/meson-logs/testlog.txt"
[ -f "$log" ] || { echo "0 passed, 1 failed"; exit 0; }
awk '
/^Ok:/              { ok = $2 }
/^Expected Fail:/   { ok += $3 }
/^Fail:/            { fail = $2 }
/^Unexpected Pass:/ { fail += $3 }
/^Timeout:/         { fail += $2 }
/^Skipped:/         { skip = $2 }
END { printf "%d passed, %d failed, %d skipped\n", ok, fail, skip }' "$log"
