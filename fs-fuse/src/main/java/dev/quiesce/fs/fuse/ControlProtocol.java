package dev.quiesce.fs.fuse;

import dev.quiesce.spi.BlockUsage;
import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The wire format of the control channel (PROTOCOL.md says the same). All bit packing of
 * the channel is here.
 *
 * <p>A frame: {@code u32 length} (of what follows, at most {@link #MAX_FRAME}),
 * {@code u8 type}, then the body. Integers are big-endian; a string is {@code u16 length}
 * then UTF-8 bytes. Bodies by type:
 * <pre>
 * client to mount
 *   1 FREEZE        str holder, i64 lease ns, i64 freeze timeout ns, i64 holder thread id (-1 unknown)
 *   2 RENEW         (empty)
 *   3 THAW          (empty)
 *   4 STATUS        (empty)
 *   5 STATE         (empty)
 *   6 UNMOUNT       (empty)
 *   7 AWAIT_CLOSED  i64 connection id
 * mount to client
 *  64 HELLO         i64 connection id, str target name          (first frame of every connection)
 *  65 FROZEN        i64 freeze duration ns, u8 has usage, [i32 block size, i64 block count, i32 n, n x i64 words]
 *  66 THAW_RESULT   u8 ThawResult ordinal
 *  67 OK            (empty)
 *  68 STATUS_REPLY  u8 held, u8 lapsed
 *  69 STATE_REPLY   u8 FreezeState ordinal
 *  70 ERROR         u8 error kind ({@link #E_TIMEOUT}...), str message
 * </pre>
 */
final class ControlProtocol {
    static final int MAX_FRAME = 64 << 20;

    static final int FREEZE = 1;
    static final int RENEW = 2;
    static final int THAW = 3;
    static final int STATUS = 4;
    static final int STATE = 5;
    static final int UNMOUNT = 6;
    static final int AWAIT_CLOSED = 7;

    static final int HELLO = 64;
    static final int FROZEN = 65;
    static final int THAW_RESULT = 66;
    static final int OK = 67;
    static final int STATUS_REPLY = 68;
    static final int STATE_REPLY = 69;
    static final int ERROR = 70;

    static final int E_TIMEOUT = 1;
    static final int E_FREEZE = 2;
    static final int E_INTERRUPTED = 3;
    static final int E_LEASE_LAPSED = 4;
    static final int E_ALREADY_THAWED = 5;
    static final int E_TARGET_FROZEN = 6;
    static final int E_IO = 7;
    static final int E_PROTOCOL = 8;

    private ControlProtocol() {
    }

    /** One received frame: its type and body (positioned at 0). */
    record Frame(int type, ByteBuffer body) {
        String string() {
            return getString(body);
        }
    }

    /** The FREEZE request's fields. */
    record FreezeCall(String holder, Duration lease, Duration timeout, long holderThread) {
    }

    /** The FROZEN reply's fields. */
    record Frozen(Duration took, Optional<BlockUsage> usage) {
    }

    static void send(WritableByteChannel ch, int type, ByteBuffer body) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(5).putInt(1 + body.remaining()).put((byte) type).flip();
        ByteBuffer[] parts = {head, body};
        for (ByteBuffer p : parts) {
            while (p.hasRemaining()) {
                ch.write(p);
            }
        }
    }

    static void send(WritableByteChannel ch, int type) throws IOException {
        send(ch, type, ByteBuffer.allocate(0));
    }

    /** Reads one frame; {@link EOFException} if the peer closed the connection. */
    static Frame receive(ReadableByteChannel ch) throws IOException {
        ByteBuffer head = fill(ch, ByteBuffer.allocate(4));
        int length = head.getInt(0);
        if (length < 1 || length > MAX_FRAME) {
            throw new ProtocolException("control frame of " + length + " bytes (allowed 1-" + MAX_FRAME + ")");
        }
        ByteBuffer rest = fill(ch, ByteBuffer.allocate(length));
        int type = rest.get(0) & 0xFF;
        return new Frame(type, rest.position(1).slice());
    }

    private static ByteBuffer fill(ReadableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("control connection closed");
            }
        }
        return b.flip();
    }

    static ByteBuffer freeze(String holder, Duration lease, Duration timeout, long holderThread) {
        ByteBuffer b = ByteBuffer.allocate(2 + utf8Length(holder) + 24);
        putString(b, holder);
        return b.putLong(lease.toNanos()).putLong(timeout.toNanos()).putLong(holderThread).flip();
    }

    static FreezeCall freezeCall(ByteBuffer b) {
        String holder = getString(b);
        return new FreezeCall(holder, Duration.ofNanos(b.getLong()), Duration.ofNanos(b.getLong()), b.getLong());
    }

    static ByteBuffer hello(long connection, String target) {
        ByteBuffer b = ByteBuffer.allocate(8 + 2 + utf8Length(target)).putLong(connection);
        putString(b, target);
        return b.flip();
    }

    static ByteBuffer frozen(Duration took, Optional<BlockUsage> usage) {
        long[] words = usage.map(BlockUsage::toWords).orElse(new long[0]);
        ByteBuffer b = ByteBuffer.allocate(8 + 1 + 16 + 8 * words.length).putLong(took.toNanos());
        b.put((byte) (usage.isPresent() ? 1 : 0));
        if (usage.isPresent()) {
            b.putInt(usage.get().blockSize()).putLong(usage.get().blockCount()).putInt(words.length);
            for (long w : words) {
                b.putLong(w);
            }
        }
        return b.flip();
    }

    static Frozen frozen(ByteBuffer b) throws ProtocolException {
        Duration took = Duration.ofNanos(b.getLong());
        if (b.get() == 0) {
            return new Frozen(took, Optional.empty());
        }
        int blockSize = b.getInt();
        long blockCount = b.getLong();
        int n = b.getInt();
        if (n < 0 || n > b.remaining() / 8) {
            throw new ProtocolException("FROZEN reply claims " + n + " bitmap words, has room for " + b.remaining() / 8);
        }
        long[] words = new long[n];
        for (int i = 0; i < n; i++) {
            words[i] = b.getLong();
        }
        return new Frozen(took, Optional.of(BlockUsage.of(blockSize, blockCount, words)));
    }

    static ByteBuffer oneByte(int value) {
        return ByteBuffer.allocate(1).put((byte) value).flip();
    }

    static ByteBuffer status(boolean held, boolean lapsed) {
        return ByteBuffer.allocate(2).put((byte) (held ? 1 : 0)).put((byte) (lapsed ? 1 : 0)).flip();
    }

    static ByteBuffer longValue(long value) {
        return ByteBuffer.allocate(8).putLong(value).flip();
    }

    static ByteBuffer error(int kind, String message) {
        String m = message.length() > 4000 ? message.substring(0, 4000) : message;
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + utf8Length(m)).put((byte) kind);
        putString(b, m);
        return b.flip();
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0xFFFF) {
            throw new IllegalArgumentException("control string of " + bytes.length + " bytes is too long");
        }
        b.putShort((short) bytes.length).put(bytes);
    }

    static String getString(ByteBuffer b) {
        byte[] bytes = new byte[b.getShort() & 0xFFFF];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
