#!/bin/sh
# SPDX-License-Identifier: MIT
# t0235-se-guest.sh - a Secure Execution guest (`guest start NAME UUID --se`, docs/se-guests.md)
# sees APSB in its features and se_bind/se_associate on its EP11 and accelerator queues;
# s390-tools 2.35 (Debian 13) `chzcrypt --se-bind/--se-associate/--se-unbind` and
# `lszcrypt -V` / `lszcrypt -c` work inside the guest's tree (`apsim exec --guest`). The
# association is asynchronous on the daemon's clock, so chzcrypt's polling is exercised.
# Without s390-tools 2.35 in $BUILD_DIR/s390-tools-2.35/bin (scripts/s390-tools.sh BUILD_DIR
# 2.35) the client subtests are skipped; the attribute reads through the FUSE tree still run.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_mountns

S390N=$BUILD_DIR/s390-tools-2.35
have_235=no
if [ -x "$S390N/bin/chzcrypt" ] && [ -x "$S390N/bin/lszcrypt" ] &&
	"$S390N/bin/chzcrypt" --help 2>/dev/null | grep -q -- --se-bind; then
	have_235=yes
fi
skip_reason="s390-tools 2.35 not in \$BUILD_DIR/s390-tools-2.35/bin (run scripts/s390-tools.sh BUILD_DIR 2.35)"

start_apsimd || bail_out "apsimd did not start"
M=$MNT
U=55555555-3333-4444-8555-666666666666
mdir=$M/devices/vfio_ap/matrix
create=$mdir/mdev_supported_types/vfio_ap-passthrough/create
GX() { "$APSIM" --socket "$SOCK" exec --guest sec -- "$@"; }
# GXW FILE VALUE: one write(2) inside the guest; prints "ok" or the errno name
GXW() {
	GX python3 -c 'import errno, os, sys
try:
    fd = os.open(sys.argv[1], os.O_WRONLY)
    try:
        os.write(fd, sys.argv[2].encode())
    finally:
        os.close(fd)
    print("ok")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' "$1" "$2"
}
q=/sys/devices/ap

# the built-in machine: 05 CEX8A, 0a CEX8P, 0b CEX7C; domain 6
check "adapters 5, 10, 11 to vfio_ap" sh -c "echo -5,-10,-11 > '$M/bus/ap/apmask'"
check "mdev create" sh -c "printf '$U' > '$create'"
for a in 5 10 11; do
	check "assign adapter $a" sh -c "echo $a > '$mdir/$U/assign_adapter'"
done
check "assign domain 6" sh -c "echo 6 > '$mdir/$U/assign_domain'"
check "assign domain 11" sh -c "echo 11 > '$mdir/$U/assign_domain'"
check "guest start sec --se" apsim_remote guest start sec "$U" --se
check_eq "guest show tells an SE guest" "  secure execution" \
	"$(apsim_remote guest show sec | tail -n 1)"
# the guest's queues go through their first reset (RAPQ, 40 ms polls)
sleep 0.3

check_eq "the SE guest's features have APSB" "APSC APXA QACT RC8A APSB" \
	"$(GX cat /sys/bus/ap/features)"
check_eq "the host's do not" "APSC APXA QACT RC8A" "$(cat "$M/bus/ap/features")"
check_eq "EP11 queue: se_bind" "unbound" "$(GX cat $q/card0a/0a.0006/se_bind)"
check_eq "EP11 queue: se_associate" "unassociated" "$(GX cat $q/card0a/0a.0006/se_associate)"
check_eq "accelerator queue: se_associate" "-" "$(GX cat $q/card05/05.0006/se_associate)"
check "CCA queue: no se_bind" GX test ! -e $q/card0b/0b.0006/se_bind
check_eq "EP11 queue ap_functions: bs 2 (0x0000C000)" "0x86808000" \
	"$(GX cat $q/card0a/0a.0006/ap_functions)"
# the store paths through FUSE (every one is in tests/scenarios/2.4-se-guest-*.scn)
check_eq "se_bind store of 2: EINVAL" "EINVAL" "$(GXW $q/card0a/0a.0006/se_bind 2)"
check_eq "se_associate store before bind: EINVAL" "EINVAL" \
	"$(GXW $q/card0a/0a.0006/se_associate 5)"
check_eq "se_associate store of 65536: EINVAL" "EINVAL" \
	"$(GXW $q/card0a/0a.0006/se_associate 65536)"
check_eq "se_associate store of 2^32: ERANGE" "ERANGE" \
	"$(GXW $q/card0a/0a.0006/se_associate 4294967296)"
