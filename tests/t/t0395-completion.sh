#!/bin/sh
# SPDX-License-Identifier: MIT
# t0395-completion.sh - bash completion for apsim (completion/apsim), driven the way bash
# drives it: COMP_WORDS split at blanks and at COMP_WORDBREAKS' = and : (bash gives
# `--color=al` as `--color` `=` `al`), COMP_CWORD, COMP_LINE, COMP_POINT, the _apsim
# function, then the exact COMPREPLY and the compopt options it asked for. Commands word by
# word from the table, global and command options, argument values from the args of the
# table, live values from a running apsimd named by --socket (mdev UUIDs, guest names,
# adapter ids, APQNs, paths of the host's and a guest's tree) and from the fresh simulator
# without it. Last, real readline in a pty: what the line reads after a TAB.
. "$(dirname "$0")/lib.sh"

need_apsimd
command -v bash >/dev/null 2>&1 || skip_all "bash missing"
command -v python3 >/dev/null 2>&1 || skip_all "python3 missing"

# comp LINE: what completing the end of LINE offers, one line: the COMPREPLY words, then
# "| OPTION..." if compopt was asked for any
cat >"$T/comp.bash" <<'EOF'
. "$1/completion/apsim"
compopt() { case " $_opts " in *" $* "*) ;; *) _opts="$_opts $*" ;; esac; }
line=$2
COMP_WORDS=()
for tok in $line; do
	while [[ $tok =~ ^([^=:]*)([=:]+)(.*)$ ]]; do
		[ -n "${BASH_REMATCH[1]}" ] && COMP_WORDS+=("${BASH_REMATCH[1]}")
		COMP_WORDS+=("${BASH_REMATCH[2]}")
		tok=${BASH_REMATCH[3]}
	done
	[ -n "$tok" ] && COMP_WORDS+=("$tok")
