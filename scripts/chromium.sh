#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts/chromium.sh - installs Debian's headless-capable Chromium for
# tests/t/t0360-live-page.sh (apsimd --http). Only when missing; needs root then.
# Prints nothing when it is there; exits 1 with a reason when it cannot install.
set -eu

command -v chromium >/dev/null 2>&1 && exit 0
exec sh "$(dirname "$0")/apt-need.sh" chromium.sh chromium
