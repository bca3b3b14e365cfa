#!/bin/sh
# SPDX-License-Identifier: MIT
# t0225-mdevctl-14.sh - Debian 13's mdevctl 1.4 (scripts/mdevctl.sh: the amd64 binary on its own
# trixie libc) inside `apsim exec` (clients.md 1.3, 3.7): types, define with --jsonfile and with
# -u/-p/-t plus modify --addattr, list -d/-v/--dumpjson, start with the matrix read back, the
# kernel's EADDRINUSE for an overlapping start, stop, undefine, an --auto device started by
# start-parent-mdevs, mdevctl's own error texts, and a callout in /usr/lib/mdevctl/scripts.d.
# No ap-check: no Debian package of bookworm or trixie ships it (docs/clients.md).
. "$(dirname "$0")/lib.sh"

need_apsimd
need_mountns
D14=$(sh "$SRCDIR/scripts/mdevctl.sh" "$BUILD_DIR" 2>"$T/.m14err") ||
	skip_all "mdevctl 1.4 unavailable: $(tail -n 1 "$T/.m14err")"

start_apsimd || bail_out "apsimd did not start"
M=$MNT
# anyhow prints a backtrace under RUST_BACKTRACE; the texts compared here are without it
unset RUST_BACKTRACE RUST_LIB_BACKTRACE
X() { "$APSIM" --socket "$SOCK" exec -- "$@"; }
# mdev14 NAME ARGS...: mdevctl ARGS... in the namespace; stdout in $T/NAME, stderr in
# $T/NAME.err, the exit status in $rc
mdev14() {
	_o=$1
	shift
	X "$D14/bin/mdevctl" "$@" >"$T/$_o" 2>"$T/$_o.err"
	rc=$?
}

U1=11111111-2222-4333-8444-555555555555
U2=22222222-2222-4333-8444-555555555555
U3=33333333-2222-4333-8444-555555555555
U4=44444444-2222-4333-8444-555555555555
mdir=$M/devices/vfio_ap/matrix
avail() { cat "$mdir/mdev_supported_types/vfio_ap-passthrough/available_instances"; }
defs=$STATE/mdevctl.d/matrix

check_eq "the version is 1.4" "mdevctl 1.4.0" "$(X "$D14/bin/mdevctl" --version)"

# Adapters 10 and 11 (0x0a, 0x0b) go to vfio_ap (spec 4: apmask bits off).
check "apmask -0xa" sh -c "echo -0xa > '$M/bus/ap/apmask'"
check "apmask -0xb" sh -c "echo -0xb > '$M/bus/ap/apmask'"
avail0=$(avail)

# --- types --------------------------------------------------------------------------------
mdev14 types types
check_eq "types: rc 0" "0" "$rc"
check_eq "types" "$(printf 'matrix\n  vfio_ap-passthrough\n    Available instances: %s\n    Device API: vfio-ap\n    Name: VFIO AP Passthrough Device' "$avail0")" \
	"$(cat "$T/types")"
mdev14 typesj types --dumpjson
check_eq "types --dumpjson, parsed" \
	"[{'matrix': [{'vfio_ap-passthrough': {'available_instances': $avail0, 'device_api': 'vfio-ap', 'name': 'VFIO AP Passthrough Device'}}]}]" \
	"$(python3 -c 'import json, sys; print(json.load(sys.stdin))' <"$T/typesj")"

# --- define: with --jsonfile, and with -u/-p/-t then modify --addattr ---------------------
cat >"$T/u1.json" <<EOF
{"mdev_type": "vfio_ap-passthrough", "start": "manual",
 "attrs": [{"assign_adapter": "10"}, {"assign_domain": "0x0006"}, {"assign_domain": "11"},
           {"assign_control_domain": "013"}]}
EOF
mdev14 o define -u "$U1" -p matrix --jsonfile "$T/u1.json"
check_eq "define U1 --jsonfile: rc 0, silent" "0 " "$rc $(cat "$T/o" "$T/o.err")"
check_eq "U1's definition in the state dir, attrs in file order" \
	"{'mdev_type': 'vfio_ap-passthrough', 'start': 'manual', 'attrs': [{'assign_adapter': '10'}, {'assign_domain': '0x0006'}, {'assign_domain': '11'}, {'assign_control_domain': '013'}]}" \
	"$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])))' "$defs/$U1")"
