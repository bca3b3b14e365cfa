#!/bin/sh
# SPDX-License-Identifier: MIT
# t0100-lszcrypt-dump.sh - Debian's lszcrypt 2.16 (s390x, under qemu) on `apsim dump` of the
# built-in machine, with SYSFS_ROOT (spec clients.md 1.1, 3, 5).
. "$(dirname "$0")/lib.sh"

need_apsim
need_s390_tools

# check_err DESC RC STDERR CMD...: CMD exits RC and prints exactly STDERR (one line) on stderr.
check_err() {
	_desc=$1
	_erc=$2
	_emsg=$3
	shift 3
	"$@" >"$T/.out" 2>"$T/.err"
	_rc=$?
	_msg=$(cat "$T/.err")
	if [ "$_rc" = "$_erc" ] && [ "$_msg" = "$_emsg" ] && [ ! -s "$T/.out" ]; then
		ok "$_desc"
	else
		not_ok "$_desc"
		diag "expected rc $_erc, stderr '$_emsg'"
		diag "got rc $_rc, stderr '$_msg', stdout '$(cat "$T/.out")'"
	fi
}

check "apsim dump of the built-in machine" "$APSIM" dump "$T/sys"
check "dump has bus/ap" test -d "$T/sys/bus/ap"

# The first CCA coprocessor card of the dump (type ends in C), and the first one that
# lszcrypt 2.16 knows in detail (hwtype <= 13, CEX7; it predates CEX8).
cca=
cca7=
for c in "$T"/sys/devices/ap/card*; do
	case $(cat "$c/type" 2>/dev/null) in
	CEX*C)
		[ -n "$cca" ] || cca=${c##*/card}
		if [ -z "$cca7" ] && [ "$(cat "$c/hwtype")" -le 13 ]; then
			cca7=${c##*/card}
		fi
		;;
	esac
done
check "the built-in machine has a CCA card" test -n "$cca"
check "the built-in machine has a CEX7 (or older) CCA card" test -n "$cca7"
queue=$(cd "$T/sys/devices/ap/card$cca" 2>/dev/null && ls -d "$cca".* 2>/dev/null | head -n 1)

SYSFS_ROOT=$T/sys
export SYSFS_ROOT

case $S390_VERSION in
2.16.*)
	E=$EXPECTED/lszcrypt-2.16
	check_output "lszcrypt" "$E/t0100-list.txt" lszcrypt
	check_output "lszcrypt -V" "$E/t0100-V.txt" lszcrypt -V
	check_output "lszcrypt -b" "$E/t0100-b.txt" lszcrypt -b
	check_output "lszcrypt -d" "$E/t0100-d.txt" lszcrypt -d
	# 2.16 parses the id with strtol(, 0): "0x" for hex ids
	check_output "lszcrypt -c 0x$cca (CEX8 CCA card: unknown to 2.16)" "$E/t0100-c-cca.txt" \
		lszcrypt -c "0x$cca"
	check_output "lszcrypt -c 0x$cca7 (CEX7 CCA card)" "$E/t0100-c-cca7.txt" \
		lszcrypt -c "0x$cca7"
	check_output "lszcrypt -V $cca (one card)" "$E/t0100-V-card.txt" lszcrypt -V "$cca"
	check_output "lszcrypt -V $queue (one queue)" "$E/t0100-V-queue.txt" lszcrypt -V "$queue"
	;;
*)
	for t in list -V -b -d -c "-c CEX7" "-V card" "-V queue"; do
		skip "lszcrypt $t" "expected output recorded for s390-tools 2.16, have $S390_VERSION"
	done
	;;
esac

# Error cases. 2.16 parses "-c 99" as decimal and names the card in hex (card63); newer
# versions say card99 (clients.md 5).
check_err "lszcrypt -c 99: no such card, rc 1" 1 \
	"lszcrypt: Error - cryptographic device card63 does not exist." lszcrypt -c 99
mkdir -p "$T/nobus/devices/ap"
check_err "no bus/ap: driver not available, rc 1" 1 \
	"lszcrypt: Crypto device driver not available." \
	env SYSFS_ROOT="$T/nobus" "$S390/bin/lszcrypt"
check_err "no bus/ap: lszcrypt -V too" 1 \
	"lszcrypt: Crypto device driver not available." \
	env SYSFS_ROOT="$T/nobus" "$S390/bin/lszcrypt" -V

done_testing
