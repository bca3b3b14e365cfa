#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# stress-clients.py MNT SOCKET SECONDS - the clients of t0240-stress.sh, one thread each:
#   2 readers    walk the whole tree, read every attribute, check its kernel format
#   2 togglers   write card/queue online 0/1 through FUSE
#   2 churners   create mdevs, assign adapters/domains (conflicts expected), remove them
#   1 operator   reconfigures the machine through the control socket (LPAR domains, card
#                config, apmask, scans) while the config_time timer rescans too
#   1 guest      starts and stops a guest on its mdev and lists the guest's tree
# plus one `events --follow` stream. Every errno is checked against what the kernel can
# answer there; anything else is reported. Prints a summary, exits 1 on any failure or if a
# client does not finish in time (a deadlock).
import errno
import json
import os
import random
import re
import socket
import sys
import threading
import time

MNT, SOCK, SECONDS = sys.argv[1], sys.argv[2], float(sys.argv[3])
DEADLINE = time.monotonic() + SECONDS
GUEST_MDEV = "66666666-2222-4333-8444-555555555555"

MASK = r"0x[0-9a-f]{64}\n"
NUM = r"\d+\n"
FORMATS = {
    "ap_adapter_mask": MASK, "ap_usage_domain_mask": MASK, "ap_control_domain_mask": MASK,
    "apmask": MASK, "aqmask": MASK,
    "ap_config": r"0x[0-9a-f]{64},0x[0-9a-f]{64},0x[0-9a-f]{64}\n",
    "ap_domain": r"-?\d+\n", "ap_functions": r"0x[0-9A-F]{8}\n",
    "ap_interrupts": r"[01]\n", "online": r"[01]\n", "config": r"[01]\n", "chkstop": r"[01]\n",
    "poll_thread": r"[01]\n", "drivers_autoprobe": r"[01]\n",
    "ap_max_adapter_id": NUM, "ap_max_domain_id": NUM, "available_instances": NUM,
    "config_time": NUM, "depth": NUM, "hwtype": NUM, "raw_hwtype": NUM, "load": NUM,
    "pendingq_count": NUM, "requestq_count": NUM, "scans": NUM, "max_msg_size": NUM,
    "poll_timeout": NUM,
    "bindings": r"\d+/\d+( \(complete\))?\n",
    "control_domains": r"([0-9a-f]{4}\n)*",
    "matrix": r"(([0-9a-f]{2}\.[0-9a-f]{4}|[0-9a-f]{2}\.|\.[0-9a-f]{4})\n)*",
    "guest_matrix": r"(([0-9a-f]{2}\.[0-9a-f]{4}|[0-9a-f]{2}\.|\.[0-9a-f]{4})\n)*",
    "device_api": r"vfio-ap\n", "name": r"VFIO AP Passthrough Device\n",
    "features": r"[A-Za-z0-9_ ]*\n", "modalias": r"ap:t[0-9A-F]{2}\n",
    "request_count": r"(\d+|-)\n", "status": r"(assigned|unassigned|in use)\n",
    "type": r"CEX[4-8][ACP]\n", "uevent": r"([A-Z_]+=[^\n]*\n)*",
    "interrupt": r"[^\n]+\n", "reset": r"[^\n]+\n",
}
FORMATS = {k: re.compile(v) for k, v in FORMATS.items()}
# the same names mean other things under module/*/parameters (charp "(null)") and in iommu groups
PARAM_FORMATS = {k: re.compile(v) for k, v in {
    "apmask": r"\(null\)\n", "aqmask": r"\(null\)\n", "domain": r"-?\d+\n",
    "poll_thread": r"[01]\n", "useirq": r"[01]\n", "msgpool_min_items": NUM,
    "mempool_threshold": NUM}.items()}
GROUP_FORMATS = {k: re.compile(v) for k, v in {
    "name": r"vfio-noiommu\n", "type": r"unknown\n", "reserved_regions": r""}.items()}


def format_of(path, name):
    if "/parameters/" in path:
        return PARAM_FORMATS.get(name)
    if "/kernel/iommu_groups/" in path:
        return GROUP_FORMATS.get(name)
    return FORMATS.get(name)
