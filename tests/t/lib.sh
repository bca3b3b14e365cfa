# SPDX-License-Identifier: MIT
# tests/t/lib.sh - TAP helpers for the shell tests, sourced by every tests/t/tNNNN-*.sh.
#
#   plan N | ok DESC | not_ok DESC | skip DESC REASON | diag TEXT
#   check DESC CMD...            ok if CMD succeeds (its output goes to the log on failure)
#   check_fail DESC CMD...       ok if CMD fails
#   check_output DESC FILE CMD...  ok if CMD's stdout equals FILE (a diff on failure)
#   check_eq DESC EXPECTED ACTUAL
#   check_run DESC CMD... <<EOF  ok if CMD's stdout, stderr and exit status are the here-doc
#   check_golden DESC FILE CMD...  ok if CMD prints FILE, nothing on stderr, and exits 0
#   skip_all REASON              "1..0 # SKIP REASON", then exit 77 (0 under meson, see below)
#   done_testing                 prints the plan if none was given; exit 1 on any failure
#
# Each test gets a private temp dir $T (removed at exit) and a cleanup trap that stops every
# libvirtd it started (start_libvirtd), then every apsimd (start_apsimd), and unmounts its
# mountpoints.
#
# Skips: the house rule is "exit 77 to skip". Meson's TAP protocol however counts any non-zero
# exit as an error and takes "1..0 # SKIP" with exit 0 as a skip, so under meson (which always
# sets MALLOC_PERTURB_) the skip exit code is 0; APSIM_SKIP_RC overrides either.

set -u

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRCDIR/build}
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
APSIM=$BUILD_DIR/cli/apsim
APSIMD=$BUILD_DIR/daemon/apsimd
EXPECTED=$SRCDIR/tests/t/expected
export SRCDIR BUILD_DIR APSIM APSIMD

if [ -n "${APSIM_SKIP_RC:-}" ]; then
	_skip_rc=$APSIM_SKIP_RC
elif [ -n "${MALLOC_PERTURB_:-}" ]; then
	_skip_rc=0
else
	_skip_rc=77
fi

_n=0
_failed=0
_planned=
_daemons=
_clients=
_mounts=

T=$(mktemp -d "${TMPDIR:-/tmp}/apsim-t.XXXXXX")
chmod 755 "$T" # other users (setpriv nobody) must reach the mountpoint inside
export T

_cleanup() {
	# clients of the daemons first (start_libvirtd): libvirtd must not outlive the tree
	for p in $_clients; do
		kill -TERM "$p" 2>/dev/null
		_i=0
		while kill -0 "$p" 2>/dev/null && [ $_i -lt 100 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for p in $_daemons; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $_daemons; do
		_i=0
		while kill -0 "$p" 2>/dev/null && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -KILL "$p" 2>/dev/null
	done
	for m in $_mounts; do
		if mountpoint -q "$m" 2>/dev/null; then
			fusermount3 -u -z "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		fi
	done
	rm -rf "$T"
}
trap '_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

plan() {
	_planned=$1
	echo "1..$1"
}

diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

ok() {
	_n=$((_n + 1))
	echo "ok $_n - $*"
}

not_ok() {
	_n=$((_n + 1))
	_failed=$((_failed + 1))
	echo "not ok $_n - $*"
}

skip() {
	_n=$((_n + 1))
	echo "ok $_n - $1 # SKIP ${2:-}"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit "$_skip_rc"
}

bail_out() {
	echo "Bail out! $*"
	exit 1
}

check() {
	_desc=$1
	shift
	if "$@" >"$T/.out" 2>&1; then
		ok "$_desc"
	else
		_rc=$?
		not_ok "$_desc"
		diag "command: $* (rc $_rc)"
		diag "$(head -c 4000 "$T/.out")"
	fi
}

check_fail() {
	_desc=$1
	shift
	if "$@" >"$T/.out" 2>&1; then
		not_ok "$_desc"
		diag "command unexpectedly succeeded: $*"
		diag "$(head -c 4000 "$T/.out")"
	else
		ok "$_desc"
	fi
}

check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "expected: '$2'"
		diag "actual:   '$3'"
	fi
}

