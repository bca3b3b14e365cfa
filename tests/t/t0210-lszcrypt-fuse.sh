#!/bin/sh
# SPDX-License-Identifier: MIT
# t0210-lszcrypt-fuse.sh - Debian's lszcrypt and chzcrypt 2.16 against the live tree served
# by apsimd: the same listing as from a dump (t0100), filters, and chzcrypt's writes with
# their effects seen by the next lszcrypt and in the uevents (clients.md 3, 5).
. "$(dirname "$0")/lib.sh"

need_apsimd
need_root
need_s390_tools
case $S390_VERSION in
2.16.*) ;;
*) skip_all "expected output recorded for s390-tools 2.16, have $S390_VERSION" ;;
esac

start_apsimd || bail_out "apsimd did not start"
SYSFS_ROOT=$MNT
export SYSFS_ROOT
E=$EXPECTED/lszcrypt-2.16

# The live tree lists exactly what the dump of the same machine lists.
check_output "lszcrypt (live tree = dump)" "$E/t0100-list.txt" lszcrypt
check_output "lszcrypt -V (live tree = dump)" "$E/t0100-V.txt" lszcrypt -V
check_output "lszcrypt -b" "$E/t0100-b.txt" lszcrypt -b
check_output "lszcrypt -d" "$E/t0100-d.txt" lszcrypt -d
check_output "lszcrypt -c 0x0b" "$E/t0100-c-cca7.txt" lszcrypt -c 0x0b

# Filters.
# 2.16's show_devices_argv returns after the first id: "03 0a" lists card 03 only.
check_eq "lszcrypt 03 0a: 2.16 lists the first id" "03 03.0006 03.000b 03.0020" \
	"$(lszcrypt 03 0a | tail -n +3 | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
check_eq "lszcrypt .000b: domain 0x000b only" "03.000b 05.000b 0a.000b 0b.000b 10.000b" \
	"$(lszcrypt .000b | tail -n +3 | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
check_eq "lszcrypt -V 03.000b: one queue" "03.000b cex4queue" \
	"$(lszcrypt -V 03.000b | tail -n +3 | awk '{print $1, $NF}')"

status() { lszcrypt "$@" | tail -n +3 | awk '{printf "%s=%s ", $1, $4}' | sed 's/ $//'; }

# chzcrypt -d / -e: card and queues (zcrypt propagates the card state to its queues).
check "chzcrypt -d 03" chzcrypt -d 03
check_eq "card 03 and its queues offline" "03=offline 03.0006=offline 03.000b=offline 03.0020=offline" \
	"$(status 03)"
check_eq "card online attribute reads 0" "0" "$(cat "$MNT/devices/ap/card03/online")"
check "chzcrypt -e card03" chzcrypt -e card03
check_eq "card 03 online again" "03=online 03.0006=online 03.000b=online 03.0020=online" "$(status 03)"
check "chzcrypt -d 03.000b" chzcrypt -d 03.000b
check_eq "only 03.000b offline" "03=online 03.0006=online 03.000b=offline 03.0020=online" "$(status 03)"
check "chzcrypt -e 3.b (short hex id)" chzcrypt -e 3.b
check_eq "03.000b back online" "03=online 03.0006=online 03.000b=online 03.0020=online" "$(status 03)"
check_eq "chzcrypt -V -d 0x05 says what it does" "Setting cryptographic device card05 offline" \
	"$(chzcrypt -V -d 0x05 2>&1)"
check "chzcrypt -e 05" chzcrypt -e 05

# --config-off / --config-on.
check "chzcrypt --config-off 05" chzcrypt --config-off 05
check_eq "card 05 deconfigured, queues too" "05=deconfig 05.0006=deconfig 05.000b=deconfig 05.0020=deconfig" \
	"$(status 05)"