# reads: vanished (ENOENT, ENOTDIR on a path whose directory went), write-only (EACCES), a
# bus/ap/devices link whose device was gone when os.walk looked and is back now (EISDIR)
READ_OK_ERRNO = {errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.EISDIR}

lock = threading.Lock()
stats = {}
failures = []


def fail(who, msg):
    with lock:
        failures.append("%s: %s" % (who, msg))


def count(who, key, n=1):
    with lock:
        d = stats.setdefault(who, {})
        d[key] = d.get(key, 0) + n


def request(req, timeout=60):
    """One control socket request; returns (rc, out, err)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(SOCK)
    s.sendall((json.dumps(req) + "\n").encode())
    f = s.makefile("r")
    out, err, rc = "", "", None
    for line in f:
        o = json.loads(line)
        out += o.get("out", "")
        err += o.get("err", "")
        if "rc" in o:
            rc = o["rc"]
            break
    s.close()
    return rc, out, err


def cmd(*argv):
    return request({"argv": list(argv)})


def write(path, data):
    """One write() through FUSE; returns 0 or the errno."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    except OSError as e:
        return e.errno
    try:
        os.write(fd, data.encode())
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def reader(who):
    while time.monotonic() < DEADLINE:
        for root, dirs, files in os.walk(MNT):
            for f in files:
                p = os.path.join(root, f)
                try:
                    with open(p, "rb") as fh:
                        v = fh.read()
                except OSError as e:
                    if e.errno in READ_OK_ERRNO or (e.errno == errno.EIO and f == "ap_functions"):
                        count(who, "vanished")
                        continue
                    fail(who, "read %s: %s" % (p, errno.errorcode.get(e.errno, e.errno)))
                    continue
                count(who, "reads")
                rx = format_of(p, f)
                try:
                    s = v.decode()
                except UnicodeDecodeError:
                    fail(who, "%s: not text: %r" % (p, v[:60]))
                    continue
                if rx is not None and not rx.fullmatch(s):
                    fail(who, "%s: not a kernel format: %r" % (p, s[:100]))
            if time.monotonic() >= DEADLINE:
                break


def toggler(who, seed):
    rnd = random.Random(seed)
    while time.monotonic() < DEADLINE:
        card = rnd.choice(["03", "05", "10"])
        path = "%s/devices/ap/card%s" % (MNT, card)
        if rnd.random() < 0.5:
            try:
                qs = [q for q in os.listdir(path) if "." in q]
            except OSError:
                qs = []
            if qs:
                path += "/" + rnd.choice(qs)
        val = rnd.choice("01")
        e = write(path + "/online", val)
        # ENODEV: a card online while deconfigured / checkstopped (spec 2.3); EINVAL: a queue
        # online while its card is offline (zcrypt_queue online_store)
        if e in (0,):
            count(who, "writes")
        elif e in (errno.ENODEV, errno.ENOENT, errno.ENOTDIR):
            count(who, "refused")
        elif e == errno.EINVAL and val == "1" and "." in os.path.basename(path):
            count(who, "refused")
        else:
            fail(who, "write %s/online: %s" % (path, errno.errorcode.get(e, e)))


def churner(who, seed):
    rnd = random.Random(seed)
    create = MNT + "/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create"
    n = 0
    while time.monotonic() < DEADLINE:
        u = "%08x-%04x-4000-8000-%012x" % (seed, n % 0x10000, n)
        n += 1
        e = write(create, u)
        if e:
            fail(who, "create %s: %s" % (u, errno.errorcode.get(e, e)))
            continue
        count(who, "created")
        d = MNT + "/devices/vfio_ap/matrix/" + u
        for _ in range(rnd.randint(1, 4)):
            attr = rnd.choice(["assign_adapter", "assign_domain", "assign_control_domain",
                               "unassign_adapter", "unassign_domain"])
            val = str(rnd.choice([3, 5, 10, 11, 16])) if "adapter" in attr else \
                str(rnd.choice([6, 11, 32]))
            e = write(d + "/" + attr, val)
            # EADDRINUSE: the APQN is another mdev's (spec 6.3); EADDRNOTAVAIL: an APQN that is
            # not bound to vfio_ap, on a mdev attached to a guest (none here, but allowed)
            if e == 0:
                count(who, "assigned")
            elif e in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.ENODEV, errno.EBUSY):
                count(who, "conflicts")
            else:
                fail(who, "%s %s on %s: %s" % (attr, val, u, errno.errorcode.get(e, e)))
        e = write(d + "/remove", "1")
        if e:
            fail(who, "remove %s: %s" % (u, errno.errorcode.get(e, e)))
        else:
            count(who, "removed")


