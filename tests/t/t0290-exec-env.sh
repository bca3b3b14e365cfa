#!/bin/sh
# SPDX-License-Identifier: MIT
# t0290-exec-env.sh - what `apsim exec` gives COMMAND beyond /sys (docs/daemon.md "apsim
# exec"): SYSTEMD_DEVICE_VERIFY_SYSFS=0 so that `udevadm info` takes the FUSE tree, a modprobe
# that answers for the simulated modules, a /dev with the host's entries and the simulated
# devices' nodes kept current (a node is there before the write that made it returns), the
# exit status and signals passed through. Then a fake apsimd that streams malformed events:
# the parent applies what is valid, acknowledges it and survives the rest.
. "$(dirname "$0")/lib.sh"

need_apsimd
need_mountns

start_apsimd || bail_out "apsimd did not start"
C=$MNT/class/zcrypt
# x CMD...: CMD in apsim exec, stdout and stderr together
x() { "$APSIM" --socket "$SOCK" exec -- "$@" 2>&1; }

# --- the environment, udevadm ---------------------------------------------------------------

check_eq "SYSTEMD_DEVICE_VERIFY_SYSFS=0 in COMMAND's environment" "0" \
	"$(x sh -c 'echo "$SYSTEMD_DEVICE_VERIFY_SYSFS"')"
check_eq "exit status 3 passes through" "3" "$(x sh -c 'exit 3' >/dev/null; echo $?)"
check_eq "a command that does not exist: 127" "127" "$(x /nonexistent/cmd >/dev/null; echo $?)"
check_eq "exec without --socket takes APSIM_SOCKET" "CEX8C" \
	"$(APSIM_SOCKET="$SOCK" "$APSIM" exec -- cat /sys/devices/ap/card03/type 2>&1)"

if command -v udevadm >/dev/null 2>&1; then
	cat >"$T/card03" <<'EOF'
P: /devices/ap/card03
E: DEVPATH=/devices/ap/card03
E: SUBSYSTEM=ap
E: DEVTYPE=ap_card
E: DRIVER=cex4card
E: DEV_TYPE=000E
E: MODALIAS=ap:t0E
E: MODE=cca
EOF
	x udevadm info /sys/bus/ap/devices/card03 >"$T/o"
	check_eq "udevadm info card03: rc 0" "0" "$?"
	check_output "udevadm info card03: P: and E: lines" "$T/card03" grep '^[PE]:' "$T/o"
	check_eq "udevadm info card03: M: card03" "M: card03" "$(grep '^M:' "$T/o")"
	cat >"$T/queue" <<'EOF'
P: /devices/ap/card03/03.0006
E: DEVPATH=/devices/ap/card03/03.0006
E: SUBSYSTEM=ap
E: DEVTYPE=ap_queue
E: DRIVER=cex4queue
E: MODE=cca
EOF
	x udevadm info /sys/bus/ap/devices/03.0006 >"$T/o"
	check_output "udevadm info 03.0006: P: and E: lines" "$T/queue" grep '^[PE]:' "$T/o"
	# why the variable: sd-device checks that /sys is sysfs
	x env -u SYSTEMD_DEVICE_VERIFY_SYSFS udevadm info /sys/bus/ap/devices/card03 >"$T/o"
	check_eq "without the variable udevadm refuses the FUSE tree" \
		'Unknown device "/sys/bus/ap/devices/card03": No such device' "$(cat "$T/o")"
	# udev monitors listen only if udevd runs or /dev is devtmpfs (t0260 sees the events)
	check "/run/udev/control exists, for udev monitors" x test -e /run/udev/control
	check_eq "udevadm settle returns at once" "0" \
		"$(with_timeout 10 "$APSIM" --socket "$SOCK" exec -- udevadm settle -t 5 >/dev/null 2>&1; echo $?)"
else
	skip "udevadm info card03" "udevadm not installed (scripts/install-deps.sh)"
fi

# --- modprobe ---------------------------------------------------------------------------------

release=$(uname -r)
check_eq "modprobe is found through PATH" "/usr/local/sbin/modprobe" \
	"$(x env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin sh -c 'command -v modprobe')"
for m in vfio_ap vfio-ap zcrypt zcrypt_cex4 ap vfio vfio_iommu_type1 vfio-iommu-type1 mdev kvm; do
	check_eq "modprobe $m: loaded (rc 0, silent)" "0:" "$(o=$(x modprobe "$m"); echo "$?:$o")"
done
check_eq "modprobe -r vfio_ap: in use" "1:modprobe: FATAL: Module vfio_ap is in use." \
	"$(o=$(x modprobe -r vfio_ap); echo "$?:$o")"
