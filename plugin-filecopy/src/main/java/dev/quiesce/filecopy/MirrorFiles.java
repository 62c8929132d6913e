package dev.quiesce.filecopy;

import dev.quiesce.core.device.FileBlockDevice;
import dev.quiesce.spi.BlockDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Sets up and reopens a {@link MirroredBlockDevice} kept in files: primary, replica and log. */
final class MirrorFiles {
    private MirrorFiles() {
    }

    static void checkPrimary(Path primary, int blockSize) throws IOException {
        if (!Files.isRegularFile(primary)) {
            throw new MirrorException(primary.toString(), Files.exists(primary)
                    ? "not a regular file; a mirror's primary must be an image file" : "no such image file");
        }
        long size = Files.size(primary);
        if (blockSize < 512 || Integer.bitCount(blockSize) != 1 || size % blockSize != 0) {
            throw new MirrorException(primary.toString(), "size " + size + " is not a whole number of "
                    + blockSize + "-byte blocks");
        }
    }

    static MirroredBlockDevice create(Path primary, Path replica, int blockSize, int regionSize) throws IOException {
        Path logPath = MirroredBlockDevice.logPath(primary);
        if (Files.exists(logPath)) {
            throw new MirrorException(primary.toString(), "already mirrored (log " + logPath
                    + " exists); use MirroredBlockDevice.open");
        }
        if (replica.equals(primary) || (Files.exists(replica) && Files.isSameFile(replica, primary))) {
            throw new MirrorException(replica.toString(), "the replica cannot be the primary itself");
        }
        long size = Files.size(primary);
        boolean replicaExisted = Files.exists(replica);
        if (replicaExisted) {
            checkReplica(replica, size);
        }
        long blockCount = size / blockSize;
        BlockDevice primaryDevice = null;
        BlockDevice leg = null;
        BlockDevice logDevice = null;
        try {
            primaryDevice = FileBlockDevice.open(primary, blockSize, false);
            leg = legOpener(blockSize, blockCount).open(replica, !replicaExisted);
            logDevice = FileBlockDevice.create(logPath, blockSize,
                    RegionLog.deviceBlocks(blockSize, regionSize, blockCount), false);
            int regionCount = RegionLog.regionCount(blockSize, regionSize, blockCount);
            RegionLog.Image first = new RegionLog.Image(MirrorState.RESYNCING, 0, blockSize, regionSize, blockCount,
                    replica.toString(), RegionMap.allRegions(regionCount));
            RegionLog log = RegionLog.create(logDevice, first);
            return new MirroredBlockDevice(primary.toString(), primaryDevice, leg, log, first,
                    legOpener(blockSize, blockCount));
        } catch (IOException | RuntimeException e) {
            closeQuietly(e, primaryDevice, leg, logDevice);
            deleteQuietly(e, logDevice == null ? null : logPath);
            deleteQuietly(e, replicaExisted || leg == null ? null : replica);
            throw e;
        }
    }

    static MirroredBlockDevice open(Path primary, int blockSize) throws IOException {
        Path logPath = MirroredBlockDevice.logPath(primary);
        if (!Files.isRegularFile(logPath)) {
            throw new MirrorException(primary.toString(), "not mirrored: no log " + logPath
                    + "; use MirroredBlockDevice.create");
        }
        BlockDevice primaryDevice = null;
        BlockDevice leg = null;
        BlockDevice logDevice = null;
        try {
            logDevice = FileBlockDevice.open(logPath, blockSize, false);
            RegionLog log = RegionLog.open(logDevice);
            RegionLog.Image image = RegionLog.read(logDevice);
            primaryDevice = FileBlockDevice.open(primary, blockSize, false);
            if (image.blockCount() != primaryDevice.blockCount()) {
                throw new MirrorException(primary.toString(), "has " + primaryDevice.blockCount()
                        + " blocks but its mirror log was made for " + image.blockCount());
            }
            Path replica = Path.of(image.replica());
            MirroredBlockDevice.LegOpener opener = legOpener(blockSize, image.blockCount());
            if (image.state() != MirrorState.SPLIT || Files.exists(replica)) {
                checkReplica(replica, primaryDevice.sizeBytes());
                leg = opener.open(replica, false);
            }
            return new MirroredBlockDevice(primary.toString(), primaryDevice, leg, log, image, opener);
        } catch (IOException | RuntimeException e) {
            closeQuietly(e, primaryDevice, leg, logDevice);
            throw e;
        }
    }

    /** A new mirror on given devices (the log device sized by {@link RegionLog#deviceBlocks}); all regions stale. */
    static MirroredBlockDevice createOn(String name, BlockDevice primary, BlockDevice replica, String replicaName,
                                        BlockDevice logDevice, int regionSize, MirroredBlockDevice.LegOpener opener)
            throws IOException {
        int regionCount = RegionLog.regionCount(primary.blockSize(), regionSize, primary.blockCount());
        RegionLog.Image first = new RegionLog.Image(MirrorState.RESYNCING, 0, primary.blockSize(), regionSize,
                primary.blockCount(), replicaName, RegionMap.allRegions(regionCount));
        return new MirroredBlockDevice(name, primary, replica, RegionLog.create(logDevice, first), first, opener);
    }

    /** Reopens a mirror on given devices from its log, as after a restart or a crash. */
    static MirroredBlockDevice openOn(String name, BlockDevice primary, BlockDevice replica, BlockDevice logDevice,
                                      MirroredBlockDevice.LegOpener opener) throws IOException {
        RegionLog log = RegionLog.open(logDevice);
        return new MirroredBlockDevice(name, primary, replica, log, RegionLog.read(logDevice), opener);
    }

    static void checkReplica(Path replica, long primarySize) throws IOException {
        if (!Files.isRegularFile(replica)) {
            throw new MirrorException(replica.toString(), Files.exists(replica)
                    ? "replica is not a regular file" : "replica is missing");
        }
        long size = Files.size(replica);
        if (size != primarySize) {
            throw new MirrorException(replica.toString(), "replica has the wrong size: " + size
                    + " bytes, the primary has " + primarySize);
        }
    }

    static MirroredBlockDevice.LegOpener legOpener(int blockSize, long blockCount) {
        return (path, create) -> create
                ? FileBlockDevice.create(path, blockSize, blockCount, false)
                : FileBlockDevice.open(path, blockSize, false);
    }

    private static void closeQuietly(Exception failure, BlockDevice... devices) {
        for (BlockDevice device : devices) {
            if (device != null) {
                try {
                    device.close();
                } catch (IOException e) {
                    failure.addSuppressed(e);
                }
            }
        }
    }

    private static void deleteQuietly(Exception failure, Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
