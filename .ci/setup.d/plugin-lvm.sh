#!/bin/bash
# Prepares what plugin-lvm's tests need (run as root by .ci/run after apt-get update).
# Idempotent: a second run only checks; the guest kernel and initramfs are cached in
# $QUIESCE_GUEST_DIR (default /var/cache/quiesce-lvm-guest) and rebuilt only when the
# kernel version Debian currently ships changes or a piece is missing.
#
# Host side: util-linux (fsfreeze, losetup), mkfs for ext4/xfs/btrfs, GNU time (the guest
# harness reports qemu's CPU time with it).
# Guest side (see shared/reference/real-lvm-in-a-vm.md): qemu (TCG), busybox-static for
# the initramfs, lvm2 + thin-provisioning-tools (run in the guest from the host root
# shared over 9p), Debian's kernel unpacked with its modules resolved by depmod.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

GUEST_DIR=${QUIESCE_GUEST_DIR:-/var/cache/quiesce-lvm-guest}

# Modules the guest needs, loaded in dependency order from the initramfs.
GUEST_MODULES="virtio_pci virtio_blk 9p 9pnet_virtio loop ext4 xfs dm-mod dm-snapshot
dm-thin-pool dm-mirror dm-raid raid1 dm-bufio"

log() { echo "plugin-lvm setup: $*"; }

apt-get install -y -q --no-install-recommends \
    util-linux e2fsprogs xfsprogs btrfs-progs \
    qemu-system-x86 busybox-static lvm2 thin-provisioning-tools \
    kmod cpio xz-utils fuse2fs time >/dev/null
log "packages present"

kernel_package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kernel_package" ]; then
    echo "plugin-lvm setup: cannot find the kernel package behind linux-image-amd64" >&2
    exit 1
fi
kver=${kernel_package#linux-image-}

if [ -f "$GUEST_DIR/READY" ] && [ "$(cat "$GUEST_DIR/READY")" = "$kver" ] \
        && [ -f "$GUEST_DIR/vmlinux" ] && [ -f "$GUEST_DIR/initramfs.cpio.gz" ]; then
    log "guest kernel $kver already prepared in $GUEST_DIR"
    exit 0
fi

log "preparing guest kernel $kver in $GUEST_DIR"
rm -rf "$GUEST_DIR"
mkdir -p "$GUEST_DIR"
work=$(mktemp -d /var/tmp/quiesce-guest-build.XXXXXX)
trap 'rm -rf "$work"' EXIT

(cd "$work" && apt-get download -q "$kernel_package" >/dev/null)
dpkg-deb -x "$work"/"$kernel_package"_*.deb "$work/tree"
depmod -b "$work/tree" "$kver"

# The uncompressed kernel boots through its PVH entry ~3.7 s faster than bzImage via
# SeaBIOS: cut the xz payload out of vmlinuz (what the kernel's extract-vmlinux does).
vmlinuz="$work/tree/boot/vmlinuz-$kver"
offset=$(grep -abo $'\xfd7zXZ\x00' "$vmlinuz" | head -1 | cut -d: -f1)
tail -c +"$((offset + 1))" "$vmlinuz" | xz -dc --single-stream > "$work/vmlinux" 2>/dev/null || true
if [ "$(head -c 4 "$work/vmlinux" | od -An -c | tr -d ' ')" != "177ELF" ]; then
    echo "plugin-lvm setup: could not extract an ELF vmlinux from $vmlinuz" >&2
    exit 1
fi

# The initramfs: busybox, the modules in load order, and the init script.
root="$work/initramfs"
mkdir -p "$root"/{bin,dev,proc,sys,host,modules}
cp /bin/busybox "$root/bin/busybox"
: > "$root/modules.order"
for module in $GUEST_MODULES; do
    modprobe -d "$work/tree" -S "$kver" --show-depends "$module" | awk '$1 == "insmod" {print $2}' |
    while read -r path; do
        name=$(basename "$path")
        if ! grep -qx "$name" "$root/modules.order"; then
            cp "$path" "$root/modules/$name"
            echo "$name" >> "$root/modules.order"
        fi
    done
done
cat > "$root/init" <<'EOF'
#!/bin/busybox sh
# Guest init: mount the host root read-only (9p), the results share writable, chroot
# into the host root and run the script the host harness left in the results share.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do insmod "/modules/$m" || echo "guest init: insmod $m failed"; done < /modules.order
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /host
for d in run tmp dev/shm; do mount -t tmpfs tmpfs "/host/$d" 2>/dev/null || true; done
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -o bind /dev /host/dev
mkdir -p /host/dev/pts /host/dev/shm /host/run/results
mount -t devpts devpts /host/dev/pts
mount -t tmpfs tmpfs /host/dev/shm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /host/run/results
if [ -f /host/run/results/guest-run.sh ]; then
    chroot /host /bin/sh /run/results/guest-run.sh
    echo "guest init: guest-run.sh exited $?"
else
    echo "guest init: no /run/results/guest-run.sh"
fi
sync
poweroff -f
EOF
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 > "$work/initramfs.cpio.gz")

mv "$work/vmlinux" "$GUEST_DIR/vmlinux"
mv "$work/initramfs.cpio.gz" "$GUEST_DIR/initramfs.cpio.gz"
cp "$root/modules.order" "$GUEST_DIR/modules.order"
echo "$kver" > "$GUEST_DIR/READY"
log "guest kernel $kver ready: $(du -sh "$GUEST_DIR" | cut -f1)"
