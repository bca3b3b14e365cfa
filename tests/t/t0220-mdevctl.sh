#!/bin/sh
# SPDX-License-Identifier: MIT
# t0220-mdevctl.sh - Debian's mdevctl 1.2 inside `apsim exec` (a private mount namespace with
# the live tree over /sys, clients.md 1.3, 1.4, 3.7): types, start with attributes from a JSON
# file, list, a conflicting assignment refused with the kernel's error, stop, define, start of
# a defined device, undefine.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_mountns
command -v mdevctl >/dev/null 2>&1 || skip_all "mdevctl not installed"

start_apsimd || bail_out "apsimd did not start"
M=$MNT
X() { "$APSIM" --socket "$SOCK" exec -- "$@"; }

U1=11111111-2222-4333-8444-555555555555
U2=22222222-2222-4333-8444-555555555555
U3=33333333-2222-4333-8444-555555555555
mdir=$M/devices/vfio_ap/matrix

# Adapters 10 and 11 (0x0a, 0x0b) go to vfio_ap (spec 4: apmask bits off).
check "apmask -0xa" sh -c "echo -0xa > '$M/bus/ap/apmask'"
check "apmask -0xb" sh -c "echo -0xb > '$M/bus/ap/apmask'"
check_eq "0a.0006 is bound to vfio_ap" "vfio_ap" \
	"$(basename "$(readlink "$M/devices/ap/card0a/0a.0006/driver")")"

X mdevctl types >"$T/types" 2>&1
check "mdevctl types: the matrix parent and its type" \
	sh -c "grep -qx 'matrix' '$T/types' && grep -q '^  vfio_ap-passthrough' '$T/types' && \
	       grep -q 'Device API: vfio-ap' '$T/types'"
avail0=$(cat "$M/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances")

# kstrtoul(buf, 0): decimal, 0x-hex and octal values, written verbatim without a newline.
cat >"$T/u1.json" <<EOF
{"mdev_type": "vfio_ap-passthrough", "start": "manual",
 "attrs": [{"assign_adapter": "10"}, {"assign_domain": "0x0006"}, {"assign_domain": "11"},
           {"assign_control_domain": "013"}]}
EOF
# (mdevctl 1.2 takes the type from the JSON file: --type with --jsonfile is a usage error)
X mdevctl start --uuid "$U1" --parent matrix --jsonfile "$T/u1.json" >"$T/o" 2>&1
check_eq "mdevctl start U1: rc 0" "0" "$?"
check_eq "U1 has exactly those adapters and domains" "$(printf '0a.0006\n0a.000b')" \
	"$(cat "$mdir/$U1/matrix")"
check_eq "U1 control domains" "000b" "$(cat "$mdir/$U1/control_domains")"
check_eq "U1 in /sys/bus/mdev/devices" "vfio_ap-passthrough" \
	"$(basename "$(readlink -f "$M/bus/mdev/devices/$U1/mdev_type")")"
check_eq "one instance fewer" "$((avail0 - 1))" \
	"$(cat "$M/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances")"
X mdevctl list >"$T/list" 2>&1
check_eq "mdevctl list" "$U1 matrix vfio_ap-passthrough manual" "$(sed '/^$/d' "$T/list")"

# A second mdev claiming 10.6 (spec 6.3: the APQN is in use by U1) is refused; mdevctl then
# removes the half-made device, and U1 is untouched.
cat >"$T/u2.json" <<EOF
{"mdev_type": "vfio_ap-passthrough", "start": "manual",
 "attrs": [{"assign_domain": "6"}, {"assign_adapter": "10"}]}
EOF
X mdevctl start -u "$U2" -p matrix --jsonfile "$T/u2.json" >"$T/o2" 2>&1
check_eq "conflicting start: rc 1" "1" "$?"
check "conflicting start: the kernel's error (EADDRINUSE)" grep -q "Address already in use" "$T/o2"
check "the conflicting mdev is gone" test ! -e "$mdir/$U2"
check_eq "U1 unchanged" "$(printf '0a.0006\n0a.000b')" "$(cat "$mdir/$U1/matrix")"
apsim_remote expect invariants >"$T/inv" 2>&1
check "invariants hold" test "$?" = 0

# stop
X mdevctl stop -u "$U1" >"$T/o" 2>&1
check_eq "mdevctl stop U1: rc 0" "0" "$?"
check "U1 removed" test ! -e "$mdir/$U1"
check_eq "instances back" "$avail0" \
	"$(cat "$M/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances")"

# define (persistent, in the daemon's state dir), list -d, start the defined device, undefine
cat >"$T/u3.json" <<EOF
{"mdev_type": "vfio_ap-passthrough", "start": "manual",
 "attrs": [{"assign_adapter": "11"}, {"assign_domain": "32"}, {"assign_control_domain": "32"}]}
EOF
X mdevctl define -u "$U3" -p matrix --jsonfile "$T/u3.json" >"$T/o" 2>&1
check_eq "mdevctl define U3: rc 0" "0" "$?"
check "definition stored in the state dir" test -f "$STATE/mdevctl.d/matrix/$U3"
X mdevctl list -d >"$T/listd" 2>&1
check_eq "mdevctl list -d" "$U3 matrix vfio_ap-passthrough manual" "$(sed '/^$/d' "$T/listd")"
check "not started by define" test ! -e "$mdir/$U3"
X mdevctl start -u "$U3" >"$T/o" 2>&1
check_eq "start the defined U3: rc 0" "0" "$?"
check_eq "U3's matrix" "0b.0020" "$(cat "$mdir/$U3/matrix")"
X mdevctl list >"$T/list" 2>&1
check "U3 listed active" grep -q "^$U3 matrix vfio_ap-passthrough manual" "$T/list"
X mdevctl stop -u "$U3" >"$T/o" 2>&1
check_eq "stop U3: rc 0" "0" "$?"
X mdevctl undefine -u "$U3" >"$T/o" 2>&1
check_eq "undefine U3: rc 0" "0" "$?"
check "definition removed" test ! -e "$STATE/mdevctl.d/matrix/$U3"

# The host is untouched by the namespaces.
check "host /sys is still the kernel's" test ! -e /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances -o -e /sys/kernel
check "no apsim mount leaked into the host" sh -c "! grep -q ' /sys fuse.apsim' /proc/self/mountinfo"

done_testing
