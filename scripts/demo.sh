#!/bin/sh
# make demo: an operator reconfiguration of the built-in z16-like LPAR and the AP bus
# reacting to it (uevent trace, cards and queues before and after, through the real
# lszcrypt when it can run here), then three guests through a host reconfiguration under
# the legacy, kernel and coalesced hot plug policies, side by side.
set -eu
build=${1:-build}
apsim="$build/cli/apsim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

lszcrypt=""
if tools=$(sh scripts/s390-tools.sh "$build" 2>/dev/null) && [ -n "$tools" ]; then
	lszcrypt="$tools/bin/lszcrypt"
	[ -x "$lszcrypt" ] || lszcrypt=""
fi

show_devices() { # DIR
	if [ -n "$lszcrypt" ]; then
		SYSFS_ROOT="$1" "$lszcrypt" -V 2>&1
	else
		(cd "$1/devices/ap" && for c in card*; do
			echo "$c $(cat "$c/type") online=$(cat "$c/online")"
			for q in "$c"/??.????; do
				[ -d "$q" ] && echo "  ${q#*/} online=$(cat "$q/online" 2>/dev/null || cat "$q/status")"
			done
		done)
	fi
}

echo "=== 1. The built-in machine (apsim machine show) ==="
"$apsim" machine show
echo
echo "=== 2. An operator reconfigures the LPAR (examples/scenarios/operator-reconfig.scn) ==="
sed -n '/^[a-z]/p' examples/scenarios/operator-reconfig.scn | sed 's/^/    /'
{
	echo "dump $tmp/before"
	cat examples/scenarios/operator-reconfig.scn
	echo "events --since-mark"
	echo "dump $tmp/after"
} > "$tmp/demo.scn"
echo
echo "=== 3. The AP bus reacts: the uevents of that one scan ==="
echo "    (the first in full, as udevadm monitor -k -p prints it; then one line each)"
"$apsim" run "$tmp/demo.scn" > "$tmp/events"
awk 'BEGIN { n = 0 } /^KERNEL/ { n++ } n == 1 { print "    " $0; next } /^KERNEL/ { print "    " $0 }
     /^(CONFIG|ONLINE|BINDINGS|COMPLETECOUNT|APMASK|AQMASK|DRIVER)=/ && n > 1 { print "        " $0 }' "$tmp/events"
echo "    $(grep -c '^KERNEL' "$tmp/events") uevents in all"
echo
echo "=== 4. Cards and queues before ($([ -n "$lszcrypt" ] && echo "lszcrypt -V, s390-tools 2.16" || echo "sysfs")) ==="
show_devices "$tmp/before"
echo
echo "=== 5. ... and after ==="
show_devices "$tmp/after"
echo
echo "=== 6. Three guests, one host reconfiguration, three hot plug policies ==="
echo "    (examples/scenarios/two-guests.scn: web loses adapter 4 and domain 6 and gains"
echo "     domain 9, batch gains adapter 7, idle is not touched; all in one scan)"
printf '\n    %-8s %-8s %-8s %-10s   %s\n' guest legacy kernel coalesced "APCB updates for the reconfiguration"
for p in legacy kernel coalesced; do
	{
		cat examples/scenarios/two-guests.scn
		echo "guest show --json"
	} > "$tmp/guests-$p.scn"
	# the counts before the change are 1 each (the start); report the change's own cost
	"$apsim" --machine empty --policy "$p" --check-invariants run "$tmp/guests-$p.scn" |
		tr -d ' \n' | sed 's/},{/}\n{/g' |
		sed -n 's/.*"name":"\([a-z]*\)".*"apcb_updates":\([0-9]*\).*/\1 \2/p' > "$tmp/counts-$p"
done
for g in web batch idle; do
	l=$(awk -v g=$g '$1 == g { print $2 - 1 }' "$tmp/counts-legacy")
	k=$(awk -v g=$g '$1 == g { print $2 - 1 }' "$tmp/counts-kernel")
	c=$(awk -v g=$g '$1 == g { print $2 - 1 }' "$tmp/counts-coalesced")
	printf '    %-8s %-8s %-8s %-10s\n' "$g" "$l" "$k" "$c"
done
echo
echo "Every APCB update stops all of the guest's vCPUs: legacy updates per queue, kernel"
echo "once for removals and once for additions, coalesced once per scan. The safety"
echo "invariants were checked after every command (--check-invariants)."
