package dev.quiesce.lvm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Inside the guest, records when each test class and test starts and ends, as the
 * guest's uptime, in the file named by {@code quiesce.guest.timeline}: the guest's budget
 * is tight, and this says where its time went (boot and JVM start up to the first line,
 * then each class). Registered through {@code META-INF/services}; without the property
 * (on the host) it does nothing.
 */
public final class GuestTimeline implements TestExecutionListener {
    private final Path file;

    public GuestTimeline() {
        String name = System.getProperty("quiesce.guest.timeline", "");
        this.file = name.isBlank() ? null : Path.of(name);
    }

    @Override
    public void executionStarted(TestIdentifier test) {
        record("start", test, "");
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        record("skip", test, "");
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        record("end", test, result.getStatus().toString());
    }

    private void record(String event, TestIdentifier test, String status) {
        if (file == null || test.getParentId().isEmpty()) {
            return;
        }
        String line = uptime() + " " + event + " " + name(test)
                + (status.isEmpty() ? "" : " " + status) + "\n";
        synchronized (GuestTimeline.class) {
            try {
                Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                // Timing is a diagnostic: a lost line must not fail or stall the run.
                System.err.println("guest timeline: " + e);
            }
        }
    }

    private static String name(TestIdentifier test) {
        return test.getSource().map(source -> {
            if (source instanceof MethodSource m) {
                return simple(m.getClassName()) + "." + m.getMethodName();
            }
            if (source instanceof ClassSource c) {
                return simple(c.getClassName());
            }
            return test.getDisplayName();
        }).orElse(test.getDisplayName());
    }

    private static String simple(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static String uptime() {
        try {
            return Files.readString(Path.of("/proc/uptime")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
