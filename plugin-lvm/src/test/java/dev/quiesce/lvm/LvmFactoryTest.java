package dev.quiesce.lvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProviderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Configuration, discovery and the failures that can be seen without device-mapper. */
class LvmFactoryTest {

    @Test
    void isFoundByServiceLoaderAsLvm() {
        List<String> names = new java.util.ArrayList<>();
        java.util.Iterator<SnapshotProviderFactory> it = ServiceLoader.load(SnapshotProviderFactory.class).iterator();
        for (int i = 0; i < 100; i++) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                names.add(it.next().name());
            } catch (java.util.ServiceConfigurationError e) {
                // Another module's provider on the test class path; this test is about ours.
                names.add("(unloadable: " + e.getMessage() + ")");
            }
        }
        assertTrue(names.contains("lvm"), names.toString());
    }

    @Test
    void unknownKeysAndBadValuesAreNamed() {
        LvmSnapshotProviderFactory factory = new LvmSnapshotProviderFactory();
        SnapshotException unknown = assertThrows(SnapshotException.class, () -> factory.create(Map.of("colour", "red")));
        assertTrue(unknown.getMessage().contains("colour"), unknown.getMessage());
        SnapshotException technique = assertThrows(SnapshotException.class,
                () -> factory.create(Map.of("technique", "magic")));
        assertTrue(technique.getMessage().contains("magic") && technique.getMessage().contains("split-mirror"),
                technique.getMessage());
        assertThrows(SnapshotException.class, () -> factory.create(Map.of("cow-size", "-L 1g")));
        assertThrows(SnapshotException.class, () -> factory.create(Map.of("command-timeout", "0")));
        SnapshotException group = assertThrows(SnapshotException.class,
                () -> factory.create(Map.of("volume-group", "--all")));
        assertTrue(group.getMessage().contains("volume-group"), group.getMessage());
    }

    @Test
    void sizesBecomeLvmArguments() throws Exception {
        assertEquals(List.of("-L", "64m"), LvmSnapshotProviderFactory.cowSize("64m"));
        assertEquals(List.of("-l", "20%ORIGIN"), LvmSnapshotProviderFactory.cowSize("20%ORIGIN"));
        assertThrows(SnapshotException.class, () -> LvmSnapshotProviderFactory.cowSize("20%WHATEVER"));
        assertThrows(SnapshotException.class, () -> LvmSnapshotProviderFactory.cowSize("1g;reboot"));
        assertEquals(Duration.ofSeconds(90), LvmSnapshotProviderFactory.timeout("90"));
        assertEquals(Duration.ofMinutes(2), LvmSnapshotProviderFactory.timeout("PT2M"));
    }

    @Test
    void jsonStdOnlyWhereLvmHasIt() {
        assertEquals("json", LvmSnapshotProviderFactory.reportFormatFor("  LVM version:     2.03.16(2) (2022-05-18)"));
        assertEquals("json_std", LvmSnapshotProviderFactory.reportFormatFor("  LVM version:     2.03.17(2) (2022-11-10)"));
        assertEquals("json_std", LvmSnapshotProviderFactory.reportFormatFor("  LVM version:     2.04.0(2)"));
        assertEquals("json", LvmSnapshotProviderFactory.reportFormatFor("garbage"));
    }

    @Test
    void aMissingLvmIsTyped() {
        LvmException e = assertThrows(LvmException.class, () -> new LvmSnapshotProviderFactory()
                .create(Map.of("lvm", "/nonexistent/lvm")));
        assertEquals(LvmException.Kind.LVM_MISSING, e.kind());
        assertTrue(e.getMessage().contains("/nonexistent/lvm"), e.getMessage());
    }

    @Test
    void aKernelWithoutDeviceMapperIsTyped() {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/lvm")) || Files.isExecutable(Path.of("/sbin/lvm")),
                "needs lvm2 installed (run .ci/setup.d/plugin-lvm.sh)");
        assumeFalse(Files.exists(Path.of("/sys/class/misc/device-mapper")), "this kernel has device-mapper");
        LvmException e = assertThrows(LvmException.class, () -> new LvmSnapshotProviderFactory().create(Map.of()));
        assertEquals(LvmException.Kind.NO_DEVICE_MAPPER, e.kind());
        assertTrue(e.lvmMessage().contains("device-mapper") || e.lvmMessage().contains("/dev/mapper/control"),
                "LVM's own words are attached: " + e.lvmMessage());
    }

    @Test
    void lvmMessagesAreClassified() {
        assertEquals(LvmException.Kind.NO_SPACE,
                LvmException.classify("Volume group \"vg\" has insufficient free space (193 extents): 512 required."));
        assertEquals(LvmException.Kind.NAME_TAKEN,
                LvmException.classify("Logical Volume \"data\" already exists in volume group \"vg\""));
        assertEquals(LvmException.Kind.NOT_FOUND, LvmException.classify("Failed to find logical volume \"vg/nosuch\""));
        assertEquals(LvmException.Kind.NOT_FOUND,
                LvmException.classify("Volume group \"vg2\" not found\n  Cannot process volume group vg2"));
        assertEquals(LvmException.Kind.ORIGIN_FROZEN, LvmException.classify(
                "device-mapper: suspend ioctl on  (253:9) failed: Device or resource busy\n  Unable to suspend vg-thin1"));
        assertEquals(LvmException.Kind.NO_DEVICE_MAPPER, LvmException.classify(
                "/dev/mapper/control: open failed: No such device\nFailure to communicate with kernel device-mapper driver."));
        assertEquals(LvmException.Kind.OTHER, LvmException.classify("something else"));
    }

    @Test
    void everyCommandIsBounded() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/sleep")), "needs coreutils sleep as a stand-in for lvm");
        LvmRunner runner = new LvmRunner("lvm", Path.of("/usr/bin/sleep"), Duration.ofMillis(300));
        LvmException e = assertThrows(LvmException.class, () -> runner.run("s", List.of("30")));
        assertEquals(LvmException.Kind.TIMED_OUT, e.kind());
        LvmException failed = assertThrows(LvmException.class,
                () -> new LvmRunner("lvm", Path.of("/usr/bin/false"), Duration.ofSeconds(5)).run("s", List.of()));
        assertEquals(1, failed.exitCode());
        assertInstanceOf(SnapshotException.class, failed);
    }
}