check_eq "se_associate store on the accelerator: EINVAL" "EINVAL" \
	"$(GXW $q/card05/05.0006/se_associate 1)"

# bind and associate 0a.000b by hand: the association completes on the daemon's clock
check_eq "se_bind store of 1 on 0a.000b" "ok" "$(GXW $q/card0a/0a.000b/se_bind 1)"
check_eq "0a.000b bound" "bound" "$(GX cat $q/card0a/0a.000b/se_bind)"
check_eq "se_associate store of 9 on 0a.000b" "ok" "$(GXW $q/card0a/0a.000b/se_associate 9)"
check "0a.000b associated 9 within 5 s" with_timeout 10 sh -c "
	i=0
	while [ \$i -lt 50 ]; do
		[ \"\$('$APSIM' --socket '$SOCK' exec --guest sec -- cat $q/card0a/0a.000b/se_associate)\" = 'associated 9' ] && exit 0
		sleep 0.1
		i=\$((i + 1))
	done
	exit 1"
check_eq "a second association: EINVAL (bs usable)" "EINVAL" \
	"$(GXW $q/card0a/0a.000b/se_associate 10)"

if [ $have_235 = no ]; then
	for d in "chzcrypt --se-bind 0a.0006" "se_bind reads bound" "chzcrypt --se-bind 05.0006" \
		"chzcrypt --se-bind of a bound queue: rc" \
		"chzcrypt --se-bind of a bound queue: message" \
		"chzcrypt --se-associate 5 0a.0006 (polls until through)" \
		"se_associate reads associated 5" "lszcrypt -V" "lszcrypt -c 0a.0006" \
		"chzcrypt --se-unbind 0a.0006" "se_bind reads unbound" \
		"se_associate reads unassociated" "lszcrypt -V after the unbind" \
		"chzcrypt --se-associate on an unbound queue: rc" \
		"chzcrypt --se-associate on an unbound queue: message"; do
		skip "$d" "$skip_reason"
	done
	done_testing
	exit 0
fi
CH() { GX "$S390N/bin/chzcrypt" "$@"; }
LS() { GX "$S390N/bin/lszcrypt" "$@"; }

check "chzcrypt --se-bind 0a.0006" CH --se-bind 0a.0006
check_eq "se_bind reads bound" "bound" "$(GX cat $q/card0a/0a.0006/se_bind)"
check "chzcrypt --se-bind 05.0006" CH --se-bind 05.0006
CH --se-bind 05.0006 >"$T/o" 2>&1
check_eq "chzcrypt --se-bind of a bound queue: rc" "1" "$?"
check_eq "chzcrypt --se-bind of a bound queue: message" \
	"chzcrypt: Error - Queue device 05.0006 is NOT in 'unbound' state (state 'bound' found)." \
	"$(cat "$T/o")"
check "chzcrypt --se-associate 5 0a.0006 (polls until through)" \
	with_timeout 30 sh -c "'$APSIM' --socket '$SOCK' exec --guest sec -- '$S390N/bin/chzcrypt' --se-associate 5 0a.0006"
check_eq "se_associate reads associated 5" "associated 5" \
	"$(GX cat $q/card0a/0a.0006/se_associate)"
check_output "lszcrypt -V: SESTAT usable (bound accelerator, associated EP11), illicit (CCA)" \
	"$EXPECTED/t0235-lszcrypt-V-bound.txt" LS -V
check_eq "lszcrypt -c 0a.0006 (SE states, then the EP11 wrapping key of mkvps)" "queue 0a.0006 capabilities:
SE bind state: bound
SE association state: associated 5
MK WK CUR: valid 0xa1357d05bafc0161a9def805bfe4000cb2887305c4cbfeb7bb31ee05c9b3fd62" "$(LS -c 0a.0006 2>&1)"
check "chzcrypt --se-unbind 0a.0006" CH --se-unbind 0a.0006
check_eq "se_bind reads unbound" "unbound" "$(GX cat $q/card0a/0a.0006/se_bind)"
check_eq "se_associate reads unassociated" "unassociated" \
	"$(GX cat $q/card0a/0a.0006/se_associate)"
check_output "lszcrypt -V after the unbind: 0a.0006 unbound" \
	"$EXPECTED/t0235-lszcrypt-V-unbound.txt" LS -V
CH --se-associate 3 0a.0006 >"$T/o" 2>&1
check_eq "chzcrypt --se-associate on an unbound queue: rc" "1" "$?"
check_eq "chzcrypt --se-associate on an unbound queue: message" \
	"chzcrypt: Error - Failure writing to /sys/bus/ap/devices/card0a/0a.0006/se_associate (errno 'Invalid argument')." \
	"$(cat "$T/o")"

done_testing
