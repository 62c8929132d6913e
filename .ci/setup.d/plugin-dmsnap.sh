#!/bin/sh
# plugin-dmsnap benchmarks compare copy-on-write first writes with a qcow2 overlay
# written through qemu-io (Debian package qemu-utils). The tests do not need it.
set -eu
if ! command -v qemu-io >/dev/null 2>&1 || ! command -v qemu-img >/dev/null 2>&1; then
    apt-get install -y --no-install-recommends qemu-utils
fi
