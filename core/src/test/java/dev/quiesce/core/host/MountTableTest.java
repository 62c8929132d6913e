package dev.quiesce.core.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MountTableTest {

    @Test
    void parsesMountinfoWithOptionalFieldsAndEscapes() {
        MountTable.Mount m = MountTable.parse("36 35 98:0 / /mnt/with\\040space rw,noatime master:1 shared:2 - ext4 "
                + "/dev/loop0 rw,errors=continue").orElseThrow();
        assertEquals(Path.of("/mnt/with space"), m.mountPoint());
        assertEquals("ext4", m.type());
        assertEquals("/dev/loop0", m.source());
    }

    @Test
    void fuseTypesKeepTheirSubtype() {
        MountTable.Mount m = MountTable.parse("40 22 0:50 / /run/fuse rw,nosuid - fuse.fuse2fs /tmp/img rw").orElseThrow();
        assertEquals("fuse.fuse2fs", m.type());
    }

    @Test
    void ignoresLinesItCannotRead() {
        assertTrue(MountTable.parse("garbage").isEmpty());
        assertTrue(MountTable.parse("1 2 3:4 / /x rw no-dash-here").isEmpty());
    }
}