check_eq "modprobe -r vfio-ap: the module's name" "1:modprobe: FATAL: Module vfio_ap is in use." \
	"$(o=$(x modprobe -r vfio-ap); echo "$?:$o")"
check_eq "modprobe -qr zcrypt: quiet" "1:" "$(o=$(x modprobe -qr zcrypt); echo "$?:$o")"
check_eq "modprobe nosuch-mod: not found" \
	"1:modprobe: FATAL: Module nosuch-mod not found in directory /lib/modules/$release" \
	"$(o=$(x modprobe nosuch-mod); echo "$?:$o")"
check_eq "modprobe -q nosuch: quiet" "1:" "$(o=$(x modprobe -q nosuch); echo "$?:$o")"
check_eq "modprobe -r nosuch" "1:modprobe: FATAL: Module nosuch not found." \
	"$(o=$(x modprobe -r nosuch); echo "$?:$o")"
check_eq "modprobe -a ap mdev kvm" "0:" "$(o=$(x modprobe -a ap mdev kvm); echo "$?:$o")"
check_eq "modprobe -a ap nosuch" \
	"1:modprobe: FATAL: Module nosuch not found in directory /lib/modules/$release" \
	"$(o=$(x modprobe -a ap nosuch); echo "$?:$o")"
check_eq "modprobe -v -n -b vfio_ap with a parameter" "0:" \
	"$(o=$(x modprobe -v -n -b vfio_ap debug=1); echo "$?:$o")"
check_eq "modprobe -C FILE vfio_ap" "0:" "$(o=$(x modprobe -C /etc/none vfio_ap); echo "$?:$o")"
check_eq "modprobe without a module" "1:modprobe: ERROR: missing parameters. See -h." \
	"$(o=$(x modprobe); echo "$?:$o")"
for p in /usr/sbin/modprobe /sbin/modprobe; do
	if [ -e "$p" ]; then
		check_eq "absolute $p is the script" "0:" "$(o=$(x "$p" vfio_ap); echo "$?:$o")"
	else
		skip "absolute $p is the script" "no $p on the host (kmod, scripts/install-deps.sh)"
	fi
done
if [ -x /bin/kmod ]; then
	check_eq "the multi-call /bin/kmod stays kmod" "kmod version" \
		"$(x /bin/kmod --version | head -n 1 | cut -d' ' -f1-2)"
else
	skip "the multi-call /bin/kmod stays kmod" "kmod not installed"
fi
check "the host's modprobe is untouched" sh -c '! grep -qs "apsim exec" /usr/sbin/modprobe'

# --- /dev: the host's entries -------------------------------------------------------------

check_eq "/dev/null is 1:3 and works" "character special file 1:3 ok" \
	"$(x sh -c 'echo x >/dev/null && echo "$(stat -c "%F %Hr:%Lr" /dev/null) ok"')"
check_eq "/dev/zero reads zeros" "00000000" \
	"$(x sh -c 'head -c 4 /dev/zero | od -An -tx1' | tr -d ' \n')"
check_eq "/dev/urandom gives bytes" "16" "$(x sh -c 'head -c 16 /dev/urandom | wc -c')"
check_eq "/dev/stdout is the link to /proc/self/fd/1" "/proc/self/fd/1" \
	"$(x readlink /dev/stdout)"
check_eq "/dev/fd/1 works" "hello" "$(x sh -c 'echo hello >/dev/fd/1')"
check_eq "/dev/pts is the host's devpts" "devpts" "$(x stat -f -c %T /dev/pts)"
if [ -d /dev/shm ]; then
	check "/dev/shm is writable" x sh -c 'echo 1 >/dev/shm/apsim-t0290 && rm /dev/shm/apsim-t0290'
fi
check_eq "/dev itself is a private tmpfs" "tmpfs" "$(x stat -f -c %T /dev)"

# --- /dev: the simulated devices ----------------------------------------------------------

check_eq "the tree has z90crypt" "10:256" "$(cat "$MNT/class/misc/z90crypt/dev")"
check_eq "/dev/z90crypt: char device with the tree's numbers, 0600 root" \
	"character special file 10:256 600 0:0" \
	"$(x stat -c '%F %Hr:%Lr %a %u:%g' /dev/z90crypt)"
check "the host's /dev has no z90crypt from us" sh -c \
	'[ ! -e /dev/z90crypt ] || [ "$(stat -c %Hr:%Lr /dev/z90crypt)" != 10:256 ]'

