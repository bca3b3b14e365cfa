#!/bin/sh
# Installs the Debian packages the build and the tests need, only those that are missing.
# Idempotent and quiet when everything is there; needs root (apt-get) otherwise.
set -eu

exec sh "$(dirname "$0")/apt-need.sh" install-deps meson ninja-build pkg-config gcc \
	libcmocka-dev libjansson-dev libfuse3-dev fuse3 qemu-user-static libc6-s390x-cross mdevctl \
	udev kmod iproute2 util-linux python3 clang groff-base
