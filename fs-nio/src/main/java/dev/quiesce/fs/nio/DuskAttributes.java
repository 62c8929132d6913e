package dev.quiesce.fs.nio;

import dev.quiesce.fs.FileStat;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Basic and POSIX attributes of one Dusk inode, as {@link FileStat} reported it. Dusk
 * keeps a modification and a change time only: the access and creation times are
 * reported as the modification time (what BasicFileAttributes allows when a time is not
 * kept). The file key is the inode number. Owner and group are the image file's.
 */
final class DuskAttributes implements PosixFileAttributes {
    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    private final DuskFileSystem fs;
    private final FileStat stat;

    DuskAttributes(DuskFileSystem fs, FileStat stat) {
        this.fs = fs;
        this.stat = stat;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BITS.length; i++) {
            if ((mode & (1 << i)) != 0) {
                out.add(BITS[i]);
            }
        }
        return out;
    }

    /** The permission bits of {@code perms}. */
    static int mode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (int i = 0; i < BITS.length; i++) {
            if (perms.contains(BITS[i])) {
                mode |= 1 << i;
            }
        }
        return mode;
    }

    @Override
    public FileTime lastModifiedTime() {
        return FileTime.from(stat.modifiedMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public FileTime lastAccessTime() {
        return lastModifiedTime();
    }

    @Override
    public FileTime creationTime() {
        return lastModifiedTime();
    }

    @Override
    public boolean isRegularFile() {
        return stat.isFile();
    }

    @Override
    public boolean isDirectory() {
        return stat.isDirectory();
    }

    @Override
    public boolean isSymbolicLink() {
        return stat.isSymlink();
    }

    @Override
    public boolean isOther() {
        return false;
    }

    @Override
    public long size() {
        return stat.size();
    }

    @Override
    public Object fileKey() {
        return stat.inode();
    }

    @Override
    public UserPrincipal owner() {
        return fs.owner();
    }

    @Override
    public GroupPrincipal group() {
        return fs.group();
    }

    @Override
    public Set<PosixFilePermission> permissions() {
        return permissions(stat.mode());
    }
}
