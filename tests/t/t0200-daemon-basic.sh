#!/bin/sh
# SPDX-License-Identifier: MIT
# t0200-daemon-basic.sh - apsimd: the tree over FUSE with sysfs semantics (modes, root-only
# writes, exact errnos, d_type, no caching), the control socket, mountpoint checks, SIGTERM.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_root
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv not installed"

start_apsimd || bail_out "apsimd did not start"
M=$MNT

# --- the tree ---
check_eq "root lists bus class devices kernel module" "bus class devices kernel module" "$(ls "$M" | tr '\n' ' ' | sed 's/ $//')"
check "bus/ap is a directory" test -d "$M/bus/ap"
check "adapter mask is 0x + 64 hex digits" \
	sh -c "grep -Eqx '0x[0-9a-f]{64}' '$M/bus/ap/ap_adapter_mask'"
check_eq "card online reads 1" "1" "$(cat "$M/devices/ap/card03/online")"
check_eq "readlink of a bus device link" "../../../devices/ap/card03" \
	"$(readlink "$M/bus/ap/devices/card03")"
check_eq "driver link basename" "cex4card" "$(basename "$(readlink "$M/devices/ap/card03/driver")")"
check "reading through the bus link" test "$(cat "$M/bus/ap/devices/card03/type")" = CEX8C

# --- modes, sizes ---
check_eq "RW attribute 0644, size 4096" "644 4096 regular file" \
	"$(stat -c '%a %s %F' "$M/bus/ap/apmask")"
check_eq "RO attribute 0444" "444" "$(stat -c '%a' "$M/devices/ap/card03/type")"
check_eq "WO attribute 0200" "200" "$(stat -c '%a' "$M/bus/ap/drivers_probe")"
check_eq "directory 0755" "755 directory" "$(stat -c '%a %F' "$M/devices/ap/card03")"
check_eq "link 0777" "777 symbolic link" "$(stat -c '%a %F' "$M/bus/ap/devices/card03")"
check_eq "owned by root" "0 0" "$(stat -c '%u %g' "$M/bus/ap/apmask")"

# --- readdir d_type ---
fsop dtypes "$M/bus/ap" >"$T/dt"
check "d_type: devices is a dir" grep -qx "devices d" "$T/dt"
check "d_type: apmask is a file" grep -qx "apmask f" "$T/dt"
fsop dtypes "$M/bus/ap/devices" >"$T/dt2"
check "d_type: bus/ap/devices/card03 is a link" grep -qx "card03 l" "$T/dt2"
check "no '?' d_type anywhere in bus/ap" sh -c "! grep -q ' ?$' '$T/dt' '$T/dt2'"

# --- reads ---
check_eq "read at offset 0" "ok b'1\\n'" "$(fsop read "$M/devices/ap/card03/online")"
check_eq "read at offset 2 of a mask is the rest of a fresh show" "ok b'$(cut -c3- "$M/bus/ap/apmask")\\n'" \
	"$(fsop read "$M/bus/ap/apmask" 2)"
check_eq "read past the end is empty" "ok b''" "$(fsop read "$M/devices/ap/card03/online" 100)"
check_eq "root cannot read a write-only attribute" "EACCES" "$(fsop open "$M/bus/ap/drivers_probe" r)"
check_eq "root cannot open a read-only attribute for writing" "EACCES" \
	"$(fsop open "$M/devices/ap/card03/type" w)"

# --- writes ---
check_eq "write 0 to card online" "ok 1" "$(fsop write "$M/devices/ap/card03/online" 0)"
check_eq "the next read shows it (no cache)" "0" "$(cat "$M/devices/ap/card03/online")"
check_eq "queues follow the card" "0" "$(cat "$M/devices/ap/card03/03.0006/online")"
check_eq "write junk: EINVAL exactly" "EINVAL" "$(fsop write "$M/devices/ap/card03/online" junk)"
check_eq "write 4097 bytes: EINVAL" "EINVAL" "$(fsop writen "$M/bus/ap/apmask" 4097)"
check_eq "bad apmask: EINVAL" "EINVAL" "$(fsop write "$M/bus/ap/apmask" +4-2)"
check "shell echo with O_TRUNC" sh -c "echo 1 > '$M/devices/ap/card03/online'"
check_eq "back online" "1" "$(cat "$M/devices/ap/card03/online")"
check "truncate is accepted and ignored" truncate -s 0 "$M/bus/ap/apmask"
check "apmask unchanged by truncate" \
	sh -c "grep -Eqx '0x[0-9a-f]{64}' '$M/bus/ap/apmask'"
check_eq "write to a missing attribute: the shell cannot create it" "EACCES" \
	"$(fsop create "$M/devices/ap/card03/nosuch")"

# --- what sysfs refuses ---
check_eq "mkdir: EPERM" "EPERM" "$(fsop mkdir "$M/devices/ap/foo")"
check_eq "rmdir: EPERM" "EPERM" "$(fsop rmdir "$M/devices/ap/card03")"
check_eq "unlink: EPERM" "EPERM" "$(fsop unlink "$M/bus/ap/apmask")"
check_eq "symlink: EPERM" "EPERM" "$(fsop symlink "$M/bus/ap/x")"

# --- non-root ---
check_eq "nobody reads" "1" "$(as_nobody cat "$M/devices/ap/card03/online")"
as_nobody sh -c "exec 3>'$M/devices/ap/card03/online'" 2>"$T/e"
check_eq "nobody cannot open for writing: rc" "2" "$?"
check "nobody cannot open for writing: EACCES (Permission denied)" grep -q "Permission denied" "$T/e"
check_eq "nobody cannot truncate" "1" \
	"$(as_nobody sh -c "truncate -s 0 '$M/bus/ap/apmask' 2>/dev/null; echo \$?")"
