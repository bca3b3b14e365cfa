#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts/libvirt.sh - installs what tests/t/t0300-libvirt.sh and t0305-libvirt-domain.sh drive:
# Debian 12's libvirt daemon (libvirtd with its node device and QEMU drivers), virsh, mdevctl and
# qemu-system-s390x (in qemu-system-misc on Debian 12), whose capabilities the QEMU driver probes
# for an s390x guest. Only what is missing, without recommends; needs root then.
# Prints nothing when all is there; exits 1 with a reason when it cannot install.
set -eu

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
need=""
for p in libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients mdevctl qemu-system-misc; do
	have_pkg "$p" || need="$need $p"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "libvirt.sh: missing Debian packages:$need (run as root)" >&2
	exit 1
fi
echo "libvirt.sh: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null