# created and destroyed by COMMAND: the node follows before the write returns
cat >"$T/nodes.sh" <<'EOF'
echo myzc > /sys/class/zcrypt/create || exit 1
echo "dev $(cat /sys/class/zcrypt/myzc/dev)"
stat -c 'node %F %Hr:%Lr %a' /dev/myzc
echo > /sys/class/zcrypt/create
stat -c 'auto %F %Hr:%Lr' /dev/zcrypt_1
echo myzc > /sys/class/zcrypt/destroy
[ -e /dev/myzc ] && echo "myzc still there" || echo "myzc gone"
echo zcrypt_1 > /sys/class/zcrypt/destroy
[ -e /dev/zcrypt_1 ] && echo "zcrypt_1 still there" || echo "zcrypt_1 gone"
EOF
cat >"$T/nodes.out" <<'EOF'
dev 243:0
node character special file 243:0 600
auto character special file 243:1
myzc gone
zcrypt_1 gone
EOF
check_output "create and destroy inside one exec, no waiting" "$T/nodes.out" x sh "$T/nodes.sh"
check "the host's /dev has no myzc" test ! -e /dev/myzc
check_eq "200 writes in a row, each node there (or gone) at once" "failures 0" \
	"$(x sh -c 'f=0; for i in $(seq 1 100); do
		echo n$i > /sys/class/zcrypt/create; [ -c /dev/n$i ] || f=$((f+1))
		echo n$i > /sys/class/zcrypt/destroy; [ -e /dev/n$i ] && f=$((f+1))
	done; echo failures $f')"
echo zc9 >"$C/create"
check_eq "a node made before exec is in its /dev" "243:0" "$(x stat -c %Hr:%Lr /dev/zc9)"
# from outside (the host's tree) while COMMAND runs
"$APSIM" --socket "$SOCK" exec -- sh -c \
	'i=0; while [ ! -c /dev/outside ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
	 stat -c %Hr:%Lr /dev/outside' >"$T/outside" 2>&1 &
xpid=$!
sleep 0.5
echo outside >"$C/create"
wait $xpid
check_eq "a node created from outside appears in a running exec" "243:1" "$(cat "$T/outside")"
echo zc9 >"$C/destroy"
echo outside >"$C/destroy"

# zcryptctl create, then addap on /dev/NAME, in one namespace
if S390=$(sh "$SRCDIR/scripts/s390-tools.sh" "$BUILD_DIR" 2>/dev/null); then
	check_eq "zcryptctl create + addap + destroy in one exec" \
		"Device node created|Adapter 5 added|Device node 'zx' marked for destruction" \
		"$(x sh -c "'$S390/bin/zcryptctl' create zx && '$S390/bin/zcryptctl' addap zx 5 &&
			'$S390/bin/zcryptctl' destroy zx" | tr '\n' '|' | sed 's/|$//')"
else
	skip "zcryptctl create + addap + destroy in one exec" "s390-tools unavailable"
fi

# --- signals ---------------------------------------------------------------------------------

"$APSIM" --socket "$SOCK" exec -- sleep 60 &
xpid=$!
sleep 0.5
kill -TERM $xpid
wait $xpid
check_eq "SIGTERM reaches COMMAND: 128 + 15" "143" "$?"
"$APSIM" --socket "$SOCK" exec -- sh -c 'trap "exit 9" HUP; sleep 60 & wait' &
xpid=$!
sleep 0.5
kill -HUP $xpid
wait $xpid
check_eq "SIGHUP reaches COMMAND, which exits 9" "9" "$?"

# --- a fake apsimd with malformed events ----------------------------------------------------

FAKE=$T/fake.sock
cat >"$T/fake.py" <<'PYEOF'
import json, os, socket, sys, time
path, mnt, log = sys.argv[1], sys.argv[2], sys.argv[3]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(4)
open(path + ".ready", "w").close()
def line(c, o):
    c.sendall((json.dumps(o) + "\n").encode())
def out(c, text):
    line(c, {"out": text})
def ev(seq, action, env, subsystem="fake"):
    return json.dumps({"seqnum": seq, "action": action, "devpath": "/devices/virtual/fake",
                       "subsystem": subsystem, "env": env}) + "\n"
c, _ = srv.accept()                     # {"op": "info"}
c.makefile().readline()
line(c, {"info": {"mount": mnt}})
line(c, {"rc": 0})
c.close()
c, _ = srv.accept()                     # events --follow, sync
req = json.loads(c.makefile().readline())
with open(log, "w") as f:
    f.write("sync %s json %s\n" % (req.get("sync"), req.get("json")))