# check_output DESC EXPECTED_FILE CMD... : stdout of CMD must equal the file byte for byte.
# With APSIM_BLESS=1 the file is (re)written instead: review the result before committing it.
check_output() {
	_desc=$1
	_exp=$2
	shift 2
	"$@" >"$T/.actual" 2>"$T/.stderr"
	_rc=$?
	if [ "${APSIM_BLESS:-0}" = 1 ]; then
		mkdir -p "$(dirname "$_exp")"
		cp "$T/.actual" "$_exp"
	fi
	if [ ! -f "$_exp" ]; then
		not_ok "$_desc"
		diag "missing expected file $_exp"
	elif cmp -s "$_exp" "$T/.actual"; then
		ok "$_desc"
	else
		not_ok "$_desc"
		diag "command: $* (rc $_rc)"
		diag "$(diff -u "$_exp" "$T/.actual" | head -n 60)"
		diag "$(head -c 2000 "$T/.stderr")"
	fi
}

# check_run DESC CMD... <<EOF: CMD's stdout, a line "-- stderr", its stderr and a line
# "-- rc N" with its exit status must equal the here-document byte for byte (CMD reads
# /dev/null). One subtest for what a command prints and how it ends.
check_run() {
	_desc=$1
	shift
	cat >"$T/.exp"
	_check_transcript "$_desc" "" "$@"
}

# check_golden DESC FILE CMD...: CMD prints exactly FILE on stdout, nothing on stderr and
# exits 0. With APSIM_BLESS=1 FILE is (re)written from the stdout first, as in check_output.
check_golden() {
	_desc=$1
	_gold=$2
	shift 2
	_check_transcript "$_desc" "$_gold" "$@"
}

_check_transcript() {
	_d=$1
	_g=$2
	shift 2
	"$@" >"$T/.out" 2>"$T/.err" </dev/null
	_rc=$?
	if [ -n "$_g" ]; then
		if [ "${APSIM_BLESS:-0}" = 1 ]; then
			mkdir -p "$(dirname "$_g")"
			cp "$T/.out" "$_g"
		fi
		if [ ! -f "$_g" ]; then
			not_ok "$_d"
			diag "missing expected file $_g"
			return
		fi
		{ cat "$_g"; echo "-- stderr"; echo "-- rc 0"; } >"$T/.exp"
	fi
	{ cat "$T/.out"; echo "-- stderr"; cat "$T/.err"; echo "-- rc $_rc"; } >"$T/.act"
	if cmp -s "$T/.exp" "$T/.act"; then
		ok "$_d"
	else
		not_ok "$_d"
		diag "command: $*"
		diag "$(diff -u "$T/.exp" "$T/.act" | head -n 60)"
	fi
}

# wait_for DESC EXPECTED CMD...: polls CMD's output for 5 s until it is EXPECTED (udev
# events, libvirt's node devices arrive asynchronously), then checks it
wait_for() {
	_d=$1 _e=$2
	shift 2
	_i=0
	while [ $_i -lt 50 ]; do
		[ "$("$@" 2>&1)" = "$_e" ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	check_eq "$_d" "$_e" "$("$@" 2>&1)"
}

done_testing() {
	# a sanitizer report of any daemon this test ran is a failure of its own
	if [ -f "$T/apsimd.log" ] && grep -q "Sanitizer\|runtime error:" "$T/apsimd.log"; then
		not_ok "apsimd ran without sanitizer reports"
		diag "$(grep -A30 "Sanitizer\|runtime error:" "$T/apsimd.log" | head -n 60)"
	elif [ -f "$T/apsimd.log" ]; then
		ok "apsimd ran without sanitizer reports"
	fi
	if [ -z "$_planned" ]; then
		echo "1..$_n"
	elif [ "$_planned" != "$_n" ]; then
		echo "# planned $_planned tests but ran $_n"
		_failed=$((_failed + 1))
	fi
	[ "$_failed" = 0 ] || exit 1
	exit 0
}

# --- requirements ------------------------------------------------------------------------

need_apsim() {
	[ -x "$APSIM" ] || skip_all "apsim not built ($APSIM)"
}

need_apsimd() {
	need_apsim
	[ -x "$APSIMD" ] || skip_all "apsimd not built ($APSIMD)"
	[ -c /dev/fuse ] || skip_all "no /dev/fuse"
	command -v fusermount3 >/dev/null 2>&1 || skip_all "fusermount3 not installed"
	grep -qw fuse /proc/filesystems 2>/dev/null || skip_all "fuse not in /proc/filesystems"
}

need_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
}

