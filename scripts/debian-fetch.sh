#!/bin/sh
# SPDX-License-Identifier: MIT
#
# debian-fetch.sh CACHE_DIR SUITE PKG[:ARCH]... - downloads Debian packages of any suite the
# archive serves (bookworm, trixie, ...) and any architecture, without touching the machine's
# own apt configuration: a private apt state (sources, lists, cache) lives in
# CACHE_DIR/apt-SUITE/, the .debs in CACHE_DIR/SUITE/. Prints the path of each downloaded .deb, one a line, in argument order.
#
#   sh scripts/debian-fetch.sh build/debs trixie s390-tools:s390x libc6-s390x-cross:all
#
# The archive's address is taken from the machine's apt sources (deb822 or one-line format),
# never written here. Idempotent: a .deb already in CACHE_DIR is not downloaded again, and the
# package lists are refreshed at most once a day. Exit 1 with a message on stderr on failure.
set -eu

cache=${1:?usage: debian-fetch.sh CACHE_DIR SUITE PKG[:ARCH]...}
suite=${2:?usage: debian-fetch.sh CACHE_DIR SUITE PKG[:ARCH]...}
shift 2
[ $# -gt 0 ] || { echo "debian-fetch: no package named" >&2; exit 1; }

die() {
	echo "debian-fetch: $*" >&2
	exit 1
}

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
apt="$cache/apt-$suite"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"

# The machine's Debian mirror: the first URI of a deb822 .sources file, else of sources.list.
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
	awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\// && $i !~ /security/) { print $i; exit } }')
fi
[ -n "$mirror" ] || die "no Debian mirror found in the machine's apt sources"

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "$keyring missing (apt-get install debian-archive-keyring)"
echo "deb [arch=amd64,s390x signed-by=$keyring] $mirror $suite main" >"$apt/sources.list"

opts="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/nonexistent
 -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache -o Dir::State::status=/dev/null
 -o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Architectures::=s390x
 -o Debug::NoLocking=1 -o APT::Sandbox::User=root"

stamp="$apt/lists/.updated"
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
	# shellcheck disable=SC2086
	apt-get $opts -qq update >"$apt/update.log" 2>&1 || {
		cat "$apt/update.log" >&2
		die "apt-get update for $suite failed"
	}
	touch "$stamp"
fi

debs="$cache/$suite"
mkdir -p "$debs"
for spec in "$@"; do
	name=${spec%%:*}
	found=$(ls "$debs/${name}_"*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$found" ]; then
		# shellcheck disable=SC2086
		(cd "$debs" && apt-get $opts -q download "$spec") >"$apt/download.log" 2>&1 || {
			cat "$apt/download.log" >&2
			die "apt-get download $spec ($suite) failed"
		}
		found=$(ls "$debs/${name}_"*.deb 2>/dev/null | head -n 1 || true)
		[ -n "$found" ] || die "no .deb for $spec after download"
	fi
	echo "$found"
done