def operator(who, seed):
    rnd = random.Random(seed)
    steps = [
        ("machine", "lpar", "remove", "domain", "0x20"),
        ("machine", "lpar", "add", "domain", "0x20"),
        ("machine", "card", "config", "5", "off"),
        ("machine", "card", "config", "5", "on"),
        ("machine", "lpar", "remove", "adapter", "16"),
        ("machine", "lpar", "add", "adapter", "16"),
        ("write", "bus/ap/apmask", "-3"),
        ("write", "bus/ap/apmask", "+3"),
        ("write", "bus/ap/aqmask", "-32"),
        ("write", "bus/ap/aqmask", "+32"),
        ("scan",),
    ]
    while time.monotonic() < DEADLINE:
        st = rnd.choice(steps)
        rc, out, err = cmd(*st)
        # apmask/aqmask edits may be refused while an mdev uses the APQNs (spec 4.3 EBUSY /
        # EADDRINUSE)
        if rc == 0:
            count(who, "commands")
        elif st[0] == "write" and rc in (-errno.EBUSY, -errno.EADDRINUSE):
            count(who, "refused")
        else:
            fail(who, "%s: rc %s: %s" % (" ".join(st), rc, err.strip()))
        time.sleep(rnd.random() * 0.05)


def guest(who, seed):
    while time.monotonic() < DEADLINE:
        rc, out, err = cmd("guest", "start", "stressg", GUEST_MDEV)
        if rc != 0:
            fail(who, "guest start: rc %s: %s" % (rc, err.strip()))
            time.sleep(0.1)
            continue
        rc, out, err = cmd("guest", "ls", "stressg", "devices/ap")
        if rc != 0:
            fail(who, "guest ls: rc %s: %s" % (rc, err.strip()))
        count(who, "cycles")
        rc, out, err = cmd("guest", "stop", "stressg")
        if rc != 0:
            fail(who, "guest stop: rc %s: %s" % (rc, err.strip()))


def follower(who):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1)
    s.connect(SOCK)
    s.sendall(b'{"argv":["events","--follow"],"json":true}\n')
    buf = b""
    while time.monotonic() < DEADLINE:
        try:
            b = s.recv(65536)
        except socket.timeout:
            continue
        if not b:
            fail(who, "the stream ended early")
            break
        buf += b
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            o = json.loads(line)
            if "rc" in o:
                fail(who, "stream ended: %r" % o)
                return
            for ev in o.get("out", "").splitlines():
                json.loads(ev)
                count(who, "events")
    s.close()


def run(name, fn, *args):
    try:
        fn(name, *args)
    except Exception as e:  # a crash of a client is a failure too
        fail(name, "exception %r" % e)


threads = [
    threading.Thread(target=run, args=("reader1", reader)),
    threading.Thread(target=run, args=("reader2", reader)),
    threading.Thread(target=run, args=("toggler1", toggler, 1)),
    threading.Thread(target=run, args=("toggler2", toggler, 2)),
    threading.Thread(target=run, args=("churner1", churner, 0x1001)),
    threading.Thread(target=run, args=("churner2", churner, 0x1002)),
    threading.Thread(target=run, args=("operator", operator, 7)),
    threading.Thread(target=run, args=("guest", guest, 8)),
    threading.Thread(target=run, args=("follower", follower)),
]
for t in threads:
    t.daemon = True
    t.start()
hung = []
for t in threads:
    t.join(max(1.0, DEADLINE - time.monotonic() + 60))
    if t.is_alive():
        hung.append(t)
for who in sorted(stats):
    print("# %-9s %s" % (who, " ".join("%s=%d" % kv for kv in sorted(stats[who].items()))))
for f in failures[:30]:
    print("# FAIL " + f)
if len(failures) > 30:
    print("# ... %d failures in all" % len(failures))
if hung:
    print("# HUNG: %d clients did not finish within 60 s of the deadline (deadlock?)" % len(hung))
    sys.stdout.flush()
    os._exit(1)
sys.exit(1 if failures else 0)
