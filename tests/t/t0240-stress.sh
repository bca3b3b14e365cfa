#!/bin/sh
# SPDX-License-Identifier: MIT
# t0240-stress.sh - 8 clients for 60 s (APSIM_STRESS_SECONDS) against one apsimd: readers
# checking every value's kernel format, FUSE writers, mdev churn with conflicts, machine
# reconfiguration and scans (also from the 5 s config_time timer), a guest started and
# stopped, an events stream (tests/t/stress-clients.py). No deadlock, only kernel errnos, and
# the vfio_ap invariants hold at the end. `make tsan` runs it under ThreadSanitizer.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_root
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"

SECS=${APSIM_STRESS_SECONDS:-60}
start_apsimd || bail_out "apsimd did not start"
M=$MNT
G=66666666-2222-4333-8444-555555555555

# Adapter 11 (0x0b) to vfio_ap, an mdev for the guest client; the timer rescans every 5 s
# (config_time accepts 5..120).
check "apmask -0xb" sh -c "echo -0xb > '$M/bus/ap/apmask'"
check "guest mdev" sh -c "printf $G > '$M/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create'"
check "guest mdev: adapter 11" sh -c "echo 11 > '$M/devices/vfio_ap/matrix/$G/assign_adapter'"
check "guest mdev: domain 6" sh -c "echo 6 > '$M/devices/vfio_ap/matrix/$G/assign_domain'"
check "config_time 5 s" sh -c "echo 5 > '$M/bus/ap/config_time'"
scans0=$(cat "$M/bus/ap/scans")

with_timeout $((SECS + 120)) python3 "$SRCDIR/tests/t/stress-clients.py" "$M" "$SOCK" "$SECS" \
	>"$T/stress.out" 2>&1
rc=$?
cat "$T/stress.out" | sed 's/^\([^#]\)/# \1/'
check_eq "clients finished, no unexpected errno or format, no hang" "0" "$rc"

check "timer rescans happened" test "$(cat "$M/bus/ap/scans")" -gt "$((scans0 + SECS / 2))"
apsim_remote expect invariants >"$T/inv" 2>&1
check_eq "invariants hold at the end" "0" "$?"
diag "$(cat "$T/inv")"
check_eq "the daemon still answers" "CEX8C" "$(apsim_remote read devices/ap/card03/type)"
check "and through FUSE" test "$(cat "$M/devices/ap/card03/type")" = CEX8C
stop_apsimd TERM
check_eq "clean exit after the stress" "0" "$?"

done_testing
