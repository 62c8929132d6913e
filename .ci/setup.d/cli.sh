#!/bin/sh
# cli tests: 'quiesce mount/umount/freeze' mount images through FUSE (MountCommandsTest):
# libfuse 2 (jnr-fuse loads libfuse.so.2) and fusermount (from fuse3).
# Idempotent; run as root by .ci/run after apt-get update.
set -eu
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fuse3 libfuse2