# Mount namespaces (apsim exec, mdevctl): root and a working unshare.
need_mountns() {
	need_root
	command -v unshare >/dev/null 2>&1 || skip_all "unshare not installed"
	unshare -m --propagation private true 2>/dev/null || skip_all "cannot create a mount namespace"
}

# Debian's s390x s390-tools under qemu (scripts/s390-tools.sh, cached in the build dir):
# need_s390_tools [2.16|2.35], 2.16 (Debian 12) unless told. Sets S390 (the s390-tools dir;
# wrappers in $S390/bin) and S390_VERSION (the package version, e.g. 2.35.0-1).
need_s390_tools() {
	S390=$(sh "$SRCDIR/scripts/s390-tools.sh" "$BUILD_DIR" "${1:-2.16}" 2>"$T/.s390err") ||
		skip_all "s390-tools ${1:-2.16} unavailable: $(tail -n 1 "$T/.s390err")"
	S390_VERSION=$(cat "$S390/VERSION")
	export S390 S390_VERSION
}

# The s390-tools wrappers: lszcrypt ARGS... with SYSFS_ROOT taken from the environment.
lszcrypt() { "$S390/bin/lszcrypt" "$@"; }
chzcrypt() { "$S390/bin/chzcrypt" "$@"; }
zcryptctl() { "$S390/bin/zcryptctl" "$@"; }
zcryptstats() { "$S390/bin/zcryptstats" "$@"; }

# --- the daemon --------------------------------------------------------------------------

# start_apsimd [ARGS...]: starts apsimd in the foreground (background job) with mountpoint
# $MNT, state dir $STATE and socket $SOCK unless ARGS give others; waits until the tree is
# mounted and the socket answers. Sets APSIMD_PID. Log in $T/apsimd.log.
start_apsimd() {
	MNT=${MNT:-$T/mnt}
	STATE=${STATE:-$T/state}
	SOCK=${SOCK:-$STATE/control.sock}
	mkdir -p "$MNT" "$STATE"
	"$APSIMD" --mount "$MNT" --state "$STATE" --socket "$SOCK" --foreground "$@" \
		>>"$T/apsimd.log" 2>&1 &
	APSIMD_PID=$!
	_daemons="$_daemons $APSIMD_PID"
	_mounts="$_mounts $MNT"
	export MNT STATE SOCK APSIMD_PID
	_i=0
	while [ $_i -lt 200 ]; do
		if mountpoint -q "$MNT" && [ -S "$SOCK" ]; then
			return 0
		fi
		kill -0 "$APSIMD_PID" 2>/dev/null || break
		sleep 0.05
		_i=$((_i + 1))
	done
	diag "apsimd did not come up; log:"
	diag "$(cat "$T/apsimd.log")"
	return 1
}

# stop_apsimd [SIGNAL]: signals the daemon and waits for it; returns its exit status.
stop_apsimd() {
	kill "-${1:-TERM}" "$APSIMD_PID" 2>/dev/null
	wait "$APSIMD_PID"
	_rc=$?
	_daemons=$(echo "$_daemons" | tr ' ' '\n' | grep -vx "$APSIMD_PID" | tr '\n' ' ')
	return $_rc
}

# --- libvirt (scripts/libvirt.sh) -------------------------------------------------------

