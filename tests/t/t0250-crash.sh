#!/bin/sh
# SPDX-License-Identifier: MIT
# t0250-crash.sh - persistence survives kill -9 (design.md "Persistence", docs/daemon.md): a
# writer makes every kind of persisted change through the FUSE tree - mdevs (with a control
# domain), apmask edits, chzcrypt-like online writes of a card and of a queue, config_time,
# zcrypt node creates and node mask writes - and logs every write that returned success; the
# daemon is killed with SIGKILL at a random moment, restarted on the same state dir, and
# every acknowledged write must be there. Several rounds.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_root

ROUNDS=${APSIM_CRASH_ROUNDS:-6}
M=$T/mnt
create=$M/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create

# One write of VALUE to PATH (under the mount), announced before ("try PATH VALUE") and
# confirmed after ("done PATH VALUE"): at most the last "try" of the log was in flight at the
# kill, and may or may not have been applied.
w() {
	echo "try $1 $2" >>"$T/log"
	printf '%s\n' "$2" 2>/dev/null >"$M/$1" || exit 0
	echo "done $1 $2" >>"$T/log"
}

# The writer for round R: mdev i gets uuid R-i and control domain i % 80 ("mdev" once both
# writes are done); an apmask bit of an adapter id without a card (64..71) flips; card 03 goes
# offline/online every other step and queue 0b.000b every step (chzcrypt -d/-e); config_time
# changes every step; every 8th step creates a zcrypt node, whose apmask is then written every
# step.
writer() {
	r=$1
	i=0
	node=
	while :; do
		u=$(printf '%08x-0000-4000-8000-%012x' "$r" "$i")
		printf "%s" "$u" 2>/dev/null >"$create" || exit 0
		echo "$((i % 80))" 2>/dev/null >"$M/devices/vfio_ap/matrix/$u/assign_control_domain" ||
			exit 0
		echo "mdev $u $((i % 80))" >>"$T/log"
		b=$((64 + i % 8))
		if [ $((i / 8 % 2)) = 0 ]; then v="-$b"; else v="+$b"; fi
		w bus/ap/apmask "$v"
		w devices/ap/card03/online $((i / 2 % 2))
		w devices/ap/card0b/0b.000b/online $((i % 2))
		w bus/ap/config_time $((5 + (r * 37 + i) % 116))
		if [ $((i % 8)) = 0 ]; then
			node=r${r}n$i
			w class/zcrypt/create "$node"
		fi
		w "class/zcrypt/$node/apmask" "$(printf '0x%02x' $(((r * 31 + i) % 256)))"
		i=$((i + 1))
	done
}

