#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench-fuse.py BUILD [--adapters N] [--domains N] [--s390 DIR] [--json] - the tree through FUSE.

Starts apsimd on an N x N machine (CEX8C adapters, QCI maxima 255/255). It then measures:
  - reading every attribute of the tree through the mount, against reading the same tree
    written by `apsim dump` on tmpfs (/dev/shm); the ratio dump/mount is the figure;
  - the same walk of the mount with 8 reader threads;
  - assign_adapter/unassign_adapter writes per second through the mount;
  - with --s390 DIR (scripts/s390-tools.sh's directory): `lszcrypt -V` wall time with
    SYSFS_ROOT at the mount and at the dump.
Needs root (FUSE). Prints a table, or one JSON object with --json.
"""
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def attributes(root):
    """Every regular file below root, links not followed (as a tree walker does)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        for f in filenames:
            p = os.path.join(dirpath, f)
            if not os.path.islink(p):
                out.append(p)
    return out


def read_all(paths):
    n = 0
    for p in paths:
        try:
            with open(p, "rb", buffering=0) as f:
                n += len(f.read(4096))
        except OSError:
            pass  # write-only attributes and the like: EACCES/EIO as on a real host
    return n


def timed(fn, *args):
    t = time.perf_counter()
    r = fn(*args)
    return time.perf_counter() - t, r


def lszcrypt_s(s390, root):
    """Wall time of `lszcrypt -V` with its sysfs root at root (as the t tests run it)."""
    env = dict(os.environ, SYSFS_ROOT=root)
    t = time.perf_counter()
    p = subprocess.run([os.path.join(s390, "bin", "lszcrypt"), "-V"], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    return dt, p.returncode, len(p.stdout.splitlines())


def machine_json(n_adapters, n_domains):
    return json.dumps({
        "max_adapter_id": 255, "max_domain_id": 255,
        "cards": [{"apid": a, "type": "CEX8C"} for a in range(n_adapters)],
        "lpar": {"adapters": f"0-{n_adapters - 1}", "domains": f"0-{n_domains - 1}"},
    })


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    build = args[0]
    n_a = int(args[args.index("--adapters") + 1]) if "--adapters" in args else 256
    n_d = int(args[args.index("--domains") + 1]) if "--domains" in args else 256
    s390 = args[args.index("--s390") + 1] if "--s390" in args else None
    apsim = os.path.join(build, "cli", "apsim")
    apsimd = os.path.join(build, "daemon", "apsimd")
    tmp = tempfile.mkdtemp(prefix="apsim-bench-fuse.")
    shm = tempfile.mkdtemp(prefix="apsim-bench-dump.", dir="/dev/shm")
    mnt, sock = os.path.join(tmp, "mnt"), os.path.join(tmp, "control.sock")
    os.mkdir(mnt)
    with open(os.path.join(tmp, "machine.json"), "w") as f:
        f.write(machine_json(n_a, n_d))
    d = subprocess.Popen([apsimd, "--mount", mnt, "--socket", sock, "--foreground",
                          "--no-netlink", "--machine", os.path.join(tmp, "machine.json")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if os.path.ismount(mnt) and os.path.exists(sock):
                break
            time.sleep(0.05)
        else:
            raise SystemExit("bench-fuse: apsimd did not come up")
        remote = [apsim, "--socket", sock]
        subprocess.run(remote + ["dump", os.path.join(shm, "sys")], check=True)
        t_list_mnt, mnt_paths = timed(attributes, mnt)
        t_list_dump, dump_paths = timed(attributes, os.path.join(shm, "sys"))
        t_mnt, bytes_mnt = timed(read_all, mnt_paths)
        t_dump, bytes_dump = timed(read_all, dump_paths)
        chunks = [mnt_paths[i::8] for i in range(8)]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            t_par, _ = timed(lambda: sum(pool.map(read_all, chunks)))
        # writes through the mount: one mdev, adapter 0 assigned and unassigned
        uuid = "11111111-1111-4111-8111-111111111111"
        subprocess.run(remote + ["write", "bus/ap/apmask", "-0"], check=True)
        subprocess.run(remote + ["mdev", "create", uuid], check=True, stdout=subprocess.DEVNULL)
        mdir = os.path.join(mnt, "devices/vfio_ap/matrix", uuid)
        writes = 2000
        t0 = time.perf_counter()
        for i in range(writes // 2):
            for attr in ("assign_adapter", "unassign_adapter"):
                fd = os.open(os.path.join(mdir, attr), os.O_WRONLY)
                os.write(fd, b"0")
                os.close(fd)
        t_w = time.perf_counter() - t0
        lsz = {}
        if s390:
            for name, root in (("mount", mnt), ("dump", os.path.join(shm, "sys"))):
                dt, rc, lines = lszcrypt_s(s390, root)
                lsz[name] = {"s": round(dt, 3), "rc": rc, "lines": lines}
        res = {
            "adapters": n_a, "domains": n_d, "attributes": len(mnt_paths),
            "walk_mount_s": round(t_list_mnt, 3), "walk_dump_s": round(t_list_dump, 3),
            "read_mount_s": round(t_mnt, 3), "read_dump_s": round(t_dump, 3),
            "read_ratio_dump_over_mount": round(t_dump / t_mnt, 3),
            "read_mount_8_threads_s": round(t_par, 3),
            "bytes_mount": bytes_mnt, "bytes_dump": bytes_dump,
            "writes_per_s": round(writes / t_w),
        }
        if lsz:
            res["lszcrypt_V"] = lsz
    finally:
        d.terminate()
        d.wait()
        subprocess.run(["umount", "-l", mnt], stderr=subprocess.DEVNULL)
        shutil.rmtree(shm, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    if "--json" in args:
        print(json.dumps(res))
        return 0
    print(f"{n_a}x{n_d}: {res['attributes']} attribute files")
    print(f"  read all, mount:  {res['read_mount_s']} s ({res['bytes_mount']} bytes)")
    print(f"  read all, dump:   {res['read_dump_s']} s on tmpfs ({res['bytes_dump']} bytes)")
    print(f"  ratio dump/mount: {res['read_ratio_dump_over_mount']} (goal >= 0.5)")
    print(f"  mount, 8 threads: {res['read_mount_8_threads_s']} s")
    print(f"  walk (readdir+lstat): mount {res['walk_mount_s']} s, dump {res['walk_dump_s']} s")
    print(f"  assign/unassign writes through the mount: {res['writes_per_s']}/s")
    for name, v in res.get("lszcrypt_V", {}).items():
        print(f"  lszcrypt -V, {name}: {v['s']} s ({v['lines']} lines, rc {v['rc']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
