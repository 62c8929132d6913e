package dev.quiesce.core.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An interrupted thread does not take the device down for everyone: the JDK closes a
 * channel when a thread using it is interrupted, and the device reopens it.
 */
class FileBlockDeviceTest {
    private static final int ROUNDS = Integer.getInteger("quiesce.stress.iterations", 2000);

    @TempDir
    Path dir;

    @Test
    void interruptsDuringIoLoseNoWriteAndLeaveTheDeviceWorkingForOtherThreads() throws Exception {
        try (FileBlockDevice dev = FileBlockDevice.create(dir.resolve("d"), 4096, 64, true)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicInteger interruptsSeen = new AtomicInteger();
            // The victim writes block (i % 32) with i and reads it back, being interrupted all along.
            Thread victim = new Thread(() -> {
                try {
                    ByteBuffer b = ByteBuffer.allocate(4096);
                    for (int i = 0; i < ROUNDS; i++) {
                        b.clear();
                        b.putInt(0, i);
                        dev.write(i % 32, b);
                        dev.flush();
                        b.clear();
                        dev.read(i % 32, b);
                        assertEquals(i, b.getInt(0), "block " + (i % 32));
                        if (Thread.interrupted()) {
                            interruptsSeen.incrementAndGet();
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            // A bystander uses blocks 32.. at the same time and must never see an error.
            Thread bystander = new Thread(() -> {
                try {
                    ByteBuffer b = ByteBuffer.allocate(4096);
                    for (int i = 0; victim.isAlive() || i < 100; i++) {
                        b.clear();
                        b.putInt(0, i);
                        dev.write(32 + i % 32, b);
                        b.clear();
                        dev.read(32 + i % 32, b);
                        assertEquals(i, b.getInt(0));
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            victim.start();
            bystander.start();
            while (victim.isAlive()) {
                victim.interrupt();
                Thread.sleep(0, 200_000);
            }
            victim.join();
            bystander.join();
            if (failure.get() != null) {
                throw new AssertionError("an I/O failed under interrupts", failure.get());
            }
            assertTrue(interruptsSeen.get() > 0, "the victim never saw its interrupt status given back");
            ByteBuffer b = ByteBuffer.allocate(4096);
            for (int k = 0; k < 32; k++) {
                b.clear();
                dev.read(k, b);
                int last = ROUNDS - 1 - Math.floorMod(ROUNDS - 1 - k, 32);
                assertEquals(last, b.getInt(0), "block " + k);
            }
        }
    }

    @Test
    void aThreadInterruptedBeforeItsWriteStillWritesAndKeepsItsInterrupt() throws Exception {
        Path file = dir.resolve("e");
        try (FileBlockDevice dev = FileBlockDevice.create(file, 512, 8, true)) {
            byte[] data = new byte[512];
            Arrays.fill(data, (byte) 7);
            Thread.currentThread().interrupt();
            try {
                dev.write(3, ByteBuffer.wrap(data));
                dev.flush();
            } finally {
                assertTrue(Thread.interrupted(), "interrupt status lost");
            }
            ByteBuffer back = ByteBuffer.allocate(512);
            dev.read(3, back);
            assertArrayEquals(data, back.array());
        }
    }

    @Test
    void closeIsFinal() throws Exception {
        FileBlockDevice dev = FileBlockDevice.create(dir.resolve("f"), 512, 8, true);
        dev.close();
        assertThrows(ClosedChannelException.class, () -> dev.write(0, ByteBuffer.allocate(512)));
        assertThrows(ClosedChannelException.class, () -> dev.read(0, ByteBuffer.allocate(512)));
    }
}
