#!/bin/sh
# SPDX-License-Identifier: MIT
# t0215-fuse-cache.sh - the kernel caches the host tree's entries and attributes (long FUSE
# timeouts), and apsimd invalidates them on every change: right after a change, made through
# the mount or the control socket, the very next stat, lookup, readdir and read see the new
# tree (docs/daemon.md "FUSE semantics"). Each path is looked at before the change, so that
# the kernel holds it.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_root
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"

start_apsimd || bail_out "apsimd did not start"
M=$MNT
R() { "$APSIM" --socket "$SOCK" "$@" >>"$T/remote.log" 2>&1; }

# st PATH: one lstat(); "ok TYPE MODE" or the errno name
st() {
	python3 -c '
import errno, os, stat, sys
try:
    s = os.lstat(sys.argv[1])
except OSError as e:
    print(errno.errorcode[e.errno]); sys.exit(0)
t = "d" if stat.S_ISDIR(s.st_mode) else "l" if stat.S_ISLNK(s.st_mode) else "f"
print("ok %s %o" % (t, stat.S_IMODE(s.st_mode)))' "$1"
}
# look PATHS...: stat of each, twice (the second from the kernel's cache), so the cache holds them
look() { for p in "$@"; do st "$p" >/dev/null; st "$p" >/dev/null; done; }

# --- a card removed and added through the control socket ---
look "$M/devices/ap/card0b" "$M/devices/ap/card0b/online" "$M/devices/ap/card0b/0b.0006/online" \
	"$M/bus/ap/devices/card0b" "$M/bus/ap/devices/0b.0006"
check_eq "card0b/online is cached: a file 0644" "ok f 644" "$(st "$M/devices/ap/card0b/online")"
R machine card remove 11
R scan
check_eq "after card remove: card0b is ENOENT" "ENOENT" "$(st "$M/devices/ap/card0b")"
check_eq "after card remove: card0b/online is ENOENT" "ENOENT" "$(st "$M/devices/ap/card0b/online")"
check_eq "after card remove: a queue's online is ENOENT" "ENOENT" \
	"$(st "$M/devices/ap/card0b/0b.0006/online")"
check_eq "after card remove: the bus link is ENOENT" "ENOENT" "$(st "$M/bus/ap/devices/card0b")"
check_eq "after card remove: the queue's bus link is ENOENT" "ENOENT" \
	"$(st "$M/bus/ap/devices/0b.0006")"
check_eq "after card remove: open of card0b/online fails ENOENT" "ENOENT" \
	"$(fsop open "$M/devices/ap/card0b/online" r)"
check "after card remove: readdir of devices/ap has no card0b" \
	sh -c "! ls '$M/devices/ap' | grep -qx card0b"
R machine card add 11 CEX8C
R scan
check_eq "card added back: card0b/online is a file again" "ok f 644" "$(st "$M/devices/ap/card0b/online")"
check_eq "card added back: its type reads CEX8C" "CEX8C" "$(cat "$M/devices/ap/card0b/type")"

# --- an adapter taken out of the LPAR's configuration ---
look "$M/devices/ap/card05/05.0006" "$M/devices/ap/card05/05.0006/online"
R machine lpar remove adapter 5
check_eq "after lpar remove adapter 5: its queue is ENOENT" "ENOENT" \
	"$(st "$M/devices/ap/card05/05.0006/online")"
R machine lpar add adapter 5
check_eq "after lpar add adapter 5: its queue is back" "ok d 755" "$(st "$M/devices/ap/card05/05.0006")"

# --- a queue given to vfio_ap through the mount: the driver links move ---
look "$M/bus/ap/drivers/cex4queue/03.0006" "$M/devices/ap/card03/03.0006/driver"
check_eq "before: the queue is in cex4queue's directory" "ok l 777" \
	"$(st "$M/bus/ap/drivers/cex4queue/03.0006")"
check_eq "write apmask -3" "ok 2" "$(fsop write "$M/bus/ap/apmask" -3)"
check_eq "after apmask -3: gone from cex4queue's directory (ENOENT)" "ENOENT" \
	"$(st "$M/bus/ap/drivers/cex4queue/03.0006")"
check_eq "after apmask -3: in vfio_ap's" "ok l 777" "$(st "$M/bus/ap/drivers/vfio_ap/03.0006")"
check_eq "after apmask -3: the driver link points at vfio_ap" "vfio_ap" \
	"$(basename "$(readlink "$M/devices/ap/card03/03.0006/driver")")"
check_eq "after apmask -3: the path through the driver link has no cex4queue attribute" \
	"ENOENT" "$(st "$M/devices/ap/card03/03.0006/driver/03.0007")"

# --- an mdev created and removed through the mount ---
U=6a1c2f40-9b7e-4b0e-8d3f-2a5c6e7f8091
MD=$M/devices/vfio_ap/matrix
check_eq "before create: the mdev is ENOENT" "ENOENT" "$(st "$MD/$U")"
check_eq "create the mdev" "ok 36" \
	"$(fsop write "$MD/mdev_supported_types/vfio_ap-passthrough/create" "$U")"
check_eq "right after create: the mdev is a directory" "ok d 755" "$(st "$MD/$U")"
check "right after create: readdir lists it" sh -c "ls '$MD' | grep -qx '$U'"
check_eq "assign adapter 3" "ok 1" "$(fsop write "$MD/$U/assign_adapter" 3)"
check_eq "assign domain 6" "ok 1" "$(fsop write "$MD/$U/assign_domain" 6)"
check_eq "its matrix reads 03.0006" "03.0006" "$(cat "$MD/$U/matrix")"
look "$MD/$U/matrix" "$M/bus/mdev/devices/$U"
check_eq "remove the mdev" "ok 1" "$(fsop write "$MD/$U/remove" 1)"
check_eq "right after remove: the mdev is ENOENT" "ENOENT" "$(st "$MD/$U")"
check_eq "right after remove: its matrix is ENOENT" "ENOENT" "$(st "$MD/$U/matrix")"
check_eq "right after remove: its mdev bus link is ENOENT" "ENOENT" "$(st "$M/bus/mdev/devices/$U")"
check_eq "right after remove: read of its matrix fails ENOENT" "ENOENT" \
	"$(fsop read "$MD/$U/matrix")"
check "right after remove: readdir does not list it" sh -c "! ls '$MD' | grep -qx '$U'"

# --- contents are never cached ---
check_eq "card03 online reads 1" "1" "$(cat "$M/devices/ap/card03/online")"
R machine card config 3 off
check_eq "after config 3 off: card03/config reads 0 at once" "0" "$(cat "$M/devices/ap/card03/config")"
R machine card config 3 on
check_eq "after config 3 on: card03/config reads 1 at once" "1" "$(cat "$M/devices/ap/card03/config")"

check "the daemon is still running" kill -0 "$APSIMD_PID"
done_testing
