package dev.quiesce.lvm;

import java.io.File;

/** The class path of this test JVM, usable for child JVMs. */
final class TestClasspath {
    private TestClasspath() {
    }

    static String get() {
        // Surefire may start the tests from a manifest-only jar; it names the real path here.
        String surefire = System.getProperty("surefire.test.class.path");
        if (surefire != null && !surefire.isBlank()) {
            return surefire;
        }
        return System.getProperty("java.class.path", "").replace(" ", File.pathSeparator);
    }
}