line(c, {"seqnum": 100})
c.sendall(b"not json at all\n")
c.sendall(b"[1, 2]\n")
c.sendall(b'{"out": 5}\n')
c.sendall(b'{"out": "' + b"x" * (3 << 20) + b'"}\n')   # a line past the limit
out(c, "garbage\n[]\n{\"seqnum\": \"7\"}\n")
out(c, ev(101, "add", {"DEVNAME": "../evil", "MAJOR": "1", "MINOR": "3"}))
out(c, ev(102, "add", {"DEVNAME": "/abs", "MAJOR": "1", "MINOR": "3"}))
out(c, ev(103, "add", {"DEVNAME": "a//b", "MAJOR": "1", "MINOR": "3"}))
out(c, ev(104, "add", {"DEVNAME": "", "MAJOR": "1", "MINOR": "3"}))
out(c, ev(105, "add", {"DEVNAME": "nul\u0000x", "MAJOR": "1", "MINOR": "3"}))
out(c, ev(106, "add", {"DEVNAME": "badmajor", "MAJOR": "x1", "MINOR": "3"}))
out(c, ev(107, "add", {"DEVNAME": "bigmajor", "MAJOR": "99999", "MINOR": "3"}))
out(c, ev(108, "add", {"DEVNAME": "negminor", "MAJOR": "1", "MINOR": "-3"}))
out(c, ev(109, "add", {"DEVNAME": "badmode", "MAJOR": "1", "MINOR": "3", "DEVMODE": "0999"}))
out(c, ev(110, "add", {"DEVNAME": 5, "MAJOR": "1", "MINOR": "3"}))
out(c, ev(111, 7, {"DEVNAME": "numaction", "MAJOR": "1", "MINOR": "3"}))
out(c, json.dumps({"seqnum": 112, "action": "add", "env": [1]}) + "\n")
out(c, ev(113, "change", {"DEVNAME": "changed", "MAJOR": "1", "MINOR": "3"}))
# a good one, split over two "out" lines, in a subdirectory
good = ev(114, "add", {"DEVNAME": "apsimfake/ok", "MAJOR": "1", "MINOR": "3", "DEVMODE": "0640",
                       "DEVUID": "2", "DEVGID": "3"})
out(c, good[:20])
out(c, good[20:])
f = c.makefile()
acks = []
while not acks or acks[-1] < 114:
    l = f.readline()
    if not l:
        break
    acks.append(json.loads(l)["ack"])
with open(log, "a") as g:
    g.write("acked %s\n" % (acks[-1] if acks else "nothing"))
# the command removes its marker when it saw apsimfake/ok; then the node goes
while os.path.exists(log + ".wait"):
    time.sleep(0.02)
out(c, ev(115, "remove", {"DEVNAME": "apsimfake/ok", "MAJOR": "1", "MINOR": "3"}))
l = f.readline()
with open(log, "a") as g:
    g.write("acked %s\n" % json.loads(l)["ack"])
while os.path.exists(log + ".wait2"):
    time.sleep(0.02)
c.close()                               # the stream ends: exec warns and goes on
PYEOF
with_timeout 60 python3 "$T/fake.py" "$FAKE" "$MNT" "$T/fake.log" 2>"$T/fake.err" &
fpid=$!
touch "$T/fake.log.wait" "$T/fake.log.wait2"
i=0
while [ ! -e "$FAKE.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
cat >"$T/fakecmd.sh" <<EOF
i=0; while [ ! -e /dev/apsimfake/ok ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i+1)); done
stat -c 'ok %F %Hr:%Lr %a %u:%g' /dev/apsimfake/ok
for n in evil ../evil abs a badmajor bigmajor negminor badmode numaction changed nul; do
	[ -e "/dev/\$n" ] && echo "/dev/\$n exists"
done
[ -e /evil ] && echo "/evil exists"
rm "$T/fake.log.wait"
i=0; while [ -e /dev/apsimfake ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i+1)); done
[ -e /dev/apsimfake ] && echo "apsimfake still there" || echo "apsimfake removed with its node"
rm "$T/fake.log.wait2"
sleep 0.5
echo "still running"
exit 4
EOF
with_timeout 60 "$APSIM" --socket "$FAKE" exec -- sh "$T/fakecmd.sh" >"$T/fake.out" 2>"$T/fake.stderr"
check_eq "fake apsimd: exec survives and exits with COMMAND's status" "4" "$?"
wait $fpid
cat >"$T/fake.expected" <<'EOF'
ok character special file 1:3 640 2:3
apsimfake removed with its node
still running
EOF
check "fake apsimd: only the valid event made a node" cmp "$T/fake.expected" "$T/fake.out"
[ -s "$T/fake.err" ] && diag "$(cat "$T/fake.err")"
check_eq "fake apsimd: the request, and the acks up to each event" \
	"sync True json True|acked 114|acked 115" "$(tr '\n' '|' <"$T/fake.log" | sed 's/|$//')"
check_eq "fake apsimd: one warning when the stream ends" \
	"apsim exec: apsimd ended the event stream: /dev is no longer kept current" \
	"$(cat "$T/fake.stderr")"
[ "$(cat "$T/fake.out")" = "$(cat "$T/fake.expected")" ] || diag "$(cat "$T/fake.out")"

done_testing