check_eq "card 05 config reads 0" "0" "$(cat "$MNT/devices/ap/card05/config")"
chzcrypt --config-off 05 >"$T/o" 2>&1
check_eq "config-off twice: rc 0" "0" "$?"
check_eq "config-off twice: warning" "chzcrypt: Warning - device card05 is already config off." "$(cat "$T/o")"
chzcrypt -e 05 >"$T/o" 2>&1
check "-e while deconfigured: warning" grep -q "Warning - device 05 is deconfigured, can't set to online." "$T/o"
check "chzcrypt --config-on 05" chzcrypt --config-on 05
check_eq "card 05 configured again" "1" "$(cat "$MNT/devices/ap/card05/config")"
check "chzcrypt -e 05 after config-on" chzcrypt -e 05
check_eq "card 05 online again" "05=online 05.0006=online 05.000b=online 05.0020=online" "$(status 05)"
chzcrypt --config-off 03.0006 >"$T/o" 2>&1
check_eq "config-off of a queue: rc 1" "1" "$?"
check "config-off of a queue: message" grep -q "Config on/off is only valid for card devices." "$T/o"

# Bus attributes.
check "chzcrypt -c 60" chzcrypt -c 60
check "chzcrypt -t 500000" chzcrypt -t 500000
check "chzcrypt -q 11" chzcrypt -q 11
check_eq "lszcrypt -b shows them" "ap_domain=0xb config_time=60 (seconds) poll_timeout=500000 (nanoseconds)" \
	"$(lszcrypt -b | grep -E '^(ap_domain|config_time|poll_timeout)=' | tr '\n' ' ' | sed 's/ $//')"
check_eq "config_time attribute" "60" "$(cat "$MNT/bus/ap/config_time")"
chzcrypt -q 99 >"$T/o" 2>&1
check_eq "chzcrypt -q 99: rc 1" "1" "$?"
check_eq "chzcrypt -q 99: message" "chzcrypt: Error - invalid default domain '99'." "$(cat "$T/o")"
check_eq "ap_domain unchanged" "11" "$(cat "$MNT/bus/ap/ap_domain")"
# With AP interrupts the kernel does not start the poll thread (ap_poll_thread_start), so
# poll_thread reads back 0 and chzcrypt reports the failure, as on a real LPAR.
check_eq "interrupts are on" "1" "$(cat "$MNT/bus/ap/ap_interrupts")"
chzcrypt -p >"$T/o" 2>&1
check_eq "chzcrypt -p with interrupts: rc 1" "1" "$?"
check_eq "chzcrypt -p with interrupts: message" "chzcrypt: Error - unable to change poll thread setting." "$(cat "$T/o")"
check "chzcrypt -n" chzcrypt -n
check_eq "poll_thread 0" "0" "$(cat "$MNT/bus/ap/poll_thread")"

# -a: everything.
check "chzcrypt -d -a" chzcrypt -d -a
check_eq "no card online" "" "$(lszcrypt | tail -n +3 | grep -E '^[0-9a-f]{2} ' | grep -v offline)"
check "chzcrypt -e -a" chzcrypt -e -a
check_eq "every card online" "" "$(lszcrypt | tail -n +3 | grep -E '^[0-9a-f]{2} ' | grep -v ' online ')"

# The uevents of all that, through the control socket.
apsim_remote events >"$T/ev" 2>&1
check "event: card03 change ONLINE=0" \
	sh -c "grep -A8 'change   /devices/ap/card03 (ap)' '$T/ev' | grep -q '^ONLINE=0'"
check "event: card05 change CONFIG=0" \
	sh -c "grep -A8 'change   /devices/ap/card05 (ap)' '$T/ev' | grep -q '^CONFIG=0'"
apsim_remote --json events >"$T/evj" 2>&1
check "events --json: one object per line with a devpath" \
	sh -c "grep -q '\"devpath\":\"/devices/ap/card05\"' '$T/evj'"

# events --follow streams what happens after it starts.
"$APSIM" --socket "$SOCK" events --follow >"$T/follow" 2>&1 &
fpid=$!
sleep 1
chzcrypt -d 0a
_i=0
while ! grep -q "card0a" "$T/follow" && [ $_i -lt 50 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null
check "events --follow: the change of card0a arrived" \
	sh -c "grep -A8 'change   /devices/ap/card0a (ap)' '$T/follow' | grep -q '^ONLINE=0'"
check "events --follow: nothing from before it started" sh -c "! grep -q 'card03' '$T/follow'"
chzcrypt -e 0a

done_testing
