#!/bin/sh
# SPDX-License-Identifier: MIT
# t0230-guest-view.sh - a KVM guest started on an mdev sees its adapters and domains in its
# own tree (`apsim exec --guest NAME -- lszcrypt`, the guest tree mounted by apsimd on
# request), and host-side changes (unassign, LPAR reconfiguration) reach that view.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_mountns
need_s390_tools

start_apsimd || bail_out "apsimd did not start"
M=$MNT
U=44444444-2222-4333-8444-555555555555
mdir=$M/devices/vfio_ap/matrix
create=$M/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
GX() { "$APSIM" --socket "$SOCK" exec --guest web -- "$@"; }
# the guest's cards and queues as lszcrypt (no SYSFS_ROOT: /sys is the guest's tree) lists them
guest_ids() { GX "$S390/bin/lszcrypt" 2>&1 | tail -n +3 | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//'; }

check "adapter 10 to vfio_ap" sh -c "echo -0xa > '$M/bus/ap/apmask'"
check "mdev create (uuid without newline)" sh -c "printf '$U' > '$create'"
check "assign adapter 10" sh -c "echo 10 > '$mdir/$U/assign_adapter'"
check "assign domain 6" sh -c "echo 6 > '$mdir/$U/assign_domain'"
check "assign domain 11" sh -c "echo 0xb > '$mdir/$U/assign_domain'"
check_eq "matrix" "$(printf '0a.0006\n0a.000b')" "$(cat "$mdir/$U/matrix")"

check "guest start web" apsim_remote guest start web "$U"
check_eq "the guest sees card 0a with domains 6 and 11" "0a 0a.0006 0a.000b" "$(guest_ids)"
check_eq "inside the guest the queues are bound to the default driver" "cex4queue" \
	"$(GX sh -c 'basename $(readlink /sys/devices/ap/card0a/0a.0006/driver)')"
check_eq "the guest's adapter mask has bit 10 only" \
	"0x0020000000000000000000000000000000000000000000000000000000000000" \
	"$(GX cat /sys/bus/ap/ap_adapter_mask)"
check "exec --guest of an unknown guest fails" \
	sh -c "! '$APSIM' --socket '$SOCK' exec --guest nosuch -- true 2>/dev/null"
"$APSIM" --socket "$SOCK" exec --guest nosuch -- true >"$T/o" 2>&1
check "exec --guest nosuch: clear message" grep -q "no guest 'nosuch'" "$T/o"

# The operator takes domain 11 away from the mdev: the guest's APCB loses it.
check "unassign domain 11" sh -c "echo 11 > '$mdir/$U/unassign_domain'"
check_eq "the guest sees domain 6 only" "0a 0a.0006" "$(guest_ids)"
check_eq "the same through the guest commands" "0a.0006" \
	"$(apsim_remote guest ls web devices/ap/card0a | grep -E '^0a\.' | tr -d '/@' | tr '\n' ' ' | sed 's/ $//')"

# The operator takes the adapter away: nothing left in the guest; and gives it back.
check "unassign adapter 10" sh -c "echo 10 > '$mdir/$U/unassign_adapter'"
GX "$S390/bin/lszcrypt" >"$T/o" 2>&1
check_eq "no card left in the guest" "lszcrypt: No crypto card devices found." "$(cat "$T/o")"
check "assign adapter 10 again" sh -c "echo 10 > '$mdir/$U/assign_adapter'"
check_eq "the guest sees card 0a with domain 6 again" "0a 0a.0006" "$(guest_ids)"

# The LPAR loses domain 6: the host scan takes 0a.0006 away; with no usable domain left the
# guest's bus finds no queue on card 0a and has no card (ap_scan_adapter).
check "machine lpar remove domain 6" apsim_remote machine lpar remove domain 6
check "scan" apsim_remote scan
GX "$S390/bin/lszcrypt" >"$T/o" 2>&1
check_eq "nothing left in the guest" "lszcrypt: No crypto card devices found." "$(cat "$T/o")"
check "the host lost 0a.0006 too" test ! -e "$M/devices/ap/card0a/0a.0006"
apsim_remote expect invariants >/dev/null 2>&1
check_eq "invariants hold" "0" "$?"

# A stopped guest's mount stays, empty.
check "guest stop web" apsim_remote guest stop web
check_eq "the stopped guest's tree is empty" "" "$(GX ls /sys)"

done_testing
