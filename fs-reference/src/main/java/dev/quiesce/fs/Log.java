package dev.quiesce.fs;

import dev.quiesce.fs.DiskFormat.LogBlock;
import dev.quiesce.fs.DiskFormat.LogRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The log: each commit's records packed into log blocks, chained backward from the
 * superblock (each block names the one before it; the superblock holds the newest and
 * the chain length). Log blocks are placed when written and their allocation is not
 * logged: the chain itself is the record, and {@link Replay} marks them in use again.
 */
final class Log {
    private Log() {
    }

    /** Result of writing one commit's records: the new head and the blocks used. */
    record Written(long head, List<Long> blocks) {
    }

    static Written write(List<LogRecord> records, long previousHead, Allocation alloc, NodeStore store, long seq,
                         CommitSeal.Writes writes) throws IOException {
        List<Long> blocks = new ArrayList<>();
        long prev = previousHead;
        int from = 0;
        while (from < records.size()) {
            int n = DiskFormat.recordsFitting(records, from, store.blockSize());
            long block = alloc.allocate(1, null)[0];
            byte[] data = DiskFormat.encodeLog(records.subList(from, from + n), prev, store.volumeId(), seq,
                    store.blockSize());
            writes.add(block, ByteBuffer.wrap(data));
            store.device().write(block, ByteBuffer.wrap(data));
            blocks.add(block);
            prev = block;
            from += n;
        }
        return new Written(prev, blocks);
    }

    /**
     * Reads the chain of {@code count} blocks ending at {@code head}, oldest first, checking
     * each block and that commit numbers never grow going back.
     */
    static List<LogBlock> read(NodeStore store, long head, int count, long superSeq) throws IOException {
        List<LogBlock> chain = new ArrayList<>(count);
        long at = head;
        long newer = superSeq;
        for (int i = 0; i < count; i++) {
            if (at == 0) {
                throw new CorruptFilesystemException(store.deviceName(), -1, "log chain ends after " + i
                        + " blocks but the superblock says " + count);
            }
            LogBlock b = DiskFormat.decodeLog(store.deviceName(), at, store.readBlock(at), store.volumeId(),
                    store.blockCount());
            if (b.seq() > newer) {
                throw new CorruptFilesystemException(store.deviceName(), at, "log block of commit " + b.seq()
                        + " found behind a block of commit " + newer);
            }
            newer = b.seq();
            chain.add(b);
            at = b.previous();
        }
        if (at != 0) {
            throw new CorruptFilesystemException(store.deviceName(), chain.get(count - 1).block(),
                    "log chain continues past the " + count + " blocks the superblock counts");
        }
        Collections.reverse(chain);
        return chain;
    }
}
