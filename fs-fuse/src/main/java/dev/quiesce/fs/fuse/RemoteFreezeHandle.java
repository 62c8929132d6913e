package dev.quiesce.fs.fuse;

import dev.quiesce.spi.AlreadyThawedException;
import dev.quiesce.spi.BlockUsage;
import dev.quiesce.spi.FreezeHandle;
import dev.quiesce.spi.LeaseLapsedException;
import dev.quiesce.spi.ThawResult;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * One hold on a mounted filesystem: the client end of one control connection. The
 * mount's own handle decides every result (F3, F4, F8, F9); this side remembers the final
 * one after the connection is closed, so later calls answer the same without asking.
 * Calls are serialized on the connection.
 */
final class RemoteFreezeHandle implements FreezeHandle {
    private static final System.Logger LOG = System.getLogger(RemoteFreezeHandle.class.getName());

    private final ControlClient c;
    private final String target;
    private final String holder;
    private final Duration lease;
    private final ControlProtocol.Frozen frozen;
    /** The result that ended this hold, once it ended; null while the mount may still hold it. */
    private ThawResult ended;

    RemoteFreezeHandle(ControlClient c, String target, String holder, Duration lease, ControlProtocol.Frozen frozen) {
        this.c = c;
        this.target = target;
        this.holder = holder;
        this.lease = lease;
        this.frozen = frozen;
    }

    @Override
    public String holder() {
        return holder;
    }

    @Override
    public Duration lease() {
        return lease;
    }

    @Override
    public Duration freezeDuration() {
        return frozen.took();
    }

    @Override
    public Optional<BlockUsage> blockUsage() {
        return frozen.usage();
    }

    @Override
    public synchronized ThawResult thaw() {
        if (ended != null) {
            return ended == ThawResult.LAPSED ? ThawResult.LAPSED : ThawResult.ALREADY_THAWED;
        }
        try {
            ControlProtocol.Frame f = c.call(ControlProtocol.THAW);
            if (f.type() != ControlProtocol.THAW_RESULT) {
                throw new java.net.ProtocolException("unexpected reply type " + f.type() + " to THAW");
            }
            ThawResult r = ThawResult.values()[f.body().get()];
            ended = r;
            return r;
        } catch (IOException e) {
            // The connection is gone, and with it the hold: the mount thaws it (the rule of
            // the channel). Nothing is left to release here.
            LOG.log(System.Logger.Level.WARNING, target + ": control connection lost during thaw; the mount released"
                    + " the hold when it dropped", e);
            ended = ThawResult.ALREADY_THAWED;
            return ThawResult.ALREADY_THAWED;
        } finally {
            if (ended != null) {
                c.close();
            }
        }
    }

    @Override
    public synchronized void renew() throws LeaseLapsedException, AlreadyThawedException {
        if (ended == ThawResult.LAPSED) {
            throw new LeaseLapsedException(target, holder);
        }
        if (ended != null) {
            throw new AlreadyThawedException(target, holder);
        }
        ControlProtocol.Frame f;
        try {
            f = c.call(ControlProtocol.RENEW);
        } catch (IOException e) {
            LeaseLapsedException lost = new LeaseLapsedException(target, holder);
            lost.initCause(e);
            throw lost;
        }
        if (f.type() == ControlProtocol.OK) {
            return;
        }
        int kind = f.type() == ControlProtocol.ERROR ? f.body().get() & 0xFF : -1;
        if (kind == ControlProtocol.E_ALREADY_THAWED) {
            throw new AlreadyThawedException(target, holder);
        }
        throw new LeaseLapsedException(target, holder);
    }

    @Override
    public synchronized boolean lapsed() {
        if (ended != null) {
            return ended == ThawResult.LAPSED;
        }
        return status()[1];
    }

    @Override
    public synchronized boolean isHeld() {
        return ended == null && status()[0];
    }

    /** {held, lapsed} as the mount sees them; a lost connection means the hold is gone. */
    private boolean[] status() {
        try {
            ControlProtocol.Frame f = c.call(ControlProtocol.STATUS);
            if (f.type() == ControlProtocol.STATUS_REPLY) {
                return new boolean[] {f.body().get() != 0, f.body().get() != 0};
            }
            LOG.log(System.Logger.Level.WARNING, target + ": unexpected reply type " + f.type() + " to STATUS");
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, target + ": control connection lost; the hold is gone", e);
        }
        return new boolean[] {false, false};
    }

    @Override
    public String toString() {
        return "hold of " + holder + " on " + target + (ended == null ? "" : " (" + ended + ")");
    }
}