# need_libvirtd [DRIVER...]: skips unless virsh, libvirtd, mdevctl and libvirt's node device
# driver and DRIVERs (qemu, ...) are installed. Sets LIBVIRT_DRIVERS, the modules' directory.
need_libvirtd() {
	command -v virsh >/dev/null 2>&1 || skip_all "virsh not installed (scripts/libvirt.sh)"
	[ -x /usr/sbin/libvirtd ] || skip_all "libvirtd not installed (scripts/libvirt.sh)"
	LIBVIRT_DRIVERS=$(dirname "$(find /usr/lib -name libvirt_driver_nodedev.so 2>/dev/null |
		head -n 1)")
	for _d in nodedev "$@"; do
		[ -f "$LIBVIRT_DRIVERS/libvirt_driver_$_d.so" ] ||
			skip_all "libvirt's $_d driver not installed (scripts/libvirt.sh)"
	done
	command -v mdevctl >/dev/null 2>&1 || skip_all "mdevctl not installed (scripts/libvirt.sh)"
	# start_libvirtd binds a private /etc/libvirt over the host's (libvirt-clients has one)
	# and mounts a private /var, which would hide $T
	[ -d /etc/libvirt ] || skip_all "no /etc/libvirt"
	case $(cd "$T" && pwd -P) in
	/var | /var/*) skip_all "TMPDIR is under /var, which libvirtd gets a private one of" ;;
	esac
	export LIBVIRT_DRIVERS
}

# start_libvirtd [DRIVER...]: Debian's libvirtd inside `apsim exec` on the running apsimd, with
# only the node device driver and DRIVERs loaded (LIBVIRT_DRIVER_DIR), listening on
# $LIBVIRT_SOCK without authentication; waits until the node device driver answers (bails out
# if it does not). Its namespace has, besides what apsim exec gives:
#   /etc/passwd, /etc/group  copies with Debian's libvirt-qemu user (uid 64055, group kvm) and
#                            libvirt-qemu group (gid 64055), and a kvm group if the host has
#                            none: the QEMU driver cannot start without its user and group
#                            (libvirt-daemon-system's postinst creates them, a bare container
#                            lacks them), and a driver that fails stops the whole daemon
#   /etc/libvirt             $LIBVIRT_ETC, empty at start: defined domains land there
#   /var                     a tmpfs (lib, cache, log, tmp; run -> /run): libvirt's state and
#                            QEMU capability cache
#   /run/libvirt             a tmpfs: a host's libvirtd or a concurrent run keeps its own
# so that nothing of the host is written. Sets LIBVIRTD, the pid of apsim exec, which stays in
# the namespace (nsenter -t $LIBVIRTD -m enters it); libvirtd is stopped at exit, before
# apsimd. Its errors go to $T/libvirt/libvirtd.log, its output to $T/libvirt/libvirtd.out.
start_libvirtd() {
	_lv=$T/libvirt
	LIBVIRT_SOCK=$_lv/sock/libvirt-sock
	LIBVIRT_ETC=$_lv/etc
	mkdir -p "$_lv/drivers" "$_lv/sock" "$LIBVIRT_ETC"
	for _d in nodedev "$@"; do
		ln -sf "$LIBVIRT_DRIVERS/libvirt_driver_$_d.so" "$_lv/drivers/"
	done
	cp /etc/passwd "$_lv/passwd"
	cp /etc/group "$_lv/group"
	if ! grep -q '^kvm:' "$_lv/group"; then
		# the highest free system gid
		_gid=$(awk -F: '{ u[$3] = 1 } END { for (g = 999; g > 100 && (g in u); g--); print g }' \
			"$_lv/group")
		echo "kvm:x:$_gid:" >>"$_lv/group"
	fi
	_kvm=$(awk -F: '$1 == "kvm" { print $3 }' "$_lv/group")
	grep -q '^libvirt-qemu:' "$_lv/group" ||
		echo "libvirt-qemu:x:64055:libvirt-qemu" >>"$_lv/group"
	grep -q '^libvirt-qemu:' "$_lv/passwd" ||
		echo "libvirt-qemu:x:64055:$_kvm:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin" \
			>>"$_lv/passwd"
	{
		echo "unix_sock_dir = \"$_lv/sock\""
		echo 'auth_unix_rw = "none"'
		echo 'auth_unix_ro = "none"'
		echo "log_outputs = \"3:file:$_lv/libvirtd.log\""
	} >"$_lv/libvirtd.conf"
	# shellcheck disable=SC2016 # expanded by the inner shell
	LIBVIRT_DRIVER_DIR=$_lv/drivers "$APSIM" --socket "$SOCK" exec -- sh -c '
		set -e
		mount --bind "$0/passwd" /etc/passwd
		mount --bind "$0/group" /etc/group
		mount --bind "$0/etc" /etc/libvirt
		mount -t tmpfs -o mode=0755 apsim-t-var /var
		mkdir /var/lib /var/cache /var/log
		mkdir -m 1777 /var/tmp
		ln -s /run /var/run
		ln -s /run/lock /var/lock
		mkdir -p /run/libvirt
		mount -t tmpfs -o mode=0755 apsim-t-libvirt /run/libvirt
		exec /usr/sbin/libvirtd "$@"' "$_lv" \
		--config "$_lv/libvirtd.conf" --pid-file "$_lv/libvirtd.pid" \
		>"$_lv/libvirtd.out" 2>&1 &
	LIBVIRTD=$!
	_clients="$_clients $LIBVIRTD"
	export LIBVIRT_SOCK LIBVIRT_ETC LIBVIRTD
	_i=0
	until timeout -k 2 20 virsh -q -c "nodedev:///system?socket=$LIBVIRT_SOCK" nodedev-list \
		>/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ $_i -gt 300 ] || ! kill -0 "$LIBVIRTD" 2>/dev/null; then
			diag "$(cat "$_lv/libvirtd.out" "$_lv/libvirtd.log" 2>/dev/null | tail -n 20)"
			bail_out "libvirtd did not come up"
		fi
		sleep 0.1
	done
}

# apsim_remote ARGS...: the CLI against the running daemon.
apsim_remote() { "$APSIM" --socket "$SOCK" "$@"; }

# Runs CMD with a timeout; fails the run (rc 124) instead of hanging.
with_timeout() {
	_secs=$1
	shift
	timeout -k 5 "$_secs" "$@"
}

# fsop OP ARGS...: one file system call, its result on stdout as "ok ..." or the errno name
# (python3: exact errno without the shell's wording).
#   fsop write PATH DATA       one open(O_WRONLY|O_TRUNC) + one write(); "ok N" or "EINVAL"
#   fsop writen PATH N         one write() of N bytes "1"
#   fsop read PATH [OFFSET]    one pread(4096) at OFFSET; "ok <repr of the bytes>"
#   fsop open PATH r|w|rw      "ok" or the open errno
#   fsop dtypes DIR            "NAME d|l|f|?" per entry, from readdir's d_type, sorted
#   fsop mkdir|unlink|rmdir|symlink|create PATH
fsop() {
	python3 - "$@" <<'PYEOF'
import errno, os, sys
op, path = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
def err(e):
    print(errno.errorcode.get(e.errno, str(e.errno)))
    sys.exit(0)
try:
    if op == "write" or op == "writen":
        data = args[0].encode() if op == "write" else b"1" * int(args[0])
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
        try:
            n = os.write(fd, data)
        finally:
            os.close(fd)
        print("ok %d" % n)
    elif op == "read":
        fd = os.open(path, os.O_RDONLY)
        try:
            b = os.pread(fd, 4096, int(args[0]) if args else 0)
        finally:
            os.close(fd)
        print("ok %r" % b)
    elif op == "open":
        fl = {"r": os.O_RDONLY, "w": os.O_WRONLY, "rw": os.O_RDWR}[args[0]]
        os.close(os.open(path, fl))
        print("ok")
    elif op == "dtypes":
        out = []
        with os.scandir(path) as it:
            for e in it:
                t = "d" if e.is_dir(follow_symlinks=False) else "l" if e.is_symlink() else "f" if e.is_file(follow_symlinks=False) else "?"
                out.append("%s %s" % (e.name, t))
        print("\n".join(sorted(out)))
    elif op == "mkdir":
        os.mkdir(path); print("ok")
    elif op == "rmdir":
        os.rmdir(path); print("ok")
    elif op == "unlink":
        os.unlink(path); print("ok")
    elif op == "symlink":
        os.symlink("x", path); print("ok")
    elif op == "create":
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)); print("ok")
    else:
        print("bad op"); sys.exit(2)
except OSError as e:
    err(e)
PYEOF
}

# as_nobody CMD...: runs CMD as uid/gid 65534.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# sockreq SOCKET DATA|--size N: sends raw bytes (DATA, or N bytes of 'x' plus a newline) to a
# control socket and prints every reply line; "ECONNREFUSED" etc. if it cannot connect.
sockreq() {
	python3 - "$@" <<'PYEOF'
import errno, socket, sys
path = sys.argv[1]
if sys.argv[2] == "--size":
    data = b"x" * int(sys.argv[3]) + b"\n"
else:
    data = sys.argv[2].encode()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(30)
try:
    s.connect(path)
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
    sys.exit(0)
try:
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
except OSError:
    pass
buf = b""
while True:
    try:
        b = s.recv(65536)
    except OSError:
        break
    if not b:
        break
    buf += b
sys.stdout.write(buf.decode(errors="replace"))
PYEOF
}
