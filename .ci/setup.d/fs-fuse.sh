#!/bin/sh
# fs-fuse tests: libfuse 2 (jnr-fuse loads libfuse.so.2), fusermount (from fuse3),
# fio for the verify run through the mount. fsfreeze (util-linux) is in the base image.
# Idempotent; run as root by .ci/run after apt-get update.
set -eu
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fuse3 libfuse2 fio
