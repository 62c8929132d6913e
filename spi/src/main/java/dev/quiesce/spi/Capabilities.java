package dev.quiesce.spi;

import java.util.Objects;

/**
 * What a provider truthfully offers (SPEC.md S8): a claim here is a promise the kit
 * checks.
 *
 * @param technique           how snapshots are made
 * @param freezesSourceItself whether the cut quiesces the filesystem on the source by
 *                            itself (LVM snapshots do; split mirrors and block copies do
 *                            not, so the coordinator must freeze first). Only a filesystem
 *                            the kernel has mounted on the source can be quiesced this way:
 *                            one a process keeps on the device (the reference filesystem,
 *                            a FUSE image) is not, so give the coordinator its
 *                            {@link Freezable} even when this is true
 * @param cutCost             how the time under the freeze grows
 * @param usesBlockUsage      whether a {@link BlockUsage} given with the request makes
 *                            the provider skip free blocks (they then read back as zeros)
 */
public record Capabilities(Technique technique, boolean freezesSourceItself, CutCost cutCost,
                           boolean usesBlockUsage) {
    public Capabilities {
        Objects.requireNonNull(technique, "technique");
        Objects.requireNonNull(cutCost, "cutCost");
    }
}
