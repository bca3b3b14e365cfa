#!/bin/sh
# Installs the Debian packages the build and the tests need, only those that are missing.
# Idempotent and quiet when everything is there; needs root (apt-get) otherwise.
set -eu

need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in meson ninja-build pkg-config gcc libcmocka-dev libjansson-dev libfuse3-dev fuse3 \
	 qemu-user-static libc6-s390x-cross mdevctl udev kmod iproute2 util-linux python3 clang \
	 groff-base; do
	have_pkg "$p" || need="$need $p"
done
[ -z "$need" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing Debian packages:$need (run as root, or install them)" >&2
	exit 1
fi
echo "install-deps: installing$need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null
