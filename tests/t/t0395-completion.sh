#!/bin/sh
# SPDX-License-Identifier: MIT
# t0395-completion.sh - bash completion for apsim (completion/apsim), driven the way bash
# drives it (COMP_WORDS, COMP_CWORD, the _apsim function, COMPREPLY): commands word by word
# from the command table, options, and live values (mdev UUIDs, guest names, adapter ids)
# from a running apsimd named by --socket.
. "$(dirname "$0")/lib.sh"

need_apsimd
command -v bash >/dev/null 2>&1 || skip_all "bash missing"

start_apsimd --no-netlink || bail_out "apsimd did not start"
U1=11111111-1111-4111-8111-111111111111
U2=22222222-2222-4222-8222-222222222222
apsim_remote mdev create $U1 >/dev/null
apsim_remote mdev create $U2 >/dev/null
apsim_remote guest start web $U1 >/dev/null

# comp LINE: what completing the last word of LINE offers ("LINE " completes a new word)
comp() {
	PATH="$BUILD_DIR/cli:$PATH" bash -c '
		. "$1/completion/apsim"
		read -ra COMP_WORDS <<<"$2"
		case "$2" in *" ") COMP_WORDS+=("") ;; esac
		COMP_LINE=$2
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_apsim
		echo "${COMPREPLY[*]}"' sh "$SRCDIR" "$1"
}

check_eq "apsim mdev <TAB>" "create ioctl list remove show" "$(comp 'apsim mdev ')"
check_eq "apsim machine card <TAB>" "add checkstop config remove" "$(comp 'apsim machine card ')"
check_eq "apsim ma<TAB>" "machine matrix" "$(comp 'apsim ma')"
check_eq "apsim expect ev<TAB>" "event events-count" "$(comp 'apsim expect ev')"
check_eq "apsim --po<TAB>" "--policy" "$(comp 'apsim --po')"
check_eq "apsim --policy <TAB>" "coalesced kernel legacy" "$(comp 'apsim --policy ' | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "apsim matrix --<TAB>" "--color= --guest --html --json --svg" "$(comp 'apsim matrix --')"
check_eq "apsim --socket S mdev remove <TAB>: the daemon's mdevs" "$U2 $U1" \
	"$(comp "apsim --socket $SOCK mdev remove ")"
check_eq "apsim --socket S guest stop <TAB>: the daemon's guests" "web" \
	"$(comp "apsim --socket $SOCK guest stop ")"
check_eq "apsim --socket S matrix --guest <TAB>" "web" "$(comp "apsim --socket $SOCK matrix --guest ")"
check_eq "apsim --socket S machine card remove <TAB>: the adapters" "3 5 10 11 16" \
	"$(comp "apsim --socket $SOCK machine card remove ")"
check_eq "without --socket no live values" "" "$(comp 'apsim guest stop ')"
check "the script registers itself for apsim" bash -c ". '$SRCDIR/completion/apsim'; complete -p apsim | grep -q '_apsim apsim'"
done_testing
