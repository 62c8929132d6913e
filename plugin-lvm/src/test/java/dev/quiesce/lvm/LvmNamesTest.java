package dev.quiesce.lvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LvmNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"data", "kit-s1", "a.b_c+d", "x", "_under", "0day"})
    void acceptsValidNames(String name) {
        assertEquals(name, LvmNames.checkNewVolume("vg", name));
        assertEquals(name, LvmNames.checkVolumeGroup(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "-opt", "--help", "a b", "a/b", "a;rm", "é", "a\nb", "$(x)"})
    void refusesWhatLvmRefuses(String name) {
        assertThrows(IllegalArgumentException.class, () -> LvmNames.checkNewVolume("vg", name));
        assertThrows(IllegalArgumentException.class, () -> LvmNames.checkExistingVolume(name));
        assertThrows(IllegalArgumentException.class, () -> LvmNames.checkVolumeGroup(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"snapshot", "snapshot1", "pvmove0", "a_rimage_1", "x_tmeta", "y_cdata", "z_mlog",
            "q_vorigin", "w_pmspare"})
    void refusesNamesLvmReservesForNewVolumes(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LvmNames.checkNewVolume("vg", name));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
    }

    @Test
    void existingVolumesMayCarryLvmsOwnSuffixes() {
        assertEquals("mir_rimage_1", LvmNames.checkExistingVolume("mir_rimage_1"));
        assertEquals("vg/mir_rimage_1", LvmNames.qualified("vg", "mir_rimage_1"));
    }

    @Test
    void limitsTheLengthAndTheDeviceMapperName() {
        String max = "a".repeat(127);
        assertEquals(max, LvmNames.checkExistingVolume(max));
        assertThrows(IllegalArgumentException.class, () -> LvmNames.checkExistingVolume(max + "a"));
        // vg-lv with hyphens doubled must fit too.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LvmNames.checkNewVolume("v-g", "a-".repeat(45) + "b"));
        assertTrue(e.getMessage().contains("device-mapper"), e.getMessage());
    }

    @Test
    void tagsAllowPathsButNotSpaces() {
        assertTrue(LvmNames.isTag("qs.source=/dev/vg/data"));
        assertTrue(LvmNames.isTag("quiesce"));
        assertFalse(LvmNames.isTag("qs.source=/tmp/with space"));
        assertFalse(LvmNames.isTag(""));
        assertThrows(IllegalArgumentException.class, () -> LvmNames.checkTag("a,b"));
    }
}
