package dev.quiesce.fs;

/** What an inode is. Codes are the on-disk values (FORMAT.md, inode record). */
public enum FileType {
    FILE(1), DIRECTORY(2), SYMLINK(3);

    private final int code;

    FileType(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    /** The type for an on-disk code, or null when the code is unknown. */
    static FileType ofCode(int code) {
        for (FileType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
