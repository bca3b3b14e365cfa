#!/bin/sh
# SPDX-License-Identifier: MIT
# t0398-install.sh - what `make install DESTDIR=...` (meson install --destdir) puts where:
# the binaries, the library with its pkg-config file, the public headers, the man pages, the
# bash completion and the systemd unit; exactly these files, nothing else.
. "$(dirname "$0")/lib.sh"

need_apsim
command -v meson >/dev/null 2>&1 || skip_all "meson missing"

meson install -C "$BUILD_DIR" --destdir "$T/root" --no-rebuild --quiet >"$T/install.log" 2>&1
check_eq "meson install --destdir succeeds" "0" "$?"
# the build's prefix and libdir, so that the list reads the same for any --prefix
set -- $(python3 -c "
import json, sys
o = {x['name']: x['value'] for x in json.load(open(sys.argv[1] + '/meson-info/intro-buildoptions.json'))}
print(o['prefix'], o['libdir'])" "$BUILD_DIR")
prefix=$1
libdir=$2
(cd "$T/root$prefix" && find . \( -type f -o -type l \) | sort | sed "s#^\./$libdir/#LIBDIR/#; s#^\./##") >"$T/files"
cat >"$T/want" <<EOF2
LIBDIR/libapsim.so
LIBDIR/libapsim.so.0
LIBDIR/libapsim.so.0.1.0
LIBDIR/pkgconfig/apsim.pc
bin/apsim
include/apsim/apsim.h
include/apsim/bus.h
include/apsim/clock.h
include/apsim/export.h
include/apsim/log.h
include/apsim/machine.h
include/apsim/mask.h
include/apsim/script.h
include/apsim/sim.h
include/apsim/sysfs.h
include/apsim/uevent.h
lib/systemd/system/apsimd.service
sbin/apsimd
share/bash-completion/completions/apsim
share/man/man1/apsim.1
share/man/man5/apsim-machine.5
share/man/man5/apsim-scenario.5
share/man/man8/apsimd.8
EOF2
LC_ALL=C sort -o "$T/files" "$T/files"
LC_ALL=C sort -o "$T/want" "$T/want"
check "exactly the expected files" diff -u "$T/want" "$T/files"
check "the unit starts the installed daemon" grep -q "^ExecStart=$prefix/sbin/apsimd " "$T/root$prefix/lib/systemd/system/apsimd.service"
check "pkg-config names the library" grep -q -- "-lapsim" "$T/root$prefix/$libdir/pkgconfig/apsim.pc"
done_testing
