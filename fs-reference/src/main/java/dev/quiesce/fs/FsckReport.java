package dev.quiesce.fs;

import java.util.List;

/**
 * What {@link Dusk#fsck} found: every problem in words (empty when the image is clean)
 * and what it looked at.
 *
 * @param problems       one line per problem, naming the block or inode
 * @param inodes         inodes in the inode table
 * @param blocksInUse    blocks the bitmap marks in use
 * @param logRecords     log records replayed
 */
public record FsckReport(List<String> problems, long inodes, long blocksInUse, long logRecords) {

    public FsckReport {
        problems = List.copyOf(problems);
    }

    public boolean isClean() {
        return problems.isEmpty();
    }

    /** 0 when clean, 4 when problems were found (the e2fsck convention for "errors left uncorrected"). */
    public int exitCode() {
        return problems.isEmpty() ? 0 : 4;
    }

    @Override
    public String toString() {
        return isClean() ? "clean: " + inodes + " inodes, " + blocksInUse + " blocks in use"
                : problems.size() + " problem(s):\n  " + String.join("\n  ", problems);
    }
}
