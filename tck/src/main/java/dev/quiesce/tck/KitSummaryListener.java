package dev.quiesce.tck;

import java.util.ArrayList;
import java.util.List;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints one table of every kit subject run in this test plan, at the very end of the
 * test output, after each subject's own summary. Registered through
 * {@code META-INF/services}, so a vendor gets it by putting the kit on the test class
 * path; it prints nothing when no kit ran.
 */
public final class KitSummaryListener implements TestExecutionListener {
    private static final List<String> LINES = new ArrayList<>();

    /** Called by the reporter once per kit subject. */
    static void record(String subject, String kit, String counts, String report) {
        synchronized (LINES) {
            LINES.add(String.format("    %-32s %-20s %s%n        %s", subject, kit, counts, report));
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        List<String> lines;
        synchronized (LINES) {
            lines = new ArrayList<>(LINES);
            LINES.clear();
        }
        if (lines.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("\n=== Quiesce conformance summary: ").append(lines.size())
                .append(" subject(s) ===\n");
        lines.forEach(l -> sb.append(l).append('\n'));
        System.out.print(sb);
        System.out.flush();
    }
}
