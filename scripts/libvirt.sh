#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts/libvirt.sh - installs what tests/t/t0300-libvirt.sh and t0305-libvirt-domain.sh drive:
# Debian 12's libvirt daemon (libvirtd with its node device and QEMU drivers), virsh, mdevctl and
# qemu-system-s390x (in qemu-system-misc on Debian 12), whose capabilities the QEMU driver probes
# for an s390x guest. Only what is missing, without recommends; needs root then.
# Prints nothing when all is there; exits 1 with a reason when it cannot install.
set -eu

exec sh "$(dirname "$0")/apt-need.sh" libvirt.sh libvirt-daemon libvirt-daemon-driver-qemu \
	libvirt-clients mdevctl qemu-system-misc
