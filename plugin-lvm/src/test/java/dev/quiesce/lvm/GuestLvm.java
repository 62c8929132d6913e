package dev.quiesce.lvm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test fixture for the classes that run inside the qemu guest ({@code *GuestTest}): the
 * volume group on the guest's scratch disks, and logical volumes made for one test.
 */
final class GuestLvm {
    static final String VG = "qsvg";
    private static final List<String> DISKS = List.of("/dev/vda", "/dev/vdb");
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static boolean ready;

    private GuestLvm() {
    }

    /** Skips the calling test unless it runs inside the guest GuestRunnerTest boots. */
    static void assumeInGuest() {
        assumeTrue(Boolean.getBoolean("quiesce.in.guest"),
                "runs only inside the qemu guest that GuestRunnerTest boots (needs a kernel with device-mapper)");
    }

    /** The volume group on the scratch disks, made on first use. */
    static synchronized void ensureVolumeGroup() throws IOException, InterruptedException {
        if (ready) {
            return;
        }
        if (!lvm("vgs", VG).ok()) {
            List<String> pv = new ArrayList<>(List.of("pvcreate", "-q", "-y"));
            pv.addAll(DISKS);
            check(pv);
            List<String> vg = new ArrayList<>(List.of("vgcreate", "-q", VG));
            vg.addAll(DISKS);
            check(vg);
        }
        ready = true;
    }

    /** A fresh name for a logical volume. */
    static String uniqueName(String prefix) {
        return prefix + COUNTER.incrementAndGet();
    }

    static Path createLinear(String name, String size) throws IOException, InterruptedException {
        ensureVolumeGroup();
        check(List.of("lvcreate", "-q", "-y", "-W", "n", "-L", size, "-n", name, VG));
        return node(name);
    }

    static Path createThin(String name, String size) throws IOException, InterruptedException {
        ensureVolumeGroup();
        synchronized (GuestLvm.class) {
            if (!lvm("lvs", VG + "/pool").ok()) {
                check(List.of("lvcreate", "-q", "-y", "-L", "256M", "-T", VG + "/pool"));
            }
        }
        check(List.of("lvcreate", "-q", "-y", "-V", size, "-T", VG + "/pool", "-n", name));
        return node(name);
    }

    /** A raid1 volume, waited for until both legs are in sync. */
    static Path createRaid1(String name, String size) throws IOException, InterruptedException {
        ensureVolumeGroup();
        check(List.of("lvcreate", "-q", "-y", "-W", "n", "--type", "raid1", "-m", "1", "-L", size, "-n", name, VG));
        long end = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < end) {
            String copy = check(List.of("lvs", "--noheadings", "-o", "copy_percent", VG + "/" + name)).strip();
            if (copy.startsWith("100")) {
                return node(name);
            }
            Thread.sleep(200);
        }
        throw new IOException("raid1 " + VG + "/" + name + " did not sync within 120 s");
    }

    static void remove(String name) throws IOException, InterruptedException {
        lvm("lvremove", "-q", "-y", VG + "/" + name);
    }

    /** Bytes of the volume group allocated to volumes. */
    static long allocatedBytes() throws IOException, InterruptedException {
        String[] sizes = check(List.of("vgs", "--noheadings", "--units", "b", "--nosuffix", "-o", "vg_size,vg_free",
                VG)).strip().split("\\s+");
        return Long.parseLong(sizes[0]) - Long.parseLong(sizes[1]);
    }

    /** The device node LVM made (without udev only the /dev/mapper nodes are certain). */
    static Path node(String name) {
        return Path.of("/dev/mapper", VG.replace("-", "--") + "-" + name.replace("-", "--"));
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
