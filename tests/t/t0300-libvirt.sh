#!/bin/sh
# SPDX-License-Identifier: MIT
# t0300-libvirt.sh - Debian 12's libvirt 9.0 node device driver against apsim (issue: real
# clients): libvirtd runs inside `apsim exec`, so its udev backend (libudev/sd-device) enumerates
# the FUSE tree as /sys and follows the daemon's udev events on netlink, and the mdevctl it
# runs for defined mdevs works on the namespace's /sys and /etc/mdevctl.d. virsh talks to it
# from outside over a private socket; every call is bounded by a timeout.
#
# libvirtd loads only its node device driver (start_libvirtd in lib.sh: private /etc/libvirt,
# /var and /run/libvirt); t0305 adds the QEMU driver for a guest with a vfio-ap hostdev.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_mountns
need_libvirtd

start_apsimd || bail_out "apsimd did not start"
M=$MNT
A() { "$APSIM" --socket "$SOCK" "$@"; }

start_libvirtd
URI="nodedev:///system?socket=$LIBVIRT_SOCK"
# V: virsh with its messages (actions), Q: quiet (lists, XML)
V() { timeout -k 2 20 virsh -c "$URI" "$@"; }
Q() { timeout -k 2 20 virsh -q -c "$URI" "$@"; }

nl='
'
queues=
for c in 03 05 0a 0b 10; do
	for d in 0006 000b 0020; do
		queues="$queues${queues:+$nl}ap_${c}_$d"
	done
done

# --- enumeration ---------------------------------------------------------------------------
check_eq "ap_card: the five cards" "ap_card03${nl}ap_card05${nl}ap_card0a${nl}ap_card0b${nl}ap_card10" \
	"$(Q nodedev-list --cap ap_card)"
check_eq "ap_queue: 5 x 3 queues" "$queues" "$(Q nodedev-list --cap ap_queue)"
check_eq "ap_matrix" "ap_matrix" "$(Q nodedev-list --cap ap_matrix)"
check_eq "no mdev yet" "" "$(Q nodedev-list --all --cap mdev)"
check_eq "the matrix has the vfio_ap-passthrough type" "ap_matrix" "$(Q nodedev-list --cap mdev_types)"

check_run "nodedev-dumpxml ap_card0a" Q nodedev-dumpxml ap_card0a <<'EOF'
<device>
  <name>ap_card0a</name>
  <path>/sys/devices/ap/card0a</path>
  <parent>computer</parent>
  <driver>
    <name>cex4card</name>
  </driver>
  <capability type='ap_card'>
    <ap-adapter>0x0a</ap-adapter>
  </capability>
</device>
-- stderr
-- rc 0
EOF
check_run "nodedev-dumpxml ap_0a_0006" Q nodedev-dumpxml ap_0a_0006 <<'EOF'
<device>
  <name>ap_0a_0006</name>
  <path>/sys/devices/ap/card0a/0a.0006</path>
  <parent>ap_card0a</parent>
  <driver>
    <name>cex4queue</name>
  </driver>
  <capability type='ap_queue'>
    <ap-adapter>0x0a</ap-adapter>
    <ap-domain>0x0006</ap-domain>
  </capability>
</device>
-- stderr
-- rc 0
EOF
check_run "nodedev-dumpxml ap_matrix" Q nodedev-dumpxml ap_matrix <<'EOF'
<device>
  <name>ap_matrix</name>
  <path>/sys/devices/vfio_ap/matrix</path>
  <parent>computer</parent>
  <driver>
    <name>vfio_ap</name>
  </driver>
  <capability type='ap_matrix'>
    <capability type='mdev_types'>
      <type id='vfio_ap-passthrough'>
        <name>VFIO AP Passthrough Device</name>
        <deviceAPI>vfio-ap</deviceAPI>
        <availableInstances>65536</availableInstances>
      </type>
    </capability>
  </capability>
</device>
-- stderr
-- rc 0
EOF

# --- events: follow lifecycle events from here on -----------------------------------------
timeout -k 2 60 virsh -q -c "$URI" nodedev-event --event lifecycle --loop >"$T/events" 2>&1 &
EVENTS=$!
sleep 0.5

# --- an mdev made by apsim (a sysfs write) shows with its iommu group ----------------------
U1=11111111-2222-4333-8444-555555555555
N1=mdev_11111111_2222_4333_8444_555555555555_matrix
A write /sys/bus/ap/apmask -0x0a >/dev/null
A write /sys/bus/ap/aqmask -0x06,-0x0b >/dev/null
A write /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create $U1 >/dev/null
A write /sys/devices/vfio_ap/matrix/$U1/assign_adapter 10 >/dev/null
A write /sys/devices/vfio_ap/matrix/$U1/assign_domain 6 >/dev/null
wait_for "the mdev apsim created is listed" "$N1" Q nodedev-list --cap mdev
check_run "nodedev-dumpxml of the mdev: type, uuid, parent, iommu group 0" Q nodedev-dumpxml $N1 <<EOF
<device>
  <name>$N1</name>
  <path>/sys/devices/vfio_ap/matrix/$U1</path>
  <parent>ap_matrix</parent>
  <driver>
    <name>vfio_ap_mdev</name>
  </driver>
  <capability type='mdev'>
    <type id='vfio_ap-passthrough'/>
    <uuid>$U1</uuid>
    <parent_addr>matrix</parent_addr>
    <iommuGroup number='0'/>
  </capability>
