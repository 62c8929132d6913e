package dev.quiesce.tck;

import dev.quiesce.spi.BlockDevice;
import dev.quiesce.spi.Freezable;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One fresh target for one {@link FreezableKit} test, with the means to mutate it and
 * observe it. A filesystem writes a value into a file per slot; a block device writes
 * it into a block per slot; a host-filesystem freezer ({@code fsfreeze} on a
 * loop-mounted ext4) writes files under the mount point; a FUSE control channel writes
 * through the mount.
 *
 * <p>The kit closes the subject after each test, after thawing anything it froze.
 */
@SuppressWarnings("try") // close() may throw whatever the vendor's cleanup throws
public interface FreezableSubject extends AutoCloseable {

    /** The target under test. */
    Freezable target();

    /** How many independent places {@link #mutate} can write (at least 1; 4 is plenty). */
    default int slots() {
        return 4;
    }

    /**
     * One mutation through the target: make {@code value} the content of {@code slot}.
     * While the target is frozen it waits for the thaw (F2, F16); from the thread that
     * holds the freeze it fails with {@link dev.quiesce.spi.TargetFrozenException}
     * (anywhere in the cause chain) instead (F11).
     */
    void mutate(int slot, long value) throws Exception;

    /** Reads {@code slot} through the target (0 if never written); never blocks (F10). */
    long readBack(int slot) throws Exception;

    /** Closes the target itself, as an unmount would (F13). */
    void closeTarget() throws Exception;

    /**
     * The witness of the device underneath (F1, F2). Without one, F1 and F2 are reported
     * NOT_APPLICABLE.
     */
    default Optional<DeviceWitness> witness() {
        return Optional.empty();
    }

    /**
     * Arms a stall that holds the next mutation in flight, for a freeze that cannot drain
     * (F5, F6, F8). Without one, F5 and F6 are NOT_APPLICABLE and F8 skips the slow-freeze
     * part.
     */
    default Optional<MutationStall> stallNextMutation() throws Exception {
        return Optional.empty();
    }

    /** The device underneath, readable, for checking a block-usage bitmap (F15). */
    default Optional<BlockDevice> device() {
        return Optional.empty();
    }

    /**
     * Reads {@code slot} from a copy of the device image (F15): how a backup would read
     * it. Empty if the subject cannot; F15 is then NOT_APPLICABLE.
     */
    default OptionalLong readBackFrom(BlockDevice image, int slot) throws Exception {
        return OptionalLong.empty();
    }

    /** Releases everything; the target was thawed by the kit. */
    @Override
    void close() throws Exception;
}
