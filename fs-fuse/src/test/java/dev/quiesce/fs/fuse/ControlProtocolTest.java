package dev.quiesce.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.spi.BlockUsage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The control channel codec: every message round-trips; bad frames are typed errors. */
class ControlProtocolTest {

    private static ControlProtocol.Frame roundTrip(int type, ByteBuffer body) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ControlProtocol.send(Channels.newChannel(out), type, body);
        return ControlProtocol.receive(Channels.newChannel(new ByteArrayInputStream(out.toByteArray())));
    }

    @Test
    void freezeRequestRoundTrips() throws Exception {
        ControlProtocol.Frame f = roundTrip(ControlProtocol.FREEZE,
                ControlProtocol.freeze("backup ü", Duration.ofMillis(1500), Duration.ofSeconds(30), 4242));
        assertEquals(ControlProtocol.FREEZE, f.type());
        ControlProtocol.FreezeCall call = ControlProtocol.freezeCall(f.body());
        assertEquals(new ControlProtocol.FreezeCall("backup ü", Duration.ofMillis(1500), Duration.ofSeconds(30), 4242),
                call);
    }

    @Test
    void frozenReplyCarriesTheBitmap() throws Exception {
        long[] words = {0b1011L, 0, -1L};
        BlockUsage usage = BlockUsage.of(4096, 192, words);
        ControlProtocol.Frame f = roundTrip(ControlProtocol.FROZEN,
                ControlProtocol.frozen(Duration.ofNanos(12345), Optional.of(usage)));
        ControlProtocol.Frozen back = ControlProtocol.frozen(f.body());
        assertEquals(Duration.ofNanos(12345), back.took());
        assertEquals(usage, back.usage().orElseThrow());
        assertArrayEquals(usage.toWords(), back.usage().get().toWords());
        ControlProtocol.Frozen none = ControlProtocol.frozen(roundTrip(ControlProtocol.FROZEN,
                ControlProtocol.frozen(Duration.ZERO, Optional.empty())).body());
        assertTrue(none.usage().isEmpty());
    }

    @Test
    void helloErrorAndStatusRoundTrip() throws Exception {
        ControlProtocol.Frame hello = roundTrip(ControlProtocol.HELLO, ControlProtocol.hello(7, "/img"));
        assertEquals(7, hello.body().getLong());
        assertEquals("/img", ControlProtocol.getString(hello.body()));
        ControlProtocol.Frame err = roundTrip(ControlProtocol.ERROR,
                ControlProtocol.error(ControlProtocol.E_TARGET_FROZEN, "frozen"));
        assertEquals(ControlProtocol.E_TARGET_FROZEN, err.body().get());
        assertEquals("frozen", err.string());
        ControlProtocol.Frame st = roundTrip(ControlProtocol.STATUS_REPLY, ControlProtocol.status(true, false));
        assertEquals(1, st.body().get());
        assertEquals(0, st.body().get());
    }

    @Test
    void badFramesAreTypedErrors() {
        byte[] huge = ByteBuffer.allocate(5).putInt(ControlProtocol.MAX_FRAME + 1).put((byte) 1).array();
        assertThrows(ProtocolException.class,
                () -> ControlProtocol.receive(Channels.newChannel(new ByteArrayInputStream(huge))));
        byte[] cut = ByteBuffer.allocate(6).putInt(10).put((byte) 1).put((byte) 2).array();
        assertThrows(EOFException.class, () -> ControlProtocol.receive(Channels.newChannel(new ByteArrayInputStream(cut))));
        ByteBuffer lying = ByteBuffer.allocate(8 + 1 + 16).putLong(1).put((byte) 1).putInt(4096).putLong(64)
                .putInt(1000).flip();
        assertThrows(ProtocolException.class, () -> ControlProtocol.frozen(lying));
    }
}
