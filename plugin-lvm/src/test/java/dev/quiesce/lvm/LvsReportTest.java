package dev.quiesce.lvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.lvm.LvsReport.LogicalVolume;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lvs report parser on output captured from LVM 2.03.16 and in json_std's shape. */
class LvsReportTest {
    /** Captured in the guest from {@code lvs -a --reportformat json --units b --nosuffix -o ...} (2.03.16). */
    private static final String JSON_2_03_16 = """
              {
                  "report": [
                      {
                          "lv": [
                              {"lv_uuid":"Y6EE3k-4uH8-COqQ-aNjx-lN6W-NJBj-8npTla", "lv_name":"big", "vg_name":"vg", "lv_attr":"swi-a-s---", "lv_size":"109051904", "origin":"data", "pool_lv":"", "data_percent":"38.66", "lv_role":"public,snapshot,thicksnapshot", "lv_layout":"linear", "lv_tags":"qs.name=big,qs.source=/dev/vg/data,quiesce", "lv_path":"/dev/vg/big", "lv_dm_path":"/dev/mapper/vg-big", "lv_kernel_major":"253", "lv_kernel_minor":"5", "origin_size":"104857600"},
                              {"lv_uuid":"GQC3UC-0N1x-cCqN-T2b4-fdSX-z2sM-q0ILRW", "lv_name":"data", "vg_name":"vg", "lv_attr":"owi-aos---", "lv_size":"104857600", "origin":"", "pool_lv":"", "data_percent":"", "lv_role":"public,origin,thickorigin", "lv_layout":"linear", "lv_tags":"", "lv_path":"/dev/vg/data", "lv_dm_path":"/dev/mapper/vg-data", "lv_kernel_major":"253", "lv_kernel_minor":"0", "origin_size":""},
                              {"lv_uuid":"2332Gx-W8qx-vc8J-pvPf-3s7d-XRK1-7NJ8kP", "lv_name":"[mir_rimage_0]", "vg_name":"vg", "lv_attr":"iwi-aor---", "lv_size":"62914560", "origin":"", "pool_lv":"", "data_percent":"", "lv_role":"private,raid,image", "lv_layout":"linear", "lv_tags":"", "lv_path":"", "lv_dm_path":"/dev/mapper/vg-mir_rimage_0", "lv_kernel_major":"253", "lv_kernel_minor":"3", "origin_size":""},
                              {"lv_uuid":"eZ7cjK-p7io-ZJhW-j2Cm-ESmo-nZuL-tBWt4W", "lv_name":"mir_rimage_1", "vg_name":"vg", "lv_attr":"Iri-a-r---", "lv_size":"62914560", "origin":"", "pool_lv":"", "data_percent":"", "lv_role":"private,raid,image", "lv_layout":"linear", "lv_tags":"", "lv_path":"/dev/vg/mir_rimage_1", "lv_dm_path":"/dev/mapper/vg-mir_rimage_1", "lv_kernel_major":"253", "lv_kernel_minor":"7", "origin_size":""},
                              {"lv_uuid":"x1", "lv_name":"small", "vg_name":"vg", "lv_attr":"swi-I-s---", "lv_size":"8388608", "origin":"data", "pool_lv":"", "data_percent":"100.00", "lv_role":"public,snapshot,thicksnapshot", "lv_layout":"linear", "lv_tags":"", "lv_path":"/dev/vg/small", "lv_dm_path":"/dev/mapper/vg-small", "lv_kernel_major":"253", "lv_kernel_minor":"9", "origin_size":"41943040"},
                              {"lv_uuid":"x2", "lv_name":"tsnap", "vg_name":"vg", "lv_attr":"Vwi---tz-k", "lv_size":"83886080", "origin":"thin1", "pool_lv":"pool", "data_percent":"", "lv_role":"public,snapshot,thinsnapshot", "lv_layout":"thin,sparse", "lv_tags":"quiesce", "lv_path":"/dev/vg/tsnap", "lv_dm_path":"/dev/mapper/vg-tsnap", "lv_kernel_major":"-1", "lv_kernel_minor":"-1", "origin_size":""}
                          ]
                      }
                  ]
              }
            """;

    /** The same fields as LVM 2.03.17+ prints them with json_std: numbers, nulls, arrays. */
    private static final String JSON_STD = """
            {"report":[{"lv":[{"lv_uuid":"u1","lv_name":"snap","vg_name":"vg","lv_attr":"swi-a-s---",
              "lv_size":54525952,"origin":"data","pool_lv":null,"data_percent":12.5,
              "lv_role":["public","snapshot","thicksnapshot"],"lv_layout":["linear"],
              "lv_tags":["quiesce","qs.name=snap"],"lv_path":"/dev/vg/snap","lv_dm_path":"/dev/mapper/vg-snap",
              "lv_kernel_major":253,"lv_kernel_minor":4,"origin_size":104857600}]}]}
            """;

