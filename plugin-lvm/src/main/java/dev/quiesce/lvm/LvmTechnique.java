package dev.quiesce.lvm;

import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.CutCost;
import dev.quiesce.spi.Technique;
import java.util.Arrays;
import java.util.Locale;

/**
 * The three ways the {@code lvm} provider makes a snapshot, and what each truthfully
 * offers (SPEC.md S8).
 */
enum LvmTechnique {
    /**
     * {@code lvcreate -s -L}: a dm-snapshot with its own copy-on-write store, which can
     * overflow and become invalid (S13). LVM suspends the origin with its filesystem
     * frozen (lockfs) for the cut, so it quiesces by itself; on kernels before 6.6 that
     * suspend fails with EBUSY if the filesystem is already frozen by fsfreeze.
     */
    THICK("thick", new Capabilities(Technique.COPY_ON_WRITE, true, CutCost.CONSTANT, false)),
    /** {@code lvcreate -s} of a thin volume: shares the pool's blocks; quiesces like THICK. */
    THIN("thin", new Capabilities(Technique.COPY_ON_WRITE, true, CutCost.CONSTANT, false)),
    /**
     * {@code lvconvert --splitmirrors 1 --trackchanges} of a raid1 volume: one leg stops
     * receiving writes and is read as the snapshot; deleting merges it back, resyncing
     * only the regions changed meanwhile. LVM does not freeze the filesystem for a split,
     * so the cut is consistent only under the coordinator's freeze.
     */
    SPLIT_MIRROR("split-mirror", new Capabilities(Technique.SPLIT_MIRROR, false, CutCost.CONSTANT, false));

    private final String configName;
    private final Capabilities capabilities;

    LvmTechnique(String configName, Capabilities capabilities) {
        this.configName = configName;
        this.capabilities = capabilities;
    }

    /** The value of the {@code technique} configuration key. */
    String configName() {
        return configName;
    }

    Capabilities capabilities() {
        return capabilities;
    }

    static LvmTechnique fromConfig(String value) {
        String wanted = value.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(t -> t.configName.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown technique '" + value + "'; use one of "
                        + Arrays.stream(values()).map(LvmTechnique::configName).toList()));
    }
}