done
case "$line" in *" ") COMP_WORDS+=("") ;; esac
COMP_LINE=$line
COMP_POINT=${#line}
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_opts=
_apsim
echo "${COMPREPLY[*]}${_opts:+ |$_opts}"
EOF
comp() {
	PATH="$BUILD_DIR/cli:$PATH" bash "$T/comp.bash" "$SRCDIR" "$1"
}

# --- commands, word by word ---------------------------------------------------------------
want=$({ "$APSIM" help --list | cut -d' ' -f1; echo exec; } | LC_ALL=C sort -u | tr '\n' ' ')
check_eq "apsim <TAB>: the first words of the table, and exec" "${want% }" \
	"$(comp 'apsim ' | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ' | sed 's/^ //; s/ $//')"
check_eq "apsim mdev <TAB>" "create ioctl list remove show" "$(comp 'apsim mdev ')"
check_eq "apsim machine card <TAB>" "add checkstop config remove" "$(comp 'apsim machine card ')"
check_eq "apsim ma<TAB>" "machine matrix" "$(comp 'apsim ma')"
check_eq "apsim expect ev<TAB>" "event events-count" "$(comp 'apsim expect ev')"
check_eq "apsim events <TAB>: the longer command's word" "mark" "$(comp 'apsim events ')"
check_eq "apsim events --<TAB>: the command's options" "--json --since-mark" "$(comp 'apsim events --')"
check_eq "apsim --json --check-invariants mdev l<TAB>: after global options" "list" \
	"$(comp 'apsim --json --check-invariants mdev l')"
check_eq "apsim help mdev <TAB>: help names commands" "create ioctl list remove show" \
	"$(comp 'apsim help mdev ')"
check_eq "apsim expect fail EINVAL machine card checkstop 3 <TAB>: the command of expect fail" \
	"on off" "$(comp 'apsim expect fail EINVAL machine card checkstop 3 ')"

# --- global options -------------------------------------------------------------------------
want=$("$APSIM" --help | sed -n '/^Options:/,/^$/p' | grep -o -E -e '(^| )--?[a-z][-a-z]*' |
	tr -d ' ' | grep -- '^--' | LC_ALL=C sort | tr '\n' ' ')
check_eq "apsim --<TAB>: the options of apsim --help" "${want% }" "$(comp 'apsim --')"
check_eq "apsim --po<TAB>" "--policy" "$(comp 'apsim --po')"
check_eq "apsim --policy <TAB>" "kernel legacy coalesced" "$(comp 'apsim --policy ')"
check_eq "apsim --policy=co<TAB>: only the part after = (bash's word)" "coalesced" \
	"$(comp 'apsim --policy=co')"
check_eq "apsim --quirks <TAB>" "mainline" "$(comp 'apsim --quirks ')"
mkdir "$T/files" && touch "$T/files/lab.json" "$T/files/lab.scn" "$T/files/other"
check_eq "apsim --machine $T/files/la<TAB>: files" "$T/files/lab.json $T/files/lab.scn | -o filenames" \
	"$(comp "apsim --machine $T/files/la")"
check_eq "apsim --machine e<TAB>: empty" "empty | -o filenames" "$(cd "$T/files" && comp 'apsim --machine e')"

# --- command options and arguments from the table -------------------------------------------
check_eq "apsim matrix --<TAB>" "--color= --guest --html --json --svg | -o nospace" "$(comp 'apsim matrix --')"
check_eq "apsim matrix --c<TAB>: --color= and no space after it" "--color= | -o nospace" \
	"$(comp 'apsim matrix --c')"
check_eq "apsim matrix --j<TAB>" "--json" "$(comp 'apsim matrix --j')"
check_eq "apsim matrix --color=<TAB>" "auto always never" "$(comp 'apsim matrix --color=')"
check_eq "apsim matrix --color=al<TAB>" "always" "$(comp 'apsim matrix --color=al')"
check_eq "apsim matrix --json --<TAB>: no option twice" "--color= --guest --html --svg | -o nospace" \
	"$(comp 'apsim matrix --json --')"
check_eq "apsim matrix --svg $T/files/o<TAB>: a file" "$T/files/other | -o filenames" \
	"$(comp "apsim matrix --svg $T/files/o")"
check_eq "apsim machine card add <TAB>: a new adapter id, no value" "" "$(comp 'apsim machine card add ')"
check_eq "apsim machine card add 4 <TAB>: the card types" \
	"CEX4A CEX4C CEX4P CEX5A CEX5C CEX5P CEX6A CEX6C CEX6P CEX7A CEX7C CEX7P CEX8A CEX8C CEX8P" \
	"$(comp 'apsim machine card add 4 ')"
check_eq "apsim machine card add 4 CEX8C --<TAB>" "--depth --functions --ml --raw-type --serial" \
	"$(comp 'apsim machine card add 4 CEX8C --')"
check_eq "apsim machine card add 4 CEX8C --depth <TAB>: a number, no value" "" \
	"$(comp 'apsim machine card add 4 CEX8C --depth ')"
check_eq "apsim machine card checkstop 3 <TAB>" "on off" "$(comp 'apsim machine card checkstop 3 ')"
check_eq "apsim machine lpar add <TAB>" "adapter domain control-domain" "$(comp 'apsim machine lpar add ')"
check_eq "apsim machine fault after-qci <TAB>" "checkstop deconfigure" "$(comp 'apsim machine fault after-qci ')"
check_eq "apsim machine flags APSC,Q<TAB>: a flag list" "APSC,QACT" "$(comp 'apsim machine flags APSC,Q')"
check_eq "apsim mdev ioctl UUID <TAB>: the ioctls" "get-info get-irq-info set-irqs reset" \
	"$(comp 'apsim mdev ioctl 11111111-1111-4111-8111-111111111111 ')"
check_eq "apsim expect event <TAB>: the actions" "add remove change bind unbind" "$(comp 'apsim expect event ')"
check_eq "apsim expect call w <TAB>: the callbacks" "on_config_changed on_scan_complete" \
	"$(comp 'apsim expect call w ')"
check_eq "apsim run $T/files/lab.s<TAB>" "$T/files/lab.scn | -o filenames" "$(comp "apsim run $T/files/lab.s")"
check_eq "apsim run a.scn $T/files/lab.s<TAB>: FILE... repeats" "$T/files/lab.scn | -o filenames" \
	"$(comp "apsim run a.scn $T/files/lab.s")"
check_eq "apsim exec --<TAB>" "-- --guest --host-net" "$(comp 'apsim exec --')"
check_eq "apsim exec -- apsi<TAB>: a program" "apsim" "$(comp 'apsim exec -- apsi')"

# --- values of the fresh simulator (no --socket) --------------------------------------------
check_eq "apsim machine card remove <TAB>: the built-in machine's adapters" "3 5 10 11 16" \
	"$(comp 'apsim machine card remove ')"
check_eq "apsim --machine empty machine card remove <TAB>: the line's machine" "" \
	"$(comp 'apsim --machine empty machine card remove ')"
check_eq "apsim read devices/ap/card03/03.0006/on<TAB>: a path" "devices/ap/card03/03.0006/online" \
	"$(comp 'apsim read devices/ap/card03/03.0006/on')"
check_eq "apsim ls bus/ap/dev<TAB>: a directory, no space after it" "bus/ap/devices/ | -o nospace" \
	"$(comp 'apsim ls bus/ap/dev')"
check_eq "apsim read bus/ap/devices/card0<TAB>: links end in /" \
	"bus/ap/devices/card03/ bus/ap/devices/card05/ bus/ap/devices/card0a/ bus/ap/devices/card0b/ | -o nospace" \
	"$(comp 'apsim read bus/ap/devices/card0')"
check_eq "apsim ls /sys/bus/ap/drivers/v<TAB>: the /sys form" "/sys/bus/ap/drivers/vfio_ap/ | -o nospace" \
	"$(comp 'apsim ls /sys/bus/ap/drivers/v')"
check_eq "without --socket no mdevs" "" "$(comp 'apsim mdev remove ')"
check_eq "without --socket no guests" "" "$(comp 'apsim guest stop ')"

# --- live values from the daemon ------------------------------------------------------------
start_apsimd --no-netlink || bail_out "apsimd did not start"
U1=11111111-1111-4111-8111-111111111111
U2=22222222-2222-4222-8222-222222222222
apsim_remote write bus/ap/apmask -3 >/dev/null
apsim_remote write bus/ap/aqmask -6 >/dev/null
apsim_remote mdev create $U1 >/dev/null
apsim_remote mdev create $U2 >/dev/null
apsim_remote write "devices/vfio_ap/matrix/$U1/assign_adapter" 3 >/dev/null
apsim_remote write "devices/vfio_ap/matrix/$U1/assign_domain" 6 >/dev/null
apsim_remote guest start web $U1 >/dev/null
apsim_remote machine card add 7 CEX8C >/dev/null
check_eq "apsim --socket S mdev remove <TAB>: the daemon's mdevs, newest first" "$U2 $U1" \
	"$(comp "apsim --socket $SOCK mdev remove ")"
check_eq "apsim --socket=S mdev remove 1<TAB>: --socket=PATH, split at = by bash" "$U1" \
	"$(comp "apsim --socket=$SOCK mdev remove 1")"
check_eq "apsim --socket S guest start db <TAB>: the UUID" "$U2 $U1" \
	"$(comp "apsim --socket $SOCK guest start db ")"
check_eq "apsim --socket S guest start <TAB>: a new name, no value" "" \
	"$(comp "apsim --socket $SOCK guest start ")"
check_eq "apsim --socket S guest stop <TAB>: the daemon's guests" "web" \
	"$(comp "apsim --socket $SOCK guest stop ")"
check_eq "apsim --socket S matrix --guest <TAB>" "web" "$(comp "apsim --socket $SOCK matrix --guest ")"
check_eq "apsim --socket S matrix --guest=<TAB>" "web" "$(comp "apsim --socket $SOCK matrix --guest=")"
check_eq "apsim --socket S exec --guest <TAB>" "web" "$(comp "apsim --socket $SOCK exec --guest ")"
check_eq "apsim --socket S expect apcb-updates <TAB>" "web" "$(comp "apsim --socket $SOCK expect apcb-updates ")"
check_eq "apsim --socket S machine card remove <TAB>: the daemon's adapters, 7 added" "3 5 7 10 11 16" \
	"$(comp "apsim --socket $SOCK machine card remove ")"
want=$(apsim_remote ls bus/ap/devices | sed -n 's/^\(..\.....\)@$/\1/p' | tr '\n' ' ')
check_eq "apsim --socket S machine queue inject <TAB>: the daemon's APQNs" "${want% }" \
	"$(comp "apsim --socket $SOCK machine queue inject ")"
check_eq "apsim --socket S read devices/vfio_ap/matrix/2<TAB>: the daemon's tree" \
	"devices/vfio_ap/matrix/$U2/ | -o nospace" "$(comp "apsim --socket $SOCK read devices/vfio_ap/matrix/2")"
check_eq "apsim --socket S guest ls web bus/ap/devices/<TAB>: the guest's own tree" \
	"bus/ap/devices/card03/ bus/ap/devices/03.0006/ | -o nospace" \
	"$(comp "apsim --socket $SOCK guest ls web bus/ap/devices/")"
check "the script registers itself for apsim" bash -c ". '$SRCDIR/completion/apsim'; complete -p apsim | grep -q '_apsim apsim'"

# --- real readline: what the line reads after TAB -------------------------------------------
# Types each LINE and a TAB into an interactive bash in a pty, then wraps the edited line in
# quotes (^A, ^E) so that it runs as ": 'LINE'"; fc writes it to a file.
cat >"$T/drive_readline.py" <<'EOF'
import os, pty, select, sys, time
log, lines = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
keys = "set +o history; HISTFILE=/dev/null; . \"$SRCDIR/completion/apsim\"; set -o history\n"
for l in lines:
    keys += l + "\t\x01: '\x05'\nfc -ln -1 >>'" + log + "'\n"
keys += "exit\n"
os.write(fd, keys.encode())
end = time.time() + 120
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            if not os.read(fd, 65536):
                break
        except OSError:
            break
    elif os.waitpid(pid, os.WNOHANG)[0] == pid:
        break
EOF
printf 'set enable-bracketed-paste off\nset bell-style none\n' >"$T/inputrc"
INPUTRC=$T/inputrc TERM=dumb PS1='$ ' PATH="$BUILD_DIR/cli:$PATH" \
	timeout -k 5 150 python3 "$T/drive_readline.py" "$T/lines" \
	"apsim --socket $SOCK mdev remove 2" \
	"apsim matrix --color=al" \
	"apsim matrix --c" \
	"apsim --policy=le" \
	"apsim ls bus/ap/dev" >/dev/null 2>&1
sed 's/^[[:space:]]*//' "$T/lines" 2>/dev/null >"$T/lines.got"
cat >"$T/lines.want" <<EOF
: 'apsim --socket $SOCK mdev remove $U2 '
: 'apsim matrix --color=always '
: 'apsim matrix --color='
: 'apsim --policy=legacy '
: 'apsim ls bus/ap/devices/'
EOF
check "readline: each line after TAB (UUID, --opt=value, no space after = and /)" \
	diff -u "$T/lines.want" "$T/lines.got"
done_testing