mdev14 o define -u "$U3" -p matrix -t vfio_ap-passthrough
check_eq "define U3 -u -p -t: rc 0" "0" "$rc"
mdev14 o modify -u "$U3" --addattr assign_adapter --value 11
check_eq "modify --addattr assign_adapter: rc 0" "0" "$rc"
mdev14 o modify -u "$U3" --addattr assign_domain --value 0x20
mdev14 o modify -u "$U3" --addattr assign_control_domain --value 32
check_eq "modify --addattr assign_control_domain: rc 0" "0" "$rc"
check "nothing started by define" test ! -e "$mdir/$U1" -a ! -e "$mdir/$U3"
check_eq "nothing started by define (instances)" "$avail0" "$(avail)"

mdev14 listd list -d
check_eq "list -d" "$(printf '%s matrix vfio_ap-passthrough manual\n%s matrix vfio_ap-passthrough manual' "$U1" "$U3")" \
	"$(cat "$T/listd")"
mdev14 listdv list -d -v
check_eq "list -d -v" "$U1 matrix vfio_ap-passthrough manual
  Attrs:
    @{0}: {\"assign_adapter\":\"10\"}
    @{1}: {\"assign_domain\":\"0x0006\"}
    @{2}: {\"assign_domain\":\"11\"}
    @{3}: {\"assign_control_domain\":\"013\"}
$U3 matrix vfio_ap-passthrough manual
  Attrs:
    @{0}: {\"assign_adapter\":\"11\"}
    @{1}: {\"assign_domain\":\"0x20\"}
    @{2}: {\"assign_control_domain\":\"32\"}" "$(cat "$T/listdv")"
mdev14 listdj list -d --dumpjson
check_eq "list -d --dumpjson, parsed" \
	"[{'matrix': [{'$U1': {'mdev_type': 'vfio_ap-passthrough', 'start': 'manual', 'attrs': [{'assign_adapter': '10'}, {'assign_domain': '0x0006'}, {'assign_domain': '11'}, {'assign_control_domain': '013'}]}}, {'$U3': {'mdev_type': 'vfio_ap-passthrough', 'start': 'manual', 'attrs': [{'assign_adapter': '11'}, {'assign_domain': '0x20'}, {'assign_control_domain': '32'}]}}]}]" \
	"$(python3 -c 'import json, sys; print(json.load(sys.stdin))' <"$T/listdj")"

# --- start of the defined devices: the tree has exactly the assignments ---------------------
mdev14 o start -u "$U1"
check_eq "start U1: rc 0, silent" "0 " "$rc $(cat "$T/o" "$T/o.err")"
check_eq "U1's matrix (kstrtoul: 10, 0x0006, 11)" "$(printf '0a.0006\n0a.000b')" \
	"$(cat "$mdir/$U1/matrix")"
check_eq "U1's control domains (013 is octal 11)" "000b" "$(cat "$mdir/$U1/control_domains")"
check_eq "U1 in /sys/bus/mdev/devices" "vfio_ap-passthrough" \
	"$(basename "$(readlink -f "$M/bus/mdev/devices/$U1/mdev_type")")"
check_eq "one instance fewer" "$((avail0 - 1))" "$(avail)"
mdev14 o start -u "$U3"
check_eq "start U3: rc 0" "0" "$rc"
check_eq "U3's matrix" "0b.0020" "$(cat "$mdir/$U3/matrix")"
check_eq "U3's control domains" "0020" "$(cat "$mdir/$U3/control_domains")"

# The active list: no callout gives attributes (no ap-check), so the attrs are empty.
mdev14 list list
check_eq "list" "$(printf '%s matrix vfio_ap-passthrough manual (defined)\n%s matrix vfio_ap-passthrough manual (defined)' "$U1" "$U3")" \
	"$(cat "$T/list")"
mdev14 listv list -v
check_eq "list -v" "$(cat "$T/list")" "$(cat "$T/listv")"
mdev14 listj list --dumpjson
check_eq "list --dumpjson, parsed" \
	"[{'matrix': [{'$U1': {'mdev_type': 'vfio_ap-passthrough', 'start': 'manual', 'attrs': []}}, {'$U3': {'mdev_type': 'vfio_ap-passthrough', 'start': 'manual', 'attrs': []}}]}]" \
	"$(python3 -c 'import json, sys; print(json.load(sys.stdin))' <"$T/listj")"

# --- an overlapping start: vfio_ap's EADDRINUSE, the half-made device removed -------------
cat >"$T/u2.json" <<EOF
{"mdev_type": "vfio_ap-passthrough", "start": "manual",
 "attrs": [{"assign_domain": "6"}, {"assign_adapter": "10"}]}
EOF
mdev14 o start -u "$U2" -p matrix --jsonfile "$T/u2.json"
check_eq "overlapping start: rc 1" "1" "$rc"
check_eq "overlapping start: the kernel's error" "Error: Failed to write 10 to attribute assign_adapter

Caused by:
    Address already in use (os error 98)" "$(cat "$T/o.err")"
check "the conflicting mdev is gone" test ! -e "$mdir/$U2"
check_eq "U1 unchanged" "$(printf '0a.0006\n0a.000b')" "$(cat "$mdir/$U1/matrix")"
check "invariants hold" apsim_remote expect invariants

# --- mdevctl's own errors ----------------------------------------------------------------
err_case() { # DESC EXPECTED_RC EXPECTED_STDERR ARGS...
	_d=$1 _r=$2 _e=$3
	shift 3
	mdev14 e "$@"
	check_eq "$_d" "$_r $_e" "$rc $(cat "$T/e.err")"
}
err_case "start of an active device" 1 "Error: Device already exists" start -u "$U1"
err_case "start of an undefined uuid" 1 "Error: Device is insufficiently specified" start -u "$U2"
err_case "start with a type the parent lacks" 1 \
	"Error: Parent matrix does not support mdev type nosuch" start -u "$U2" -p matrix -t nosuch
err_case "start on a missing parent" 1 "Error: Unable to find parent device 'nosuch'" \
	start -u "$U2" -p nosuch -t vfio_ap-passthrough
err_case "define without a type" 1 "Error: No type specified" define -u "$U2" -p matrix
err_case "define of a defined device" 1 "Error: Device $U1 on matrix already defined" \
	define -u "$U1" -p matrix -t vfio_ap-passthrough
err_case "stop of an inactive device" 1 "Error: Device $U2 is not an active mdev" stop -u "$U2"
err_case "undefine of an undefined uuid" 1 "Error: No devices match the specified uuid" \
	undefine -u "$U2"
err_case "modify --live: only a callout can do it (ap-check would)" 1 \
	"Error: Live modification is not supported for this device type. Changing the device configuration requires stopping and restarting the device." \
	modify -u "$U1" --live --jsonfile "$T/u2.json"
check_eq "U1 unchanged by the refused live modify" "$(printf '0a.0006\n0a.000b')" \
	"$(cat "$mdir/$U1/matrix")"
check_eq "no mdev made by the failures" "$((avail0 - 2))" "$(avail)"

# --- modify, stop, undefine --------------------------------------------------------------
mdev14 o modify -u "$U3" --delattr --index 2
check_eq "modify --delattr --index 2: rc 0" "0" "$rc"
mdev14 o modify -u "$U3" --auto
check_eq "modify --auto: rc 0" "0" "$rc"
mdev14 listd list -d -u "$U3" -v
check_eq "U3 modified" "$U3 matrix vfio_ap-passthrough auto (active)
  Attrs:
    @{0}: {\"assign_adapter\":\"11\"}
    @{1}: {\"assign_domain\":\"0x20\"}" "$(cat "$T/listd")"
check_eq "the running U3 keeps its control domain" "0020" "$(cat "$mdir/$U3/control_domains")"
mdev14 o stop -u "$U1"
check_eq "stop U1: rc 0, silent" "0 " "$rc $(cat "$T/o" "$T/o.err")"
check "U1 removed" test ! -e "$mdir/$U1"
mdev14 o stop -u "$U3"
check_eq "stop U3: rc 0" "0" "$rc"
check_eq "instances back" "$avail0" "$(avail)"
mdev14 o undefine -u "$U1"
check_eq "undefine U1: rc 0" "0" "$rc"
check "U1's definition removed" test ! -e "$defs/$U1"

# --- auto start: what the udev rule runs when the parent registers ------------------------
mdev14 o start-parent-mdevs matrix
check_eq "start-parent-mdevs: rc 0" "0" "$rc"
check_eq "the auto device U3 started, with its modified definition" "0b.0020" \
	"$(cat "$mdir/$U3/matrix")"
check_eq "U3's control domains: none (deleted by modify)" "" "$(cat "$mdir/$U3/control_domains")"
mdev14 list list
check_eq "U3 listed active" "$U3 matrix vfio_ap-passthrough auto (defined)" "$(cat "$T/list")"
mdev14 o start-parent-mdevs matrix
check_eq "start-parent-mdevs again: rc 0, U3 untouched" "0 0b.0020" \
	"$rc $(cat "$mdir/$U3/matrix")"
mdev14 o stop -u "$U3"
mdev14 o undefine -u "$U3"
check_eq "stop and undefine U3: rc 0, nothing left" "0 $avail0" "$rc $(avail)"
check "U3's definition removed" test ! -e "$defs/$U3"

# --- a callout in /usr/lib/mdevctl/scripts.d (a scratch tmpfs of the namespace) -------------
# A stand-in for ap-check's veto (which no Debian package ships): it logs its calls and
# refuses adapter 5, not in vfio_ap's apmask.
cat >"$T/veto" <<EOF
#!/bin/sh
in=\$(cat)
echo "\$*" >>"$T/calls"
[ "\$2" = vfio_ap-passthrough ] || exit 2
case "\$4 \$in" in
pre*'"assign_adapter":"5"'*) echo "APQN 5.6 is not usable by vfio_ap" >&2; exit 1 ;;
esac
exit 0
EOF
chmod 755 "$T/veto"
cat >"$T/u4.json" <<EOF
{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": [{"assign_adapter": "5"}]}
EOF
cat >"$T/u2ok.json" <<EOF
{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": [{"assign_adapter": "10"}]}
EOF
X sh -c 'd=/usr/lib/mdevctl/scripts.d; test -d $d/callouts -a -d $d/notifiers &&
	cp "$1/veto" $d/callouts/veto &&
	"$2" define -u "$3" -p matrix --jsonfile "$1/u4.json" 2>"$1/veto.err"; echo "$?" >"$1/veto.rc"
	"$2" define -u "$4" -p matrix --jsonfile "$1/u2ok.json"' \
	sh "$T" "$D14/bin/mdevctl" "$U4" "$U2" >"$T/o" 2>&1
check_eq "the callout refuses adapter 5: rc 1" "1" "$(cat "$T/veto.rc")"
check_eq "the callout's refusal, as mdevctl reports it" "veto: APQN 5.6 is not usable by vfio_ap
Error: Script '\"/usr/lib/mdevctl/scripts.d/callouts/veto\"' failed with status '1'" \
	"$(cat "$T/veto.err")"
check "no definition for the refused device" test ! -e "$defs/$U4"
check "the accepted define stored" test -f "$defs/$U2"
check_eq "callout protocol: capabilities, pre, then post only for the accepted define" \
	"-t vfio_ap-passthrough -e get -a capabilities -s none -u $U4 -p matrix
-t vfio_ap-passthrough -e pre -a define -s none -u $U4 -p matrix
-t vfio_ap-passthrough -e get -a capabilities -s none -u $U2 -p matrix
-t vfio_ap-passthrough -e pre -a define -s none -u $U2 -p matrix
-t vfio_ap-passthrough -e post -a define -s success -u $U2 -p matrix" "$(cat "$T/calls")"
mdev14 o undefine -u "$U2"
check_eq "undefine U2 in a new namespace: rc 0" "0" "$rc"
check_eq "the callout went with its namespace: none ran for the undefine" "5" \
	"$(wc -l <"$T/calls")"

check "no apsim mount leaked into the host" sh -c "! grep -q ' /sys fuse.apsim' /proc/self/mountinfo"
check "no scripts.d tmpfs leaked into the host" \
	sh -c "! grep -q ' /usr/lib/mdevctl/scripts.d ' /proc/self/mountinfo"

done_testing
