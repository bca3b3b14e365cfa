#!/bin/sh
# SPDX-License-Identifier: MIT
# t0398-install.sh - what `make install DESTDIR=...` (meson install --destdir) puts where:
# the binaries, the library with its pkg-config file, the public headers, the man pages, the
# bash completion and the systemd unit; exactly these files, nothing else (the list with
# the build's prefix and libdir left out). Then that they work from where they are: the
# binaries run, the pages and the completion are the sources, man finds the pages, the unit
# names the installed daemon, and examples/config-watch-driver.c builds with
# `pkg-config --cflags --libs apsim` against the installed headers and library alone and
# prints what it prints in the build.
. "$(dirname "$0")/lib.sh"

need_apsim
command -v meson >/dev/null 2>&1 || skip_all "meson missing"
command -v python3 >/dev/null 2>&1 || skip_all "python3 missing"

meson install -C "$BUILD_DIR" --destdir "$T/root" --no-rebuild --quiet >"$T/install.log" 2>&1
check_eq "meson install --destdir succeeds" "0" "$?"
# the build's options, so that the list reads the same for any --prefix
# shellcheck disable=SC2046 # three words
set -- $(python3 -c "
import json, sys
o = {x['name']: x['value'] for x in json.load(open(sys.argv[1] + '/meson-info/intro-buildoptions.json'))}
print(o['prefix'], o['libdir'], o['b_sanitize'])" "$BUILD_DIR")
prefix=$1
libdir=$2
sanitize=$3
R=$T/root$prefix
(cd "$R" && find . \( -type f -o -type l \) | sed "s#^\./$libdir/#LIBDIR/#; s#^\./##") |
	LC_ALL=C sort >"$T/files"
check_eq "nothing outside the prefix" "" "$(cd "$T/root" && find . ! -type d | grep -v "^\.$prefix/")"
LC_ALL=C sort >"$T/want" <<EOF
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
EOF
# a build without FUSE has no daemon, and so no unit
if [ ! -x "$APSIMD" ]; then
	grep -v -x -e sbin/apsimd -e lib/systemd/system/apsimd.service "$T/want" >"$T/want.nod"
	mv "$T/want.nod" "$T/want"
fi
check "exactly the expected files" diff -u "$T/want" "$T/files"
check_eq "the public headers are those of include/apsim" "" \
	"$(diff -r "$SRCDIR/include/apsim" "$R/include/apsim")"

# --- the binaries ---
check_eq "the installed apsim runs" "$("$APSIM" --version)" "$("$R/bin/apsim" --version 2>&1)"
if [ -x "$APSIMD" ]; then
	check_eq "the installed apsimd runs" "apsimd $("$APSIM" --version | cut -d' ' -f2)" \
		"$("$R/sbin/apsimd" --version 2>&1)"
else
	skip "the installed apsimd runs" "apsimd not built"
fi

# --- man pages, completion ---
for p in man1/apsim.1 man8/apsimd.8 man5/apsim-scenario.5 man5/apsim-machine.5; do
	check "$p is man/${p#*/}" cmp "$SRCDIR/man/${p#*/}" "$R/share/man/$p"
done
if command -v man >/dev/null 2>&1; then
	check_eq "man finds apsim(1) and apsim-scenario(5) in the installed tree" \
		"$R/share/man/man1/apsim.1 $R/share/man/man5/apsim-scenario.5" \
		"$(MANPATH=$R/share/man man -w apsim 2>&1) $(MANPATH=$R/share/man man -w 5 apsim-scenario 2>&1)"
else
	skip "man finds apsim(1) and apsim-scenario(5) in the installed tree" "man missing"
fi
check "the completion is completion/apsim" cmp "$SRCDIR/completion/apsim" \
	"$R/share/bash-completion/completions/apsim"
if command -v bash >/dev/null 2>&1; then
	check_eq "the installed completion completes apsim mdev <TAB>" "create ioctl list remove show" \
		"$(PATH="$R/bin:$PATH" bash -c '. "$1"; COMP_WORDS=(apsim mdev ""); COMP_CWORD=2
			COMP_LINE="apsim mdev "; COMP_POINT=11; _apsim; echo "${COMPREPLY[*]}"' sh \
			"$R/share/bash-completion/completions/apsim")"
else
	skip "the installed completion completes apsim mdev <TAB>" "bash missing"
fi

# --- the systemd unit ---
unit=$R/lib/systemd/system/apsimd.service
if [ -x "$APSIMD" ]; then
	check "the unit starts the installed daemon" grep -q "^ExecStart=$prefix/sbin/apsimd " "$unit"
	check_eq "the unit has no @VARIABLE@ left" "" "$(grep -n '@[A-Z_]*@' "$unit")"
else
	skip "the unit starts the installed daemon" "apsimd not built"
fi

# --- pkg-config and the public headers: a user's program ---
pc=$R/$libdir/pkgconfig/apsim.pc
check "apsim.pc names the library" grep -q -- "-lapsim" "$pc"
check_eq "apsim.pc carries the project's version" "Version: $("$APSIM" --version | cut -d' ' -f2)" \
	"$(grep '^Version:' "$pc")"
if command -v pkg-config >/dev/null 2>&1 && command -v cc >/dev/null 2>&1; then
	# the staged tree as the prefix: what the file gives for its real one
	flags=$(PKG_CONFIG_PATH=$R/$libdir/pkgconfig \
		pkg-config --define-variable=prefix="$R" --cflags --libs apsim 2>"$T/pc.err")
	check_eq "pkg-config --cflags --libs apsim: the prefix's include and lib dirs" \
		"-I$R/include -L$R/$libdir -lapsim|" "$(echo $flags)|$(cat "$T/pc.err")"
	san=
	[ "$sanitize" = none ] || san="-fsanitize=$sanitize"
	# shellcheck disable=SC2086 # the flags are words
	cc -std=c11 $san -o "$T/config-watch-driver" "$SRCDIR/examples/config-watch-driver.c" \
		$flags >"$T/cc.log" 2>&1
	check_eq "config-watch-driver.c builds against the installed headers and library" \
		"0|" "$?|$(cat "$T/cc.log")"
	check_output "it prints what it prints in the build, with the installed library" \
		"$SRCDIR/examples/config-watch-driver.expected" \
		env LD_LIBRARY_PATH="$R/$libdir" "$T/config-watch-driver"
	check_eq "it runs on the installed library" "$R/$libdir/libapsim.so.0" \
		"$(LD_LIBRARY_PATH=$R/$libdir ldd "$T/config-watch-driver" | sed -n 's/.*libapsim\.so\.0 => \([^ ]*\) .*/\1/p')"
else
	skip "a user's program builds with pkg-config" "pkg-config or cc missing"
fi
done_testing
