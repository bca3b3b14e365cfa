#!/bin/sh
# SPDX-License-Identifier: MIT
# t0320-persist-faults.sh - disk faults under the state file (docs/daemon.md "Persistence"):
# write() and fsync() of the state file fail with ENOSPC or EIO (the LD_PRELOAD shim
# tests/t/fault-io.c). The change is refused (the FUSE write's errno, the command's exact
# message), the daemon stays alive, nothing acknowledged is lost, and a restart on the same
# state dir loads the state of the last save that succeeded.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_root
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
FAULT_IO=${APSIM_FAULT_IO:-$BUILD_DIR/tests/fault-io.so}
[ -f "$FAULT_IO" ] || skip_all "the fault shim is not built ($FAULT_IO)"

# A daemon built with a sanitizer needs its runtime first in LD_PRELOAD.
REAL_APSIMD=$APSIMD
FAULT_PRELOAD="$(ldd "$APSIMD" | awk '/lib[at]san\.so/ { print $3; exit }') $FAULT_IO"
cat >"$T/apsimd-faulty" <<EOF
#!/bin/sh
exec env LD_PRELOAD="$FAULT_PRELOAD" "$REAL_APSIMD" "\$@"
EOF
chmod +x "$T/apsimd-faulty"

# start_faulty PATTERN CALLS ERRNO AFTER [COUNT]: apsimd on $STATE under the shim (see
# fault-io.c); its failures are logged to $T/faults.log.
start_faulty() {
	APSIM_FAULT_PATH=$1 APSIM_FAULT_CALLS=$2 APSIM_FAULT_ERRNO=$3 APSIM_FAULT_AFTER=$4
	APSIM_FAULT_COUNT=${5:-} APSIM_FAULT_LOG=$T/faults.log
	export APSIM_FAULT_PATH APSIM_FAULT_CALLS APSIM_FAULT_ERRNO APSIM_FAULT_AFTER \
		APSIM_FAULT_COUNT APSIM_FAULT_LOG
	: >"$T/faults.log"
	APSIMD=$T/apsimd-faulty
	start_apsimd --no-netlink
	_r=$?
	APSIMD=$REAL_APSIMD
	return $_r
}

# new_state NAME: the following daemons use a fresh state dir $T/NAME
new_state() {
	STATE=$T/$1
	SOCK=$STATE/control.sock
}

# restart: stops the daemon, starts it again without faults on the same state dir
restart() {
	stop_apsimd TERM || diag "apsimd exited $?"
	start_apsimd --no-netlink
}

# faults: the shim's log, temporary file names as .state.json.X
faults() { sed 's/\.state\.json\.[A-Za-z0-9]\{6\}/.state.json.X/' "$T/faults.log"; }

# temps: how many temporary files a failed save left in the state dir
temps() { find "$STATE" -maxdepth 1 -name '.state.json.*' | wc -l; }

online() { cat "$MNT/devices/ap/$1/online"; }

# --- ENOSPC on write(): the third call (the start-up save made a write and an fsync) ---
new_state enospc
start_faulty "$STATE/.state.json.*" write,fsync ENOSPC 2 || bail_out "apsimd did not start"
check_eq "a FUSE write whose save fails: ENOSPC" "ENOSPC" \
	"$(fsop write "$MNT/devices/ap/card05/online" 0)"
check_eq "the shim failed the write() of the temporary file" \
	"write $STATE/.state.json.X ENOSPC" "$(faults)"
check_eq "no temporary file is left" "0" "$(temps)"
check_run "a command whose save fails: exact message, exit 1" "$APSIM" --socket "$SOCK" \
	write devices/ap/card03/online 0 <<EOF
-- stderr
apsim: 'write devices/ap/card03/online 0' was applied but the state could not be saved: No space left on device
-- rc 1
EOF
for i in 1 2 3 4 5 6 7 8 9 10; do
	fsop write "$MNT/bus/ap/config_time" $((40 + i))
done >"$T/storm"
check_eq "ten more writes: each refused with ENOSPC" "10" "$(grep -cx ENOSPC "$T/storm")"
check "the daemon is alive" kill -0 "$APSIMD_PID"
check_eq "reads work" "CEX8C" "$(apsim_remote read devices/ap/card03/type)"
check_eq "the model kept the refused change (it cannot be taken back)" "0 0" \
	"$(online card05) $(online card03)"
check_eq "the failure is logged once" \
	"apsimd: cannot save the state to '$STATE/state.json': No space left on device" \
	"$(grep 'state' "$T/apsimd.log")"
restart || bail_out "apsimd did not restart on the state dir"
check_eq "after a restart: the state of the last save (card05, card03 online)" "1 1" \
	"$(online card05) $(online card03)"
check_eq "after a restart: config_time as saved" "30" "$(cat "$MNT/bus/ap/config_time")"
stop_apsimd TERM

# --- EIO on fsync() of the temporary file (the start-up save's fsync goes through) ---
start_faulty "$STATE/.state.json.*" fsync EIO 1 || bail_out "apsimd did not start"
check_eq "a FUSE write whose fsync fails: EIO" "EIO" "$(fsop write "$MNT/bus/ap/config_time" 45)"
check_eq "the shim failed the fsync() of the temporary file" \
	"fsync $STATE/.state.json.X EIO" "$(faults)"
check_eq "no temporary file is left" "0" "$(temps)"
check_run "a command whose fsync fails: exact message, exit 1" "$APSIM" --socket "$SOCK" \
	write bus/ap/config_time 50 <<EOF
-- stderr
apsim: 'write bus/ap/config_time 50' was applied but the state could not be saved: Input/output error
-- rc 1
EOF
check "the daemon is alive" kill -0 "$APSIMD_PID"
restart || bail_out "apsimd did not restart on the state dir"
check_eq "after a restart: config_time as last saved" "30" "$(cat "$MNT/bus/ap/config_time")"
stop_apsimd TERM

# --- the disk recovers: one write() fails, the next save takes the refused change along ---
new_state recover
start_faulty "$STATE/.state.json.*" write ENOSPC 1 1 || bail_out "apsimd did not start"
check_eq "the first change is refused" "ENOSPC" "$(fsop write "$MNT/devices/ap/card05/online" 0)"
check_eq "the next one is saved and acknowledged" "ok 1" \
	"$(fsop write "$MNT/devices/ap/card03/online" 0)"
check_eq "the daemon logs the recovery" \
	"apsimd: cannot save the state to '$STATE/state.json': No space left on device
apsimd: state saved to '$STATE/state.json' again" "$(grep 'state' "$T/apsimd.log" | tail -n 2)"
restart || bail_out "apsimd did not restart on the state dir"
check_eq "after a restart: both (the refused change was in the model when it was saved)" \
	"0 0" "$(online card05) $(online card03)"
stop_apsimd TERM

# --- EIO on the directory's fsync(), after the rename: the file holds the refused change. The
#     change back must be written, not taken for what the file held before ---
new_state dirsync
start_faulty "$STATE" fsync EIO 1 1 || bail_out "apsimd did not start"
check_eq "the directory's fsync fails: EIO" "EIO" \
	"$(fsop write "$MNT/devices/ap/card05/online" 0)"
check_eq "the shim failed the fsync() of the state dir" "fsync $STATE EIO" "$(faults)"
check_eq "the change back is acknowledged" "ok 1" \
	"$(fsop write "$MNT/devices/ap/card05/online" 1)"
restart || bail_out "apsimd did not restart on the state dir"
check_eq "after a restart: the acknowledged change back is there" "1" "$(online card05)"
stop_apsimd TERM

done_testing
