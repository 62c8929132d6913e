package dev.quiesce.fs;

/**
 * What {@link Dusk#stat} reports about one inode.
 *
 * @param inode     the inode number (the root directory is 1)
 * @param type      file, directory or symlink
 * @param size      bytes (a directory reports its entry count)
 * @param mode      permission bits
 * @param links     hard links (a directory: 2 + its subdirectories; an orphan: 0)
 * @param modifiedMillis last change of content, ms since the epoch
 * @param changedMillis  last change of content or attributes, ms since the epoch
 */
public record FileStat(long inode, FileType type, long size, int mode, int links,
                       long modifiedMillis, long changedMillis) {

    public boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }

    public boolean isFile() {
        return type == FileType.FILE;
    }

    public boolean isSymlink() {
        return type == FileType.SYMLINK;
    }
}
