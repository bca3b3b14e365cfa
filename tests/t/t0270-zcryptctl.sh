#!/bin/sh
# SPDX-License-Identifier: MIT
# t0270-zcryptctl.sh - Debian's zcryptctl 2.16 against the live tree served by apsimd: zcrypt
# multiple device nodes (spec 4.4, clients.md 3.5 and 5). list/listconfig/create/config go
# through SYSFS_ROOT; the commands that need /dev/<node> as a character device (destroy,
# addap, delap, adddom, deldom, addioctl, delioctl) run in `apsim exec` (the tree is /sys)
# with a private tmpfs /dev holding the nodes, made with the major:minor of their 'dev' file
# (clients.md 1.4). The uevents of node create/destroy are checked through the socket.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_mountns
need_s390_tools
case $S390_VERSION in
2.16.*) ;;
*) skip_all "expected output recorded for s390-tools 2.16, have $S390_VERSION" ;;
esac

start_apsimd || bail_out "apsimd did not start"
SYSFS_ROOT=$MNT
export SYSFS_ROOT
C=$MNT/class/zcrypt
TAB=$(printf '\t')

# devns.sh CMD...: in the namespace of `apsim exec`, a tmpfs /dev with null, zero, urandom,
# tty and a character device for every zcrypt node, then CMD (without SYSFS_ROOT).
cat >"$T/devns.sh" <<'EOF'
set -e
d=$T/dev
mkdir -p "$d"
mount -t tmpfs -o mode=755 tmpfs "$d"
for n in null zero urandom tty; do
	cp -a "/dev/$n" "$d/"
