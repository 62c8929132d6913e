#!/usr/bin/env bash
# plugin-filecopy's reflink tests make real btrfs and xfs (reflink=1) filesystems on loop
# devices; ext4 (e2fsprogs) and losetup (util-linux) are in every Debian base image.
set -euo pipefail
missing=()
command -v mkfs.btrfs >/dev/null || missing+=(btrfs-progs)
command -v mkfs.xfs >/dev/null || missing+=(xfsprogs)
command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
