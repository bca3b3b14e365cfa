#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts/chromium.sh - installs Debian's headless-capable Chromium for
# tests/t/t0360-live-page.sh (apsimd --http). Only when missing; needs root then.
# Prints nothing when it is there; exits 1 with a reason when it cannot install.
set -eu

command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "chromium.sh: chromium is missing (run as root to install it)" >&2
	exit 1
fi
echo "chromium.sh: installing chromium" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium >/dev/null
