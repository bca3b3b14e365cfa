#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts/apt-need.sh WHO PACKAGE... - installs those of the Debian PACKAGEs that are not
# installed, without recommends; the one place the project's scripts install packages from.
# Prints nothing when all are there; needs root otherwise, and exits 1 with a reason (WHO:
# first) when it is not root or apt-get fails.
set -eu

who=$1
shift
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
need=""
for p in "$@"; do
	have_pkg "$p" || need="$need $p"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "$who: missing Debian packages:$need (run as root, or install them)" >&2
	exit 1
fi
echo "$who: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "$who: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null ||
	{ echo "$who: apt-get install$need failed" >&2; exit 1; }