    @Test
    void readsLvm20316Json() {
        List<LogicalVolume> volumes = LvsReport.parse(JSON_2_03_16);
        assertEquals(6, volumes.size());
        LogicalVolume big = volumes.get(0);
        assertEquals("big", big.name());
        assertEquals("vg/big", big.qualifiedName());
        assertEquals(109051904L, big.sizeBytes());
        assertEquals(104857600L, big.deviceBytes(), "a thick snapshot reads as big as its origin");
        assertTrue(big.isThickSnapshot());
        assertEquals(38.66, big.dataPercent().getAsDouble(), 1e-9);
        assertEquals(List.of("qs.name=big", "qs.source=/dev/vg/data", "quiesce"), big.tags());
        assertEquals("/dev/vg/data", big.tag("qs.source").orElseThrow());
        assertEquals(253, big.major());
        assertFalse(big.isInvalidSnapshot());
        assertTrue(big.isActive());

        LogicalVolume data = volumes.get(1);
        assertTrue(data.dataPercent().isEmpty(), "an empty field is no value");
        assertEquals(104857600L, data.deviceBytes());
        assertEquals(List.of(), data.tags());

        LogicalVolume hiddenImage = volumes.get(2);
        assertTrue(hiddenImage.hidden(), "[name] is a hidden volume");
        assertEquals("mir_rimage_0", hiddenImage.name());

        LogicalVolume splitLeg = volumes.get(3);
        assertFalse(splitLeg.hidden(), "a split leg is visible");
        assertEquals('I', splitLeg.volumeType());

        assertTrue(volumes.get(4).isInvalidSnapshot(), "'I' in the fifth attribute is an invalid snapshot");
        LogicalVolume thinSnap = volumes.get(5);
        assertEquals('V', thinSnap.volumeType());
        assertTrue(thinSnap.isThinVolume());
        assertFalse(thinSnap.isActive(), "a thin snapshot with the skip flag is not active");
        assertEquals(-1, thinSnap.major(), "inactive: no kernel device");
    }

    @Test
    void readsJsonStd() {
        LogicalVolume snap = LvsReport.parse(JSON_STD).get(0);
        assertEquals(54525952L, snap.sizeBytes());
        assertEquals(104857600L, snap.deviceBytes());
        assertEquals("", snap.pool());
        assertEquals(List.of("public", "snapshot", "thicksnapshot"), snap.roles());
        assertEquals(List.of("quiesce", "qs.name=snap"), snap.tags());
        assertEquals(12.5, snap.dataPercent().getAsDouble(), 1e-9);
        assertEquals(4, snap.minor());
    }

    @Test
    void anEmptyReportHasNoVolumes() {
        assertEquals(List.of(), LvsReport.parse("{\"report\":[{\"lv\":[]}]}"));
    }

    @Test
    void sizesWithUnitsAreRefused() {
        String withSuffix = "{\"report\":[{\"lv\":[{\"lv_name\":\"a\",\"lv_size\":\"100.00m\"}]}]}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LvsReport.parse(withSuffix));
        assertTrue(e.getMessage().contains("--units b --nosuffix"), e.getMessage());
    }

    @Test
    void malformedJsonIsRefusedWithTheOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LvsReport.parse("{\"report\":[{\"lv\":[{\"lv_name\":\"a\",}]}]}"));
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LvsReport.parse("{\"nothing\":1}"));
        assertThrows(IllegalArgumentException.class, () -> LvsReport.parse("{\"report\":[]} trailing"));
    }

    @Test
    void jsonEscapesAreDecoded() {
        Object value = Json.parse("{\"a\":\"x\\\"y\\u0041\\n\",\"b\":[1,-2.5e3,true,null]}");
        assertEquals(java.util.Map.of("a", "x\"yA\n", "b", java.util.Arrays.asList(
                new java.math.BigDecimal("1"), new java.math.BigDecimal("-2.5e3"), true, null)), value);
    }

    @Test
    void theSplitLegIsReadFromLvmsAnswer() {
        LogicalVolume mir = LvsReport.parse("""
                {"report":[{"lv":[{"lv_name":"mir","vg_name":"vg","lv_attr":"rwi-a-r---","lv_layout":"raid,raid1"}]}]}
                """).get(0);
        assertTrue(mir.isRaid1());
        String answer = "  vg/mir_rimage_1 split from vg/mir for read-only purposes.\n"
                + "  Use 'lvconvert --merge vg/mir_rimage_1' to merge back into vg/mir.";
        assertEquals("mir_rimage_1", LvmSnapshotProvider.splitLegFrom(answer, mir).orElseThrow());
        assertTrue(LvmSnapshotProvider.splitLegFrom("  other/mir_rimage_1 split from other/mir", mir).isEmpty(),
                "a leg of another volume group is not ours");
        assertTrue(LvmSnapshotProvider.splitLegFrom("nothing", mir).isEmpty());
    }
}
