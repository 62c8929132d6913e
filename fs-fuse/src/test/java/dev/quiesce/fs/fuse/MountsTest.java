package dev.quiesce.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quiesce.core.host.MountTable;
import org.junit.jupiter.api.Test;

/** mountinfo escapes and libfuse option escapes. */
class MountsTest {
    @Test
    void unescapesMountinfoOctal() {
        assertEquals("/tmp/a b\\c", MountTable.unescape("/tmp/a\\040b\\134c"));
        assertEquals("/plain\\x", MountTable.unescape("/plain\\x"));
    }

    @Test
    void escapesCommasInFuseOptions() {
        assertEquals("a\\,b\\\\c", MountOptions.escape("a,b\\c"));
        String opts = MountOptions.defaults().withReadOnly(true).fuseOptions("/img,1");
        assertEquals("big_writes,max_write=131072,fsname=/img\\,1,subtype=dusk,use_ino,attr_timeout=0,"
                + "default_permissions,ro", opts);
    }
}