done
for f in /sys/class/zcrypt/*/dev; do
	[ -e "$f" ] || continue
	IFS=: read -r maj min <"$f"
	mknod "$d/$(basename "$(dirname "$f")")" c "$maj" "$min"
done
mount --bind "$d" /dev
unset SYSFS_ROOT
exec "$@"
EOF
# zx ARGS...: zcryptctl with the private /dev; stdout and stderr together
zx() { "$APSIM" --socket "$SOCK" exec -- sh "$T/devns.sh" "$S390/bin/zcryptctl" "$@" 2>&1; }

# --- list, create -------------------------------------------------------------------------

check "class/zcrypt is a directory" test -d "$C"
check_eq "list without nodes" "No additional zcrypt device nodes defined" "$(zcryptctl list 2>&1)"
check_eq "listconfig without nodes" "No additional zcrypt device nodes defined" \
	"$(zcryptctl listconfig 2>&1)"

check_eq "create: automatic name" "Device node created" "$(zcryptctl create 2>&1)"
check "zcrypt_0 appeared" test -d "$C/zcrypt_0"
check_eq "zcrypt_0 is minor 0" "243:0" "$(cat "$C/zcrypt_0/dev")"
check_eq "create myzc" "Device node created" "$(zcryptctl create myzc 2>&1)"
check_eq "myzc is minor 1" "243:1" "$(cat "$C/myzc/dev")"
zcryptctl create myzc >"$T/o" 2>&1
check_eq "create myzc twice: rc 1" "1" "$?"
check_eq "create myzc twice: message (EEXIST)" \
	"zcryptctl: Could not write into sysfs entry to create zdev node" "$(cat "$T/o")"
check_eq "the device directory" "/devices/virtual/zcrypt/myzc" \
	"$(cd "$C/myzc" && pwd -P | sed "s|^$MNT||")"

cat >"$T/list0" <<EOF
zcrypt node name:${TAB}zcrypt_0
  device node:${TAB}/dev/zcrypt_0
  major:minor:${TAB}243:0
  adapter:
  domains:
  ioctls:
zcrypt node name:${TAB}myzc
  device node:${TAB}/dev/myzc
  major:minor:${TAB}243:1
  adapter:
  domains:
  ioctls:
EOF
check_output "list: two empty nodes (tabs)" "$T/list0" zcryptctl list
cat >"$T/lc0" <<EOF
node = zcrypt_0
 aps =
 doms =
 ioctls =
node = myzc
 aps =
 doms =
 ioctls =
EOF
check_output "listconfig: two empty nodes" "$T/lc0" zcryptctl listconfig
check_output "list inside apsim exec (no SYSFS_ROOT)" "$T/list0" zx list

apsim_remote expect event add /devices/virtual/zcrypt/zcrypt_0 ACTION=add SUBSYSTEM=zcrypt \
	MAJOR=243 MINOR=0 DEVNAME=zcrypt_0 >"$T/o" 2>&1
check "uevent: add zcrypt_0 with MAJOR/MINOR/DEVNAME" test "$?" = 0
apsim_remote expect event add /devices/virtual/zcrypt/myzc MAJOR=243 MINOR=1 DEVNAME=myzc \
	>"$T/o" 2>&1
check "uevent: add myzc" test "$?" = 0

# --- the commands that need /dev/<node> ----------------------------------------------------

zcryptctl addap zcrypt_0 5 >"$T/o" 2>&1
check_eq "addap without /dev/zcrypt_0: rc 1" "1" "$?"
check_eq "addap without /dev/zcrypt_0: message" \
	"zcryptctl: Invalid or unknown nodename 'zcrypt_0'" "$(cat "$T/o")"

check_eq "addap zcrypt_0 5" "Adapter 5 added" "$(zx addap zcrypt_0 5)"
check_eq "addap zcrypt_0 3" "Adapter 3 added" "$(zx addap zcrypt_0 3)"
check_eq "adddom zcrypt_0 11" "Domain 11 added" "$(zx adddom zcrypt_0 11)"
check_eq "adddom zcrypt_0 0x20" "Domain 32 added" "$(zx adddom zcrypt_0 0x20)"
check_eq "addioctl zcrypt_0 ZSECSENDCPRB" "Ioctl ZSECSENDCPRB added" \
	"$(zx addioctl zcrypt_0 ZSECSENDCPRB)"
check_eq "addioctl zcrypt_0 icarsamodexpo" "Ioctl icarsamodexpo added" \
	"$(zx addioctl zcrypt_0 icarsamodexpo)"
check_eq "delap zcrypt_0 3" "Adapter 3 removed" "$(zx delap zcrypt_0 3)"
check_eq "deldom zcrypt_0 0x20" "Domain 32 removed" "$(zx deldom zcrypt_0 0x20)"
check_eq "apmask: bit 5 only" "0x0400000000000000000000000000000000000000000000000000000000000000" \
	"$(cat "$C/zcrypt_0/apmask")"
check_eq "aqmask: bit 11 only" "0x0010000000000000000000000000000000000000000000000000000000000000" \
	"$(cat "$C/zcrypt_0/aqmask")"
check_eq "ioctlmask: 0x05 and 0x81" "0x0400000000000000000000000000000040000000000000000000000000000000" \
	"$(cat "$C/zcrypt_0/ioctlmask")"
# 2.16 has no addctrl/delctrl; the control domains are only the admask file
check_eq "2.16: addctrl is unknown" "zcryptctl: Missing or invalid command argument" \
	"$(zx addctrl zcrypt_0 15)"
check "admask +15 by hand" sh -c "echo +15 > '$C/zcrypt_0/admask'"
check_eq "admask: bit 15" "0x0001000000000000000000000000000000000000000000000000000000000000" \
	"$(cat "$C/zcrypt_0/admask")"
check_eq "addap 256 is out of range" "zcryptctl: Adapter argument '256' out of range [0..255]" \
	"$(zx addap zcrypt_0 256)"
check_eq "addap to an unknown node" "zcryptctl: Invalid or unknown nodename 'nosuch'" \
	"$(zx addap nosuch 1)"

cat >"$T/list1" <<EOF
zcrypt node name:${TAB}zcrypt_0
  device node:${TAB}/dev/zcrypt_0
  major:minor:${TAB}243:0
  adapter:${TAB}5
  domains:${TAB}11
  ioctls:${TAB}ICARSAMODEXPO,ZSECSENDCPRB
zcrypt node name:${TAB}myzc
  device node:${TAB}/dev/myzc
  major:minor:${TAB}243:1
  adapter:
  domains:
  ioctls:
EOF
check_output "list after the edits" "$T/list1" zcryptctl list

# ALL: 256 relative writes each
check_eq "addioctl myzc ALL" "All Ioctls added" "$(zx addioctl myzc ALL)"
check_eq "delioctl myzc ICARSACRT" "Ioctl ICARSACRT removed" "$(zx delioctl myzc ICARSACRT)"
check_eq "ioctlmask: all but bit 6" "0xfdffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" \
	"$(cat "$C/myzc/ioctlmask")"
check_eq "adddom myzc ALL" "All domains added" "$(zx adddom myzc ALL)"
check_eq "deldom myzc ALL" "All domains removed" "$(zx deldom myzc ALL)"
check_eq "myzc aqmask empty again" "0x0000000000000000000000000000000000000000000000000000000000000000" \
	"$(cat "$C/myzc/aqmask")"
check_eq "listconfig names the known ioctls" \
	" ioctls = 0,1,2,3,ZSENDEP11CPRB,ICARSAMODEXPO,7" \
	"$(zcryptctl listconfig | grep ' ioctls = 0' | cut -d, -f1-7)"
check "the AP bus masks are untouched" \
	test "$(cat "$MNT/bus/ap/apmask")" = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

# --- config FILE: the node directory must appear at once for the '+N' writes --------------

cat >"$T/zc.conf" <<EOF
# two more nodes
node = zc1
aps = 3, 5 0x0a
doms = 6 11
ioctls = ZSECSENDCPRB ICARSAMODEXPO 0x5f

node=zc2
doms=ALL
EOF
cat >"$T/config.out" <<EOF
Device node created
Adapter 3 added
Adapter 5 added
Adapter 10 added
Domain 6 added
Domain 11 added
Ioctl ZSECSENDCPRB added
Ioctl ICARSAMODEXPO added
Ioctl 0x5f added
Device node created
All domains added
EOF
check_output "config FILE" "$T/config.out" zcryptctl config "$T/zc.conf"
check_eq "zc1 is minor 2" "243:2" "$(cat "$C/zc1/dev")"
cat >"$T/lc-zc1" <<EOF
node = zc1
 aps = 3,5,10
 doms = 6,11
 ioctls = ICARSAMODEXPO,ZCRYPT_DEVICE_STATUS,ZSECSENDCPRB
EOF
lc_node() { zcryptctl listconfig | grep -A3 "^node = $1\$"; }
check_output "listconfig shows zc1 as configured" "$T/lc-zc1" lc_node zc1
zcryptctl config "$T/zc.conf" >"$T/o" 2>&1
check_eq "config FILE again: rc 1 (zc1 exists)" "1" "$?"
check_eq "config FILE again: stops at create" \
	"zcryptctl: Could not write into sysfs entry to create zdev node" "$(cat "$T/o")"

# listconfig output is a config file: a fresh daemon takes it back unchanged
zcryptctl listconfig >"$T/all.conf"

# --- destroy --------------------------------------------------------------------------------

zcryptctl destroy zcrypt_0 >"$T/o" 2>&1
check_eq "destroy without /dev/zcrypt_0: message" \
	"zcryptctl: Invalid or unknown nodename 'zcrypt_0'" "$(cat "$T/o")"
check_eq "destroy zcrypt_0" "Device node 'zcrypt_0' marked for destruction" \
	"$(zx destroy zcrypt_0)"
check "zcrypt_0 is gone from class/zcrypt" test ! -e "$C/zcrypt_0"
check "and from devices/virtual/zcrypt" test ! -e "$MNT/devices/virtual/zcrypt/zcrypt_0"
apsim_remote expect event remove /devices/virtual/zcrypt/zcrypt_0 ACTION=remove \
	SUBSYSTEM=zcrypt MAJOR=243 MINOR=0 DEVNAME=zcrypt_0 >"$T/o" 2>&1
check "uevent: remove zcrypt_0" test "$?" = 0
check_eq "create reuses minor 0" "Device node created" "$(zcryptctl create 2>&1)"
check_eq "the new zcrypt_0 starts empty" \
	"0x0000000000000000000000000000000000000000000000000000000000000000" \
	"$(cat "$C/zcrypt_0/apmask")"
for n in zcrypt_0 myzc zc1 zc2; do
	check_eq "destroy $n" "Device node '$n' marked for destruction" "$(zx destroy "$n")"
done
check_eq "list: none left" "No additional zcrypt device nodes defined" "$(zcryptctl list 2>&1)"
check "the glue directory went with the last node" test ! -e "$MNT/devices/virtual/zcrypt"

# the saved listconfig recreates the same nodes and masks
zcryptctl config "$T/all.conf" >"$T/o" 2>&1
check_eq "config from listconfig output: rc 0" "0" "$?"
zcryptctl listconfig >"$T/all2.conf"
check "listconfig again: the same configuration" cmp "$T/all.conf" "$T/all2.conf"

done_testing