# Compares the restored tree with the log: prints "CATEGORY MISMATCHES" lines (mdevs, apmask,
# online, config_time, zcrypt_nodes) and "# ..." details. The write in flight at the kill
# counts either way; the log is then rewritten with what it turned out to be (its "try"
# becomes "done" if it was applied, else goes), so later rounds build on the real state.
check_restored() {
	python3 - "$T/log" "$M" <<'PYEOF'
import os, sys
logf, mnt = sys.argv[1], sys.argv[2]
lines = open(logf).read().splitlines()
pending = lines[-1].split(" ", 2)[1:] if lines and lines[-1].startswith("try ") else None
done = [l.split(" ", 2)[1:] for l in lines if l.startswith("done ")]

def read(p):
    try:
        with open(os.path.join(mnt, p)) as f:
            return f.read()
    except OSError as e:
        return "<%s>" % os.strerror(e.errno)

def category(path):
    if path == "bus/ap/apmask": return "apmask"
    if path == "bus/ap/config_time": return "config_time"
    if path.startswith("devices/ap/"): return "online"
    return "zcrypt_nodes"

def expected(writes):
    """{key: expected observation}: key is a path, "apmask" or "node NAME"."""
    e, apm = {}, 0xff
    for path, val in writes:
        if path == "bus/ap/apmask":
            bit = 1 << (7 - (int(val[1:]) - 64))
            apm = apm | bit if val[0] == "+" else apm & ~bit
            e["apmask"] = "%02x" % apm
        elif path == "class/zcrypt/create":
            e["node " + val] = True
        elif val.startswith("0x"):
            e[path] = "0x" + val[2:].ljust(64, "0") + "\n"
        else:
            e[path] = val + "\n"
    return e

def observe(key):
    if key == "apmask":
        return read("bus/ap/apmask")[18:20]
    if key.startswith("node "):
        return os.path.isdir(os.path.join(mnt, "class/zcrypt", key[5:]))
    return read(key)

def default(key):
    """what a key shows before any write: the boot values, a new node's zero masks"""
    if key == "apmask": return "ff"
    if key.startswith("node "): return False
    if key == "bus/ap/config_time": return "30\n"
    if key.startswith("devices/ap/"): return "1\n"
    return "0x" + "0" * 64 + "\n"

def cat_of(key):
    return "apmask" if key == "apmask" else "zcrypt_nodes" if key.startswith("node ") else category(key)

e0 = expected(done)
e1 = expected(done + [pending]) if pending else e0
bad = {c: 0 for c in ("mdevs", "apmask", "online", "config_time", "zcrypt_nodes")}
applied = False
for key in sorted(set(e0) | set(e1)):
    got = observe(key)
    want0 = e0.get(key, default(key))
    want1 = e1.get(key, want0)
    if got == want0 and got == want1:
        continue
    if got == want1 and pending:
        applied = True
        continue
    if got == want0:
        continue
    bad[cat_of(key)] += 1
    print("# %s: got %r, want %r%s" % (key, got, want0, "" if want1 == want0 else " or %r" % want1))

for l in lines:
    if l.startswith("mdev "):
        _, u, cd = l.split()
        got = read("devices/vfio_ap/matrix/%s/control_domains" % u)
        if got != "%04x\n" % int(cd):
            bad["mdevs"] += 1
            if bad["mdevs"] <= 3:
                print("# mdev %s: control_domains %r, want %04x" % (u, got, int(cd)))

for c, n in bad.items():
    print(c, n)
if pending:
    print("# the write in flight at the kill (%s <- %s) was %s" %
          (pending[0], pending[1], "applied" if applied else "not applied (or changed nothing)"))
    lines[-1] = "done " + " ".join(pending) if applied else None
    with open(logf, "w") as f:
        f.write("".join(l + "\n" for l in lines if l is not None))
PYEOF
}

: >"$T/log"
round=1
while [ $round -le "$ROUNDS" ]; do
	start_apsimd || bail_out "apsimd did not start (round $round)"
	if [ $round -gt 1 ]; then
		check_restored >"$T/check" 2>&1
		grep '^#' "$T/check" | head -n 10 | sed 's/^# //' | while read -r l; do diag "$l"; done
		n=$(grep -c '^mdev ' "$T/log")
		check_eq "round $round: all $n acknowledged mdevs restored" "mdevs 0" "$(grep '^mdevs ' "$T/check")"
		for c in apmask online config_time zcrypt_nodes; do
			check_eq "round $round: every acknowledged $c write restored" "$c 0" \
				"$(grep "^$c " "$T/check")"
		done
		check "round $round: no temporary file left" \
			sh -c "! ls -A '$STATE' | grep -q '^\.state\.json\.'"
		apsim_remote expect invariants >/dev/null 2>&1
		check_eq "round $round: invariants hold" "0" "$?"
	fi
	[ $round -eq "$ROUNDS" ] && break

	writer "$round" &
	wpid=$!
	# a random moment: 0.2 .. 1.2 s
	sleep "$(awk -v s="$round$$" 'BEGIN { srand(s); printf "%.2f", 0.2 + rand() }')"
	kill -KILL "$APSIMD_PID"
	wait "$APSIMD_PID" 2>/dev/null
	_daemons=
	wait "$wpid" 2>/dev/null
	# the dead connection leaves the mount behind
	fusermount3 -u -z "$M" 2>/dev/null || umount -l "$M"
	check "round $round: the writer got some writes done" grep -q "^mdev $(printf '%08x' $round)-" "$T/log"
	round=$((round + 1))
done

# every kind of write was made and checked at least once
for k in bus/ap/apmask devices/ap/card03/online devices/ap/card0b/0b.000b/online \
	bus/ap/config_time class/zcrypt/create class/zcrypt/r1n0/apmask; do
	check "writes of $k were acknowledged" grep -q "^done $k " "$T/log"
done

stop_apsimd TERM
check_eq "clean stop at the end" "0" "$?"

done_testing
