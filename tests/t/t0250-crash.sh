#!/bin/sh
# SPDX-License-Identifier: MIT
# t0250-crash.sh - persistence survives kill -9 (design.md "Persistence"): a writer creates
# mdevs (with a control domain) and edits apmask through the FUSE tree and logs every write
# that returned success; the daemon is killed with SIGKILL at a random moment, restarted on
# the same state dir, and every acknowledged write must be there. Several rounds.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_root

ROUNDS=${APSIM_CRASH_ROUNDS:-6}
M=$T/mnt
create=$M/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create

# The writer: for round R, mdev i gets uuid R-i and control domain i % 80; every other step
# flips an apmask bit of an adapter id without a card (64..71), announced before ("try")
# and confirmed after ("done") the write.
writer() {
	r=$1
	i=0
	while :; do
		u=$(printf '%08x-0000-4000-8000-%012x' "$r" "$i")
		printf "%s" "$u" 2>/dev/null >"$create" || exit 0
		echo "$((i % 80))" 2>/dev/null >"$M/devices/vfio_ap/matrix/$u/assign_control_domain" ||
			exit 0
		echo "mdev $u $((i % 80))" >>"$T/log"
		b=$((64 + i % 8))
		if [ $((i / 8 % 2)) = 0 ]; then v="-$b"; else v="+$b"; fi
		echo "try $v" >>"$T/log"
		echo "$v" 2>/dev/null >"$M/bus/ap/apmask" || exit 0
		echo "done $v" >>"$T/log"
		i=$((i + 1))
	done
}

# apmask after applying "+N"/"-N" edits in order (bits 64..71 = byte 8 of the mask)
expected_byte() {
	python3 - "$@" <<'PYEOF'
import sys
m = 0xff
for e in sys.argv[1:]:
    bit = 1 << (7 - (int(e[1:]) - 64))
    m = m | bit if e[0] == "+" else m & ~bit
print("%02x" % m)
PYEOF
}

: >"$T/log"
round=1
while [ $round -le "$ROUNDS" ]; do
	start_apsimd || bail_out "apsimd did not start (round $round)"
	if [ $round -gt 1 ]; then
		# every acknowledged write of the rounds before is there
		missing=0
		grep '^mdev ' "$T/log" >"$T/mdevs"
		while read -r _ u cd; do
			got=$(cat "$M/devices/vfio_ap/matrix/$u/control_domains" 2>/dev/null)
			if [ "$got" != "$(printf '%04x' "$cd")" ]; then
				missing=$((missing + 1))
				[ $missing -le 3 ] && diag "mdev $u: control_domains '$got', want $(printf '%04x' "$cd")"
			fi
		done <"$T/mdevs"
		check_eq "round $round: all $(wc -l <"$T/mdevs") acknowledged mdevs restored" "0" "$missing"
		# apmask: every "done" edit applied; the edit in flight at the kill may be too
		edits=$(grep '^done ' "$T/log" | cut -d' ' -f2 | tr '\n' ' ')
		pending=$(tail -n 1 "$T/log" | sed -n 's/^try //p')
		# shellcheck disable=SC2086
		want=$(expected_byte $edits)
		# shellcheck disable=SC2086
		want2=$(if [ -n "$pending" ]; then expected_byte $edits "$pending"; else echo "$want"; fi)
		got=$(cut -c19-20 "$M/bus/ap/apmask")
		if [ "$got" = "$want" ] || [ "$got" = "$want2" ]; then
			ok "round $round: apmask has every acknowledged edit"
		else
			not_ok "round $round: apmask has every acknowledged edit"
			diag "apmask byte 8: got $got, want $want (or $want2)"
		fi
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

stop_apsimd TERM
check_eq "clean stop at the end" "0" "$?"

done_testing
