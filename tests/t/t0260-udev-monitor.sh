#!/bin/sh
# SPDX-License-Identifier: MIT
# t0260-udev-monitor.sh - the host's uevents as udev-processed netlink events in apsimd's
# private network namespace: `udevadm monitor --udev --property` inside `apsim exec` sees
# them, with the subsystem filter (the header's MurmurHash2) working; the host's network
# namespace sees nothing.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_mountns
command -v udevadm >/dev/null 2>&1 || skip_all "udevadm not installed"

start_apsimd || bail_out "apsimd did not start"
M=$MNT
netns=$(sockreq "$SOCK" '{"op":"info"}
' | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["info"].get("netns",""))')
[ -n "$netns" ] || skip_all "apsimd has no netlink event socket (see its log)"

# monitor NAME ARGS...: udevadm monitor in the daemon's network namespace, for 5 s
monitor() {
	_out=$T/$1
	shift
	"$APSIM" --socket "$SOCK" exec -- timeout 5 udevadm monitor --udev "$@" >"$_out" 2>&1 &
	monpids="${monpids:-} $!"
}
monitor all --property
monitor ap --subsystem-match=ap
monitor mdev --subsystem-match=mdev
udevadm monitor --udev >"$T/host" 2>&1 &
hostmon=$!
sleep 1.5

U=77777777-2222-4333-8444-555555555555
check "card03 offline" sh -c "echo 0 > '$M/devices/ap/card03/online'"
check "mdev create" sh -c "printf $U > '$M/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create'"
wait_for() {
	_i=0
	while ! grep -q "$2" "$T/$1" && [ $_i -lt 60 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
wait_for all "$U"
wait_for ap "card03"
wait_for mdev "$U"
sleep 0.5

check "UDEV line for card03" grep -q "^UDEV  \[[0-9.]*\] change   /devices/ap/card03 (ap)$" "$T/all"
check "properties: ONLINE=0 after DEVPATH and SUBSYSTEM" \
	sh -c "grep -A4 'change   /devices/ap/card03 (ap)' '$T/all' | tr '\n' ' ' | \
	       grep -q 'ACTION=change DEVPATH=/devices/ap/card03 SUBSYSTEM=ap ONLINE=0'"
check "properties: SEQNUM and USEC_INITIALIZED" \
	sh -c "grep -A12 'change   /devices/ap/card03 (ap)' '$T/all' | grep -q '^SEQNUM=' && \
	       grep -A12 'change   /devices/ap/card03 (ap)' '$T/all' | grep -q '^USEC_INITIALIZED='"
check "the mdev add event" grep -q "add      /devices/vfio_ap/matrix/$U (mdev)" "$T/all"
check "subsystem filter ap: card03 in" grep -q "/devices/ap/card03 (ap)" "$T/ap"
check "subsystem filter ap: no mdev" sh -c "! grep -q '(mdev)' '$T/ap'"
check "subsystem filter mdev: the mdev in" grep -q "/devices/vfio_ap/matrix/$U (mdev)" "$T/mdev"
check "subsystem filter mdev: no ap" sh -c "! grep -q '(ap)' '$T/mdev'"
kill "$hostmon" 2>/dev/null
wait "$hostmon" 2>/dev/null
check "the host's namespace saw none of it" sh -c "! grep -q 'card03\\|$U' '$T/host'"
check "exec --host-net stays in the host's network namespace" \
	test "$("$APSIM" --socket "$SOCK" exec --host-net -- readlink /proc/self/ns/net)" = "$(readlink /proc/self/ns/net)"
check "exec joins the daemon's one by default" \
	test "$("$APSIM" --socket "$SOCK" exec -- readlink /proc/self/ns/net)" != "$(readlink /proc/self/ns/net)"
for p in $monpids; do
	wait "$p"
done

done_testing
