package dev.quiesce.fs.fuse;

import dev.quiesce.fs.Dusk;
import dev.quiesce.fs.DuskFile;
import dev.quiesce.fs.FileStat;
import dev.quiesce.fs.FsStat;
import dev.quiesce.spi.FreezeState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import jnr.ffi.Pointer;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The FUSE operations of a mounted {@link Dusk} filesystem (libfuse 2 high-level API
 * through jnr-fuse). Every call arrives on one of libfuse's worker threads, several at
 * once: Dusk is safe for concurrent use, open files live in a concurrent table keyed by
 * the FUSE file handle, and nothing here holds a lock across a Dusk call.
 *
 * <p>Open files are {@link DuskFile}s. When a file is unlinked (or renamed over) while
 * open, libfuse renames it to a hidden name ({@code .fuse_hidden...}) so its handles keep
 * a path, and unlinks that name at the last release. Here that rename is a real Dusk
 * unlink (the file becomes Dusk's orphan, destroyed at the last close and after a crash,
 * and the directory is really empty) and the hidden name lives only in {@link #hidden}:
 * fstat and I/O on the open file go on working. A rename of an open file to a name
 * starting with {@code .fuse_hidden} is therefore taken as libfuse's hiding. {@link #flush} does nothing (close
 * is not a durability point); {@link #fsync} commits. A mutation from a thread that
 * holds a freeze through the control channel fails with EDEADLK instead of waiting for
 * its own thaw (SPEC.md F11): FUSE tells the caller's thread id.
 *
 * <p>Modes and modification times are Dusk's: create and mkdir set the requested mode
 * (the kernel has applied the umask) in the same change as the name, chmod sets it, and
 * utimens sets the modification time (UTIME_NOW and UTIME_OMIT included). Dusk keeps no
 * access time (stat shows the modification time there), so the access-time half of
 * utimens changes nothing; nor an owner or group: chown to the mounting user is accepted
 * and anything else is EPERM.
 */
final class DuskFuse extends FuseStubFS {
    private static final System.Logger LOG = System.getLogger(DuskFuse.class.getName());
    private static final int IO_CHUNK = 1 << 17;
    /** utimensat's special tv_nsec values (Linux). */
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[IO_CHUNK]);

    private final Dusk fs;
    private final boolean readOnly;
    private final long uid;
    private final long gid;
    private final LongPredicate holderThread;
    private final Map<Long, DuskFile> open = new ConcurrentHashMap<>();
    /** libfuse's hidden names of unlinked open files, to their inode numbers. */
    private final Map<String, Long> hidden = new ConcurrentHashMap<>();
    private final AtomicLong handles = new AtomicLong();
    final CountDownLatch initialized = new CountDownLatch(1);

    DuskFuse(Dusk fs, boolean readOnly, long uid, long gid, LongPredicate holderThread) {
        this.fs = fs;
        this.readOnly = readOnly;
        this.uid = uid;
        this.gid = gid;
        this.holderThread = holderThread;
        // libfuse 2 bitfield after bmap: bit 0 is nullpath_ok (read/write/release of an
        // unlinked open file get a NULL path instead of ENOENT); bit 2 is utime_omit_ok
        // (utimens is called when only one time is set, with UTIME_OMIT for the other;
        // without it libfuse drops such a call, e.g. tar's restoring of mtimes, silently).
        jnr.ffi.Struct.getMemory(fuseOperations).putByte(flagsOffset(), (byte) 0b101);
    }

    /** Where jnr-fuse put the flag bitfield (its member's offset() is public in a non-public class). */
    private long flagsOffset() {
        try {
            java.lang.reflect.Method offset = Class.forName("jnr.ffi.Struct$AbstractMember").getDeclaredMethod("offset");
            offset.setAccessible(true);
            return (Long) offset.invoke(fuseOperations.flag_nullpath_ok);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this jnr-fuse has no fuse_operations flag field to set nullpath_ok", e);
        }
    }

    @Override
    protected String getFSName() {
        return "quiesce";
    }

    @Override
    public Pointer init(Pointer conn) {
        initialized.countDown();
        return null;
    }

    /** Closes every handle the kernel did not release (after a forced unmount). */
    void releaseAll() {
        for (Long fh : List.copyOf(open.keySet())) {
            DuskFile f = open.remove(fh);
            if (f != null) {
                try {
                    f.close();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "closing " + f.path() + " after unmount", e);
                }
            }
        }
    }

    private interface Op {
        int run() throws Exception;
    }

    /** Runs a mutating operation: EDEADLK from a freeze holder's own thread (F11). */
    private int mutate(String path, Op op) {
        if (fs.state() != FreezeState.THAWED && holderThread.test(getContext().pid.get())) {
            return -ErrorCodes.EDEADLK();
        }
        return call(path, op);
    }

    private int call(String path, Op op) {
        try {
            return op.run();
        } catch (Exception | Error e) {
            int errno = Errno.of(e);
            if (errno == -ErrorCodes.EIO()) {
                LOG.log(System.Logger.Level.WARNING, "FUSE operation on " + path + " failed", e);
            }
            return errno;
        }
    }

    private DuskFile file(FuseFileInfo fi) throws java.nio.file.FileSystemException {
        DuskFile f = open.get(fi.fh.get());
        if (f == null) {
            throw new java.nio.file.FileSystemException("fh " + fi.fh.get(), null, "bad file handle");
        }
        return f;
    }

    private long register(DuskFile f, FuseFileInfo fi) {
        long fh = handles.incrementAndGet();
        open.put(fh, f);
        fi.fh.set(fh);
        return fh;
    }

    private void fill(ru.serce.jnrfuse.struct.FileStat st, FileStat s) {
        int type = s.isDirectory() ? ru.serce.jnrfuse.struct.FileStat.S_IFDIR
                : s.isSymlink() ? ru.serce.jnrfuse.struct.FileStat.S_IFLNK : ru.serce.jnrfuse.struct.FileStat.S_IFREG;
        st.st_mode.set(type | (s.mode() & 07777));
        st.st_ino.set(s.inode());
        st.st_nlink.set(s.links());
        st.st_size.set(s.size());
        st.st_blksize.set(4096);
        st.st_blocks.set((s.size() + 511) / 512);
        st.st_uid.set(uid);
        st.st_gid.set(gid);
        setTime(st.st_mtim, s.modifiedMillis());
        setTime(st.st_atim, s.modifiedMillis());
        setTime(st.st_ctim, s.changedMillis());
    }

    private static void setTime(Timespec t, long millis) {
        t.tv_sec.set(Math.floorDiv(millis, 1000));
        t.tv_nsec.set(Math.floorMod(millis, 1000) * 1_000_000L);
    }

    private static boolean isHiddenName(String path) {
        return path != null && path.substring(path.lastIndexOf('/') + 1).startsWith(".fuse_hidden");
    }

    /** An open handle of inode {@code ino}, or null. */
    private DuskFile openFileOf(long ino) {
        for (DuskFile f : open.values()) {
            if (f.inode() == ino) {
                return f;
            }
        }
        return null;
    }

    /** What {@code path} names: a hidden open file through its handle, anything else through Dusk. */
    private FileStat stat(String path) throws IOException {
        Long ino = hidden.get(path);
        if (ino != null) {
            DuskFile f = openFileOf(ino);
            if (f != null) {
                return f.stat();
            }
            throw new java.nio.file.NoSuchFileException(path);
        }
        return fs.lstat(path);
    }

    @Override
    public int getattr(String path, ru.serce.jnrfuse.struct.FileStat stat) {
        return call(path, () -> {
            fill(stat, stat(path));
            return 0;
        });
    }

    @Override
    public int fgetattr(String path, ru.serce.jnrfuse.struct.FileStat stbuf, FuseFileInfo fi) {
        return call(path, () -> {
            fill(stbuf, file(fi).stat());
            return 0;
        });
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
        return call(path, () -> {
            filler.apply(buf, ".", null, 0);
            filler.apply(buf, "..", null, 0);
            for (String name : fs.readdir(path)) {
                if (filler.apply(buf, name, null, 0) != 0) {
                    break;
                }
            }
            return 0;
        });
    }

    /** The permission bits of a mode FUSE passes (it may carry the file type bits too). */
    private static int permissions(long mode) {
        return (int) (mode & 07777);
    }

    @Override
    public int mkdir(String path, @mode_t long mode) {
        return mutate(path, () -> {
            fs.mkdir(path, permissions(mode));
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        return mutate(path, () -> {
            fs.rmdir(path);
            return 0;
        });
    }

    @Override
    public int create(String path, @mode_t long mode, FuseFileInfo fi) {
        return mutate(path, () -> {
            register(fs.create(path, permissions(mode)), fi);
            return 0;
        });
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return call(path, () -> {
            register(fs.open(path), fi);
            return 0;
        });
    }

    /**
     * A ByteBuffer over libfuse's own buffer for this call, so that Dusk copies straight
     * between it and its pages instead of through a Java array (one copy of every byte
     * fewer); null if libfuse's memory cannot be viewed so. Valid only during the call:
     * Dusk copies what it is given before returning and keeps no reference.
     */
    private static ByteBuffer view(Pointer buf, long size) {
        if (!buf.isDirect() || size > Integer.MAX_VALUE) {
            return null;
        }
        return com.kenai.jffi.MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size);
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return call(path, () -> {
            DuskFile f = file(fi);
            ByteBuffer direct = view(buf, size);
            if (direct != null) {
                while (direct.hasRemaining() && f.read(offset + direct.position(), direct) > 0) {
                    continue;
                }
                return direct.position();
            }
            byte[] chunk = BUFFERS.get();
            long done = 0;
            while (done < size) {
                int want = (int) Math.min(chunk.length, size - done);
                int n = f.read(offset + done, ByteBuffer.wrap(chunk, 0, want));
                if (n <= 0) {
                    break;
                }
                buf.put(done, chunk, 0, n);
                done += n;
            }
            return (int) done;
        });
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return mutate(path, () -> {
            DuskFile f = file(fi);
            ByteBuffer direct = view(buf, size);
            if (direct != null) {
                f.write(offset, direct);
                return (int) size;
            }
            byte[] chunk = BUFFERS.get();
            long done = 0;
            while (done < size) {
                int n = (int) Math.min(chunk.length, size - done);
                buf.get(done, chunk, 0, n);
                f.write(offset + done, ByteBuffer.wrap(chunk, 0, n));
                done += n;
            }
            return (int) done;
        });
    }

    @Override
    public int truncate(String path, @off_t long size) {
        return mutate(path, () -> {
            Long ino = hidden.get(path);
            DuskFile open = ino == null ? null : openFileOf(ino);
            if (open != null) {
                open.truncate(size);
                return 0;
            }
            try (DuskFile f = fs.open(path)) {
                f.truncate(size);
            }
            return 0;
        });
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        return mutate(path, () -> {
            file(fi).truncate(size);
            return 0;
        });
    }

    @Override
    public int unlink(String path) {
        return mutate(path, () -> {
            if (hidden.remove(path) != null) {
                return 0; // the orphan went with its last handle
            }
            fs.unlink(path);
            return 0;
        });
    }

    @Override
    public int rename(String oldpath, String newpath) {
        return mutate(oldpath, () -> {
            if (isHiddenName(newpath)) {
                long ino = fs.lstat(oldpath).inode();
                if (openFileOf(ino) != null) {
                    fs.unlink(oldpath);
                    hidden.put(newpath, ino);
                    return 0;
                }
            }
            fs.rename(oldpath, newpath);
            return 0;
        });
    }

    @Override
    public int link(String oldpath, String newpath) {
        return mutate(newpath, () -> {
            fs.link(oldpath, newpath);
            return 0;
        });
    }

    @Override
    public int symlink(String oldpath, String newpath) {
        return mutate(newpath, () -> {
            fs.symlink(oldpath, newpath);
            return 0;
        });
    }

    @Override
    public int readlink(String path, Pointer buf, @size_t long size) {
        return call(path, () -> {
            byte[] target = fs.readlink(path).getBytes(StandardCharsets.UTF_8);
            int n = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        });
    }

    @Override
    public int chmod(String path, @mode_t long mode) {
        return mutate(path, () -> {
            fs.chmod(path, permissions(mode));
            return 0;
        });
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return call(path, () -> {
            fs.lstat(path);
            boolean sameUser = uid == -1 || uid == 0xFFFF_FFFFL || uid == this.uid;
            boolean sameGroup = gid == -1 || gid == 0xFFFF_FFFFL || gid == this.gid;
            return sameUser && sameGroup ? 0 : -ErrorCodes.EPERM();
        });
    }

    /**
     * utimensat(2): {@code timespec} is {access, modified}; a tv_nsec of UTIME_NOW means
     * now and UTIME_OMIT leaves that time alone; no array at all means both now. The path
     * names the inode itself (the kernel resolved any symlink already), so a final
     * symlink is not followed.
     * libfuse passes UTIME_OMIT only because the constructor sets its utime_omit_ok flag.
     */
    @Override
    public int utimens(String path, Timespec[] timespec) {
        return mutate(path, () -> {
            long modified;
            if (timespec == null || timespec.length < 2) {
                modified = System.currentTimeMillis();
            } else {
                long nsec = timespec[1].tv_nsec.longValue();
                if (nsec == UTIME_OMIT) {
                    fs.lstat(path); // nothing Dusk keeps changes; the name must still exist
                    return 0;
                }
                if (nsec == UTIME_NOW) {
                    modified = System.currentTimeMillis();
                } else {
                    long sec = timespec[1].tv_sec.get();
                    if (nsec < 0 || nsec > 999_999_999 || sec < 0 || sec > Long.MAX_VALUE / 1000 - 1) {
                        return -ErrorCodes.EINVAL(); // Dusk keeps unsigned milliseconds: nothing before 1970
                    }
                    modified = sec * 1000 + nsec / 1_000_000;
                }
            }
            fs.setTimes(path, modified, false);
            return 0;
        });
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        return call(path, () -> {
            FsStat s = fs.statfs();
            stbuf.f_bsize.set(s.blockSize());
            stbuf.f_frsize.set(s.blockSize());
            stbuf.f_blocks.set(s.blocks());
            stbuf.f_bfree.set(s.freeBlocks());
            stbuf.f_bavail.set(s.availableBlocks());
            // Dusk has no inode table limit: an inode costs a share of a block.
            stbuf.f_files.set(s.inodes() + s.availableBlocks());
            stbuf.f_ffree.set(s.availableBlocks());
            stbuf.f_favail.set(s.availableBlocks());
            stbuf.f_namemax.set(255);
            return 0;
        });
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return call(path, () -> {
            file(fi);
            return 0;
        });
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        return mutate(path, () -> {
            if (!readOnly) {
                file(fi).fsync();
            }
            return 0;
        });
    }

    @Override
    public int fsyncdir(String path, FuseFileInfo fi) {
        return mutate(path, () -> {
            fs.sync();
            return 0;
        });
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return call(path, () -> {
            DuskFile f = open.remove(fi.fh.get());
            if (f != null) {
                f.close();
            }
            return 0;
        });
    }

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        return call(path, () -> fs.lstat(path).isDirectory() ? 0 : -ErrorCodes.ENOTDIR());
    }

    @Override
    public int releasedir(String path, FuseFileInfo fi) {
        return 0;
    }
}
