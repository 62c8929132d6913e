package dev.quiesce.fs;

/**
 * The attributes of an inode as the front end sees them. Immutable: every change makes a
 * new instance, so a delta that captured one is never changed by the next delta (the
 * inode's share of buffer forking).
 *
 * @param entries for a directory, how many names it holds
 * @param parent  for a directory, the directory that holds it (0 otherwise)
 */
record Attrs(FileType type, int mode, int nlink, long size, long mtime, long ctime, long parent, long entries) {

    Attrs withSize(long newSize, long now) {
        return new Attrs(type, mode, nlink, newSize, now, now, parent, entries);
    }

    Attrs withLinks(int links, long now) {
        return new Attrs(type, mode, links, size, mtime, now, parent, entries);
    }

    Attrs withEntries(long count, int links, long now) {
        return new Attrs(type, mode, links, count, now, now, parent, count);
    }

    Attrs withParent(long newParent, long now) {
        return new Attrs(type, mode, nlink, size, mtime, now, newParent, entries);
    }

    Attrs withMode(int newMode, long now) {
        return new Attrs(type, newMode, nlink, size, mtime, now, parent, entries);
    }

    Attrs withModified(long newMtime, long now) {
        return new Attrs(type, mode, nlink, size, newMtime, now, parent, entries);
    }

    Attrs touched(long now) {
        return new Attrs(type, mode, nlink, size, now, now, parent, entries);
    }
}
