#!/bin/sh
# SPDX-License-Identifier: MIT
# t0305-libvirt-domain.sh - an s390x guest with a vfio-ap hostdev in Debian 12's libvirt 9.0
# (issue 8): libvirtd with its QEMU driver (start_libvirtd in lib.sh: Debian's libvirt-qemu
# user and group in a private /etc/passwd and /etc/group, private /etc/libvirt, /var and
# /run/libvirt) inside `apsim exec`, the capabilities of Debian's qemu-system-s390x (TCG, no
# KVM) and an mdev of the apsim tree. virsh talks to it from outside, every call bounded by a
# timeout. What libvirt checks and when (docs/clients.md "libvirt"):
#
#   virsh define   the XML and the QEMU capabilities only: one vfio-ap hostdev at most, no boot
#                  order on it, a model; the mdev itself is not looked at
#   virsh start    the mdev in /sys: /dev/vfio/vfio, that it exists, that its type's device_api
#                  is the model; then the start stops at virtlogd, which the test does not run,
#                  so that QEMU is never started on the simulated VFIO nodes
. "$(dirname "$0")/lib.sh"

need_apsimd
need_mountns
need_libvirtd qemu
[ -x /usr/bin/qemu-system-s390x ] ||
	skip_all "qemu-system-s390x not installed (qemu-system-misc, scripts/libvirt.sh)"
command -v nsenter >/dev/null 2>&1 || skip_all "nsenter not installed"

start_apsimd || bail_out "apsimd did not start"
M=$MNT
A() { "$APSIM" --socket "$SOCK" "$@"; }

start_libvirtd qemu
URI="qemu:///system?socket=$LIBVIRT_SOCK"
# V: virsh with its messages (actions), Q: quiet (lists, XML). The first call that needs the
# s390x capabilities runs qemu-system-s390x to probe them (about 2 s alone, more under load).
V() { timeout -k 2 120 virsh -c "$URI" "$@"; }
Q() { timeout -k 2 120 virsh -q -c "$URI" "$@"; }
yesno() { if "$@"; then echo yes; else echo no; fi; }

# guest NAME UUID HOSTDEV...: an s390x TCG guest definition with the given hostdev elements
guest() {
	_gn=$1 _gu=$2
	shift 2
	cat <<EOF
<domain type='qemu'>
  <name>$_gn</name>
  <uuid>$_gu</uuid>
  <memory unit='MiB'>256</memory>
  <os>
    <type arch='s390x' machine='s390-ccw-virtio'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-s390x</emulator>
EOF
	for _h in "$@"; do
		printf '%s\n' "$_h"
	done
	echo "  </devices>"
	echo "</domain>"
}
# hostdev UUID [MODEL [INNER]]: a mediated device hostdev (model vfio-ap unless told; "" for
# none), INNER inside it after the source
hostdev() {
	_m=" model='${2-vfio-ap}'"
	[ -n "${2-vfio-ap}" ] || _m=
	printf "    <hostdev mode='subsystem' type='mdev'%s>\n" "$_m"
	printf "      <source>\n        <address uuid='%s'/>\n      </source>\n" "$1"
	[ -z "${3:-}" ] || printf '      %s\n' "$3"
	printf "    </hostdev>"
}

# --- the mdev: adapter 0x0a, domain 0x0006 --------------------------------------------------
U1=11111111-2222-4333-8444-555555555555
N1=mdev_11111111_2222_4333_8444_555555555555_matrix
U2=22222222-2222-4333-8444-555555555555
GHOST=99999999-2222-4333-8444-555555555555
A write /sys/bus/ap/apmask -0x0a >/dev/null
A write /sys/bus/ap/aqmask -0x06 >/dev/null
A write /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create $U1 >/dev/null
A write /sys/devices/vfio_ap/matrix/$U1/assign_adapter 0x0a >/dev/null
A write /sys/devices/vfio_ap/matrix/$U1/assign_domain 0x0006 >/dev/null
check_eq "the mdev has adapter 0x0a, domain 0x0006" "0a.0006" \
	"$(cat "$M/devices/vfio_ap/matrix/$U1/matrix")"
wait_for "libvirt's node device driver lists it" "$N1" Q nodedev-list --cap mdev

# --- the QEMU capabilities of qemu-system-s390x ------------------------------------------
check_eq "domcapabilities: qemu-system-s390x probed, TCG, s390-ccw-virtio is 7.2's" "$(
	cat <<'EOF'
<domainCapabilities>
  <path>/usr/bin/qemu-system-s390x</path>
  <domain>qemu</domain>
  <machine>s390-ccw-virtio-7.2</machine>
  <arch>s390x</arch>
EOF
)" "$(Q domcapabilities --emulatorbin /usr/bin/qemu-system-s390x --arch s390x \
	--machine s390-ccw-virtio --virttype qemu 2>&1 | sed -n 1,5p)"

# --- define --------------------------------------------------------------------------------
G1=aaaaaaaa-0000-4000-8000-000000000001
guest apguest $G1 "$(hostdev $U1)" >"$T/apguest.xml"
check_run "define an s390x guest with the vfio-ap mdev as hostdev" V define "$T/apguest.xml" <<EOF
Domain 'apguest' defined from $T/apguest.xml

-- stderr
-- rc 0
EOF
check_eq "listed" "apguest" "$(Q list --all --name)"
check_eq "shut off" "shut off" "$(Q domstate apguest)"
check_eq "the definition is in the private /etc/libvirt" "yes" \
	"$(yesno test -f "$LIBVIRT_ETC/qemu/apguest.xml")"