</device>
-- stderr
-- rc 0
EOF
check_run "nodedev-destroy of a transient mdev removes it from apsim" V nodedev-destroy $N1 <<EOF
Destroyed node device '$N1'

-- stderr
-- rc 0
EOF
check_eq "the mdev is gone from the tree" "no" "$([ -e "$M/devices/vfio_ap/matrix/$U1" ] && echo yes || echo no)"
wait_for "and from libvirt" "" Q nodedev-list --all --cap mdev

# --- a defined (persistent) mdev: define, start, autostart, destroy, undefine -------------
U2=22222222-2222-4333-8444-555555555555
N2=mdev_22222222_2222_4333_8444_555555555555_matrix
cat >"$T/mdev.xml" <<EOF
<device>
  <parent>ap_matrix</parent>
  <capability type='mdev'>
    <type id='vfio_ap-passthrough'/>
    <uuid>$U2</uuid>
    <attr name='assign_adapter' value='0x0a'/>
    <attr name='assign_domain' value='0x000b'/>
  </capability>
</device>
EOF
check_run "nodedev-define" V nodedev-define "$T/mdev.xml" <<EOF
Node device '$N2' defined from '$T/mdev.xml'

-- stderr
-- rc 0
EOF
check_eq "mdevctl wrote the definition" "yes" "$([ -f "$STATE/mdevctl.d/matrix/$U2" ] && echo yes || echo no)"
check_eq "defined, not active" "$N2" "$(Q nodedev-list --inactive --cap mdev)"
check_eq "nothing in the tree yet" "no" "$([ -e "$M/devices/vfio_ap/matrix/$U2" ] && echo yes || echo no)"
check_run "nodedev-start" V nodedev-start $N2 <<EOF
Device $N2 started

-- stderr
-- rc 0
EOF
check_eq "the started mdev has the defined matrix" "0a.000b" "$(cat "$M/devices/vfio_ap/matrix/$U2/matrix")"
wait_for "active" "$N2" Q nodedev-list --cap mdev
check_run "nodedev-autostart" V nodedev-autostart $N2 <<EOF
Device $N2 marked as autostarted

-- stderr
-- rc 0
EOF
check_run "nodedev-info: persistent, active, autostart" V nodedev-info $N2 <<EOF
Name:           $N2
Parent:         ap_matrix
Active:         yes
Persistent:     yes
Autostart:      yes

-- stderr
-- rc 0
EOF
check_run "nodedev-destroy stops it" V nodedev-destroy $N2 <<EOF
Destroyed node device '$N2'

-- stderr
-- rc 0
EOF
check_eq "gone from the tree" "no" "$([ -e "$M/devices/vfio_ap/matrix/$U2" ] && echo yes || echo no)"
wait_for "still defined, inactive" "$N2" Q nodedev-list --inactive --cap mdev
check_run "nodedev-undefine" V nodedev-undefine $N2 <<EOF
Undefined node device '$N2'

-- stderr
-- rc 0
EOF
wait_for "nothing left" "" Q nodedev-list --all --cap mdev
check_eq "mdevctl removed the definition" "no" "$([ -f "$STATE/mdevctl.d/matrix/$U2" ] && echo yes || echo no)"

# --- errors --------------------------------------------------------------------------------
check_run "nodedev-destroy of a card: not an mdev" V nodedev-destroy ap_card03 <<'EOF'

-- stderr
error: Failed to destroy node device 'ap_card03'
error: unsupported configuration: Unsupported device type
-- rc 1
EOF

# --- an adapter leaves and joins the configuration ----------------------------------------
A machine lpar remove adapter 0x0b >/dev/null
A scan >/dev/null
wait_for "adapter 0x0b left: its card and queues are gone" \
	"ap_card03${nl}ap_card05${nl}ap_card0a${nl}ap_card10" Q nodedev-list --cap ap_card
check_eq "and its queues" "" "$(Q nodedev-list --cap ap_queue | grep '^ap_0b_')"
A machine lpar add adapter 0x0b >/dev/null
A scan >/dev/null
wait_for "adapter 0x0b is back" "$queues" Q nodedev-list --cap ap_queue

sleep 0.5
kill $EVENTS 2>/dev/null
wait $EVENTS 2>/dev/null
# virsh prints one line per event: "event 'lifecycle' for node device NAME: Created|Deleted"
# virsh prints one line per event, in the order libvirt's udev thread handled them: the mdevs
# (libvirt 9.0 reports a defined mdev's start and stop as Created and Deleted), then adapter
# 0x0b's queues before its card on the way out (the bus removes children first) and after it on
# the way back; nothing for the adapters that stayed.
e() { echo "event 'lifecycle' for node device $1: $2"; }
check_eq "the lifecycle events, in order" "$(
	e $N1 Created; e $N1 Deleted
	e $N2 Defined; e $N2 Created; e $N2 Deleted; e $N2 Undefined
	for d in 0006 000b 0020; do e ap_0b_$d Deleted; done
	e ap_card0b Deleted; e ap_card0b Created
	for d in 0006 000b 0020; do e ap_0b_$d Created; done)" "$(cat "$T/events")"

check_eq "libvirtd is still running" yes "$(kill -0 "$LIBVIRTD" 2>/dev/null && echo yes || echo no)"
done_testing
