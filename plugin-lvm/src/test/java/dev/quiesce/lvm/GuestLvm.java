package dev.quiesce.lvm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test fixture for the classes that run inside the qemu guest ({@code *GuestTest}): one
 * volume group per test class on its own scratch disks, so that the classes can run at
 * the same time without seeing each other's volumes, and logical volumes made for one
 * test. GuestRunnerTest gives the guest the eight disks named here.
 */
final class GuestLvm {
    static final GuestLvm THICK = new GuestLvm("qsthick", List.of("/dev/vda"));
    static final GuestLvm THIN = new GuestLvm("qsthin", List.of("/dev/vdb"));
    static final GuestLvm SPLIT = new GuestLvm("qssplit", List.of("/dev/vdc", "/dev/vdd"));
    static final GuestLvm END_TO_END = new GuestLvm("qse2e", List.of("/dev/vde", "/dev/vdf"));
    static final GuestLvm DUSK = new GuestLvm("qsdusk", List.of("/dev/vdg", "/dev/vdh"));
    /** How many scratch disks the guest needs. */
    static final int DISKS = 8;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String vg;
    private final List<String> disks;
    private boolean ready;
    private boolean pool;

    private GuestLvm(String vg, List<String> disks) {
        this.vg = vg;
        this.disks = disks;
    }

    static GuestLvm of(LvmTechnique technique) {
        return switch (technique) {
            case THICK -> THICK;
            case THIN -> THIN;
            case SPLIT_MIRROR -> SPLIT;
        };
    }

    /** Skips the calling test unless it runs inside the guest GuestRunnerTest boots. */
    static void assumeInGuest() {
        assumeTrue(Boolean.getBoolean("quiesce.in.guest"),
                "runs only inside the qemu guest that GuestRunnerTest boots (needs a kernel with device-mapper)");
    }

    /** A fresh name for a logical volume. */
    static String uniqueName(String prefix) {
        return prefix + COUNTER.incrementAndGet();
    }

    String vg() {
        return vg;
    }

    /** The volume group on its scratch disks, made on first use. */
    synchronized void ensureVolumeGroup() throws IOException, InterruptedException {
        if (ready) {
            return;
        }
        if (!lvm("vgs", vg).ok()) {
            List<String> pv = new ArrayList<>(List.of("pvcreate", "-q", "-y"));
            pv.addAll(disks);
            check(pv);
            List<String> create = new ArrayList<>(List.of("vgcreate", "-q", vg));
            create.addAll(disks);
            check(create);
        }
        ready = true;
    }

    Path createLinear(String name, String size) throws IOException, InterruptedException {
        ensureVolumeGroup();
        check(List.of("lvcreate", "-q", "-y", "-W", "n", "-L", size, "-n", name, vg));
        return node(name);
    }

    Path createThin(String name, String size) throws IOException, InterruptedException {
        ensureVolumeGroup();
        synchronized (this) {
            // Remembered: asking LVM again for every thin volume costs a command each time.
            if (!pool && !lvm("lvs", vg + "/pool").ok()) {
                check(List.of("lvcreate", "-q", "-y", "-L", "256M", "-T", vg + "/pool"));
            }
            pool = true;
        }
        check(List.of("lvcreate", "-q", "-y", "-V", size, "-T", vg + "/pool", "-n", name));
        return node(name);
    }

    /**
     * A raid1 volume made without the initial sync, then written with zeros end to end
     * through the volume, so both legs hold the same bytes everywhere: the same state a
     * sync would reach, for a small volume in a fraction of the time (waiting for the sync
     * costs an {@code lvs} run every half second under emulation).
     */
    Path createZeroedRaid1(String name, String size) throws IOException, InterruptedException {
        ensureVolumeGroup();
        check(List.of("lvcreate", "-q", "-y", "-W", "n", "--type", "raid1", "-m", "1", "--nosync", "-L", size, "-n", name, vg));
        Path node = node(name);
        try (dev.quiesce.core.device.FileBlockDevice device = dev.quiesce.core.device.FileBlockDevice.open(node, 4096,
                false)) {
            java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocate(256 * 4096);
            for (long block = 0; block < device.blockCount(); block += 256) {
                zeros.clear().limit((int) Math.min(256, device.blockCount() - block) * 4096);
                device.write(block, zeros);
            }
            device.flush();
        }
        return node;
    }

    /** A raid1 volume, waited for until both legs are in sync. */
    Path createRaid1(String name, String size) throws IOException, InterruptedException {
        ensureVolumeGroup();
        check(List.of("lvcreate", "-q", "-y", "-W", "n", "--type", "raid1", "-m", "1", "-L", size, "-n", name, vg));
        long end = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < end) {
            Thread.sleep(500);
            String copy = check(List.of("lvs", "--noheadings", "-o", "copy_percent", vg + "/" + name)).strip();
            if (copy.startsWith("100")) {
                return node(name);
            }
        }
        throw new IOException("raid1 " + vg + "/" + name + " did not sync within 120 s");
    }

    void remove(String name) throws IOException, InterruptedException {
        lvm("lvremove", "-q", "-y", "-f", vg + "/" + name);
    }

    /** Bytes of the volume group allocated to volumes. */
    long allocatedBytes() throws IOException, InterruptedException {
        String[] sizes = check(List.of("vgs", "--noheadings", "--units", "b", "--nosuffix", "-o", "vg_size,vg_free",
                vg)).strip().split("\\s+");
        return Long.parseLong(sizes[0]) - Long.parseLong(sizes[1]);
    }

    /** The device node LVM made (without udev only the /dev/mapper nodes are certain). */
    Path node(String name) {
        return Path.of("/dev/mapper", vg.replace("-", "--") + "-" + name.replace("-", "--"));
    }

    static Commands.Result lvm(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("lvm"));
        command.addAll(List.of(args));
        return Commands.runWithin(120, command.toArray(String[]::new));
    }

    static String check(List<String> args) throws IOException, InterruptedException {
        Commands.Result result = lvm(args.toArray(String[]::new));
        if (!result.ok()) {
            throw new IOException("lvm " + String.join(" ", args) + " exited " + result.exit() + ": " + result.output());
        }
        return result.output();
    }
}