check_eq "and not in the host's" "no" "$(yesno test -e /etc/libvirt/qemu/apguest.xml)"
# libvirt fills in what the guest gets by default for s390-ccw-virtio-7.2 (memballoon on ccw,
# the s390 panic device, pci-root for zPCI) and managed='no' on the hostdev
check_run "dumpxml: the hostdev with the mdev's uuid and model vfio-ap" Q dumpxml apguest <<EOF
<domain type='qemu'>
  <name>apguest</name>
  <uuid>$G1</uuid>
  <memory unit='KiB'>262144</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='s390x' machine='s390-ccw-virtio-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>qemu</model>
  </cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-s390x</emulator>
    <controller type='pci' index='0' model='pci-root'/>
    <audio id='1' type='none'/>
    <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'>
      <source>
        <address uuid='$U1'/>
      </source>
    </hostdev>
    <memballoon model='virtio'>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0000'/>
    </memballoon>
    <panic model='s390'/>
  </devices>
</domain>
-- stderr
-- rc 0
EOF

# --- what define refuses (qemuValidateDomainMdevDefVFIOAP, the XML parser) ----------------
G2=aaaaaaaa-0000-4000-8000-000000000002
guest bad $G2 "$(hostdev $U1)" "$(hostdev $U2)" >"$T/bad.xml"
check_run "define: two vfio-ap hostdevs" V define "$T/bad.xml" <<EOF

-- stderr
error: Failed to define domain from $T/bad.xml
error: unsupported configuration: Only one hostdev of model vfio-ap is supported
-- rc 1
EOF
guest bad $G2 "$(hostdev $U1 vfio-ap "<boot order='1'/>")" >"$T/bad.xml"
check_run "define: a boot order on the vfio-ap hostdev" V define "$T/bad.xml" <<EOF

-- stderr
error: Failed to define domain from $T/bad.xml
error: unsupported configuration: booting from assigned devices is not supported by mediated devices of model vfio-ap
-- rc 1
EOF
guest bad $G2 "$(hostdev $U1 "")" >"$T/bad.xml"
check_run "define: an mdev hostdev without a model" V define "$T/bad.xml" <<EOF

-- stderr
error: Failed to define domain from $T/bad.xml
error: XML error: Missing required attribute 'model' in element 'hostdev'
-- rc 1
EOF
guest bad $G2 "$(hostdev not-a-uuid)" >"$T/bad.xml"
check_run "define: a malformed uuid" V define "$T/bad.xml" <<EOF

-- stderr
error: Failed to define domain from $T/bad.xml
error: internal error: Cannot parse uuid attribute of element <address>
-- rc 1
EOF
check_eq "none of them was defined" "apguest" "$(Q list --all --name)"

# --- define does not look at the mdev ----------------------------------------------------
G3=aaaaaaaa-0000-4000-8000-000000000003
G4=aaaaaaaa-0000-4000-8000-000000000004
guest ghost $G3 "$(hostdev $GHOST)" >"$T/ghost.xml"
check_run "define: an mdev that does not exist is accepted" V define "$T/ghost.xml" <<EOF
Domain 'ghost' defined from $T/ghost.xml

-- stderr
-- rc 0
EOF
guest pciguest $G4 "$(hostdev $U1 vfio-pci)" >"$T/pciguest.xml"
check_run "define: the vfio_ap mdev as model vfio-pci is accepted" V define "$T/pciguest.xml" <<EOF
Domain 'pciguest' defined from $T/pciguest.xml

-- stderr
-- rc 0
EOF

# --- start: libvirt reads the mdev from the tree -----------------------------------------
# qemuHostdevPrepareMediatedDevices wants the VFIO container /dev/vfio/vfio (misc 10:196,
# which the vfio module registers: the tree has it, so apsim exec's /dev has the node) and a
# non-empty /sys/kernel/iommu_groups (the mdev's group)
check_eq "libvirtd's /dev has the VFIO container as devtmpfs would" "c 666 a:c4" \
	"$(nsenter -t "$LIBVIRTD" -m stat -c '%F %a %t:%T' /dev/vfio/vfio | sed 's/character special file/c/')"
check_run "start: an mdev that is not in /sys/bus/mdev/devices" V start ghost <<EOF

-- stderr
error: Failed to start domain 'ghost'
error: device not found: mediated device '$GHOST' not found
-- rc 1
EOF
check_run "start: the mdev type's device_api is vfio-ap, not vfio-pci" V start pciguest <<EOF

-- stderr
error: Failed to start domain 'pciguest'
error: internal error: invalid device API 'vfio-pci' for device /sys/bus/mdev/devices/$U1: device only supports 'vfio-ap'
-- rc 1
EOF
# past every check of the mdev: QEMU's log goes through virtlogd, which is not running in the
# private /run/libvirt, and that is where the start stops, before QEMU (which would open
# /dev/vfio/0, a node with the simulated numbers, on the host's kernel)
check_run "start of the valid guest passes the mdev checks, stops at virtlogd" V start apguest <<'EOF'

-- stderr
error: Failed to start domain 'apguest'
error: Failed to connect socket to '/run/libvirt/virtlogd-sock': No such file or directory
-- rc 1
EOF
check_eq "the guest is still shut off" "shut off" "$(Q domstate apguest)"
check_eq "the mdev is as it was" "0a.0006" "$(cat "$M/devices/vfio_ap/matrix/$U1/matrix")"

# --- undefine ------------------------------------------------------------------------------
for g in ghost pciguest apguest; do
	check_run "undefine $g" V undefine $g <<EOF
Domain '$g' has been undefined

-- stderr
-- rc 0
EOF
done
check_eq "no guest left" "" "$(Q list --all --name)"
check_eq "the definition is gone" "no" "$(yesno test -e "$LIBVIRT_ETC/qemu/apguest.xml")"

check_eq "libvirtd is still running" yes "$(yesno kill -0 "$LIBVIRTD" 2>/dev/null)"
done_testing
