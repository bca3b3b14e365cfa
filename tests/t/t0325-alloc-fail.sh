#!/bin/sh
# SPDX-License-Identifier: MIT
# t0325-alloc-fail.sh - apsimd out of memory (issue 10 §5): the test-only daemon
# apsimd-alloc-fail (t/alloc-fail.c) fails the k-th allocation after its k-th SIGUSR2. For
# k = 1 .. 60, one control socket request (mdev create, then a mask write) runs with that
# failure armed: its answer is a success or an ENOMEM error line ("Cannot allocate memory",
# or "apsimd: out of memory" when the request itself could not be read), the
# daemon keeps serving, and at the end it still answers, its tree reads, and neither
# AddressSanitizer nor LeakSanitizer reported anything.
. "$(dirname "$0")/lib.sh"

need_apsimd
[ -n "$APSIMD_ALLOC_FAIL" ] && [ -x "$APSIMD_ALLOC_FAIL" ] ||
	skip_all "apsimd-alloc-fail not built"
APSIMD=$APSIMD_ALLOC_FAIL

start_apsimd || bail_out "apsimd did not start"

# k-th request: arm, then run one request through the socket; prints ok, enomem or the reply
request() {
	kill -USR2 "$APSIMD_PID" && sleep 0.05 &&
	if out=$(apsim_remote "$@" 2>&1); then
		echo ok
	elif echo "$out" | grep -q "Cannot allocate memory\|apsimd: out of memory"; then
		echo enomem
	else
		echo "other: $out"
	fi
}

n_ok=0 n_enomem=0 bad=
k=1
while [ $k -le 60 ]; do
	case $((k % 2)) in
	0) r=$(request write bus/ap/apmask "$( [ $((k % 4)) = 0 ] && echo -3 || echo +3)") ;;
	*) r=$(request mdev create "$(printf '44444444-4444-4444-8444-%012d' $k)") ;;
	esac
	case $r in
	ok) n_ok=$((n_ok + 1)) ;;
	enomem) n_enomem=$((n_enomem + 1)) ;;
	*) bad="$bad
request $k: $r" ;;
	esac
	kill -0 "$APSIMD_PID" 2>/dev/null || { bad="$bad
request $k: apsimd died"; break; }
	k=$((k + 1))
done
diag "$n_ok requests succeeded, $n_enomem answered ENOMEM"
check_eq "every answer was a success or ENOMEM" "" "$bad"
check "some requests ran out of memory" test "$n_enomem" -gt 0
check "apsimd is still running" kill -0 "$APSIMD_PID"
check "it still answers" apsim_remote mdev list
check "its tree still reads" test -d "$MNT/devices/vfio_ap/matrix"
check "it stops cleanly" stop_apsimd TERM
done_testing