check_eq "card still online" "1" "$(cat "$M/devices/ap/card03/online")"

# --- the control socket ---
check_eq "socket mode 0600" "600 socket" "$(stat -c '%a %F' "$SOCK")"
check "apsim --socket machine show" sh -c "'$APSIM' --socket '$SOCK' machine show | grep -q CEX8C"
# the daemon's view, not a fresh simulator's: card03 offline in the daemon only
echo 0 >"$M/devices/ap/card03/online"
check_eq "APSIM_SOCKET stands for --socket" "0" \
	"$(APSIM_SOCKET="$SOCK" "$APSIM" read devices/ap/card03/online)"
check_eq "an empty APSIM_SOCKET does not: a fresh simulator" "1" \
	"$(APSIM_SOCKET= "$APSIM" read devices/ap/card03/online)"
echo 1 >"$M/devices/ap/card03/online"
check_eq "--socket wins over APSIM_SOCKET" "apsim: cannot connect to apsimd at '$T/nosuch.sock': No such file or directory" \
	"$(APSIM_SOCKET="$SOCK" "$APSIM" --socket "$T/nosuch.sock" read devices/ap/card03/online 2>&1)"
check_eq "remote read" "CEX8C" "$(apsim_remote read devices/ap/card03/type)"
apsim_remote read devices/ap/card03/nosuch >"$T/o" 2>"$T/e"
rc=$?
check_eq "remote failure: rc 1" "1" "$rc"
check_eq "remote failure: the local CLI's message" \
	"apsim: read devices/ap/card03/nosuch: No such file or directory" "$(cat "$T/e")"
apsim_remote nosuchcommand >/dev/null 2>&1
check_eq "remote usage error: rc 2" "2" "$?"
check_eq "remote write is seen in the tree" "0" \
	"$(apsim_remote write devices/ap/card05/online 0 && cat "$M/devices/ap/card05/online")"
echo 1 >"$M/devices/ap/card05/online"
as_nobody "$APSIM" --socket "$SOCK" machine show >"$T/o" 2>"$T/e"
check_eq "nobody cannot use the socket: rc 1" "1" "$?"
check "nobody cannot use the socket: permission denied" grep -q "Permission denied" "$T/e"
check_eq "malformed request: error reply, EINVAL" '{"rc":-22}' "$(sockreq "$SOCK" 'not json
' | tail -n 1)"
check_eq "oversized request: E2BIG" '{"rc":-7}' "$(sockreq "$SOCK" --size 100000 | tail -n 1)"
check_eq "argv not strings: EINVAL" '{"rc":-22}' "$(sockreq "$SOCK" '{"argv":[1,2]}
' | tail -n 1)"
check_eq "empty connection does no harm" "" "$(sockreq "$SOCK" '')"
check_eq "daemon still answers" "CEX8C" "$(apsim_remote read devices/ap/card03/type)"

# --- mountpoints ---
mkdir -p "$T/other"
"$APSIMD" --mount "$M" --socket "$T/other/s.sock" --foreground >"$T/busy.out" 2>&1
rc=$?
check_eq "busy mountpoint: exit 1" "1" "$rc"
check "busy mountpoint: clear message" grep -q "is busy" "$T/busy.out"
"$APSIMD" --mount "$T/nosuchdir" --socket "$T/other/s.sock" --foreground >"$T/missing.out" 2>&1
check_eq "missing mountpoint: exit 1" "1" "$?"
check "missing mountpoint: clear message" grep -q "No such file or directory" "$T/missing.out"
mkdir -p "$T/full" && touch "$T/full/x"
"$APSIMD" --mount "$T/full" --socket "$T/other/s.sock" --foreground >"$T/full.out" 2>&1
check_eq "non-empty mountpoint: exit 1" "1" "$?"
check "non-empty mountpoint: clear message" grep -q "not empty" "$T/full.out"
"$APSIMD" --mount "$T/other" --socket "$SOCK" --foreground >"$T/sock.out" 2>&1
check_eq "socket of a running daemon: exit 1" "1" "$?"
check "socket in use: clear message" grep -q "in use" "$T/sock.out"

# --- SIGTERM ---
stop_apsimd TERM
check_eq "SIGTERM: exit 0" "0" "$?"
check "SIGTERM: unmounted" sh -c "! mountpoint -q '$M'"
check "SIGTERM: socket removed" test ! -e "$SOCK"

# --- unmounted from outside ---
start_apsimd || bail_out "apsimd did not start again"
fusermount3 -u "$M"
_i=0
while kill -0 "$APSIMD_PID" 2>/dev/null && [ $_i -lt 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
stop_apsimd KILL
check_eq "unmounted from outside: the daemon exits 0" "0" "$?"

# --- background mode ---
mkdir -p "$T/bg"
"$APSIMD" --mount "$T/bg" --socket "$T/bg.sock" >"$T/bg.out" 2>&1
check_eq "detaches with exit 0 once mounted" "0" "$?"
check "mounted when the parent returns" mountpoint -q "$T/bg"
_mounts="$_mounts $T/bg"
bgpid=$(sockreq "$T/bg.sock" '{"op":"info"}
' | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["info"]["pid"])')
kill -TERM "$bgpid" 2>/dev/null
_i=0
while kill -0 "$bgpid" 2>/dev/null && [ $_i -lt 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
check "background daemon ends on SIGTERM" sh -c "! kill -0 $bgpid 2>/dev/null && ! mountpoint -q '$T/bg'"

done_testing
