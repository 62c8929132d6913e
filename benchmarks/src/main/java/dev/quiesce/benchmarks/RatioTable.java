package dev.quiesce.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The harness's output: one row per measure, the subject and its baseline timed side by
 * side in the same run, printed as a ratio with the target it must meet. Absolute times
 * are printed too, but only the ratio means anything on a noisy machine.
 */
public final class RatioTable {

    /** Whether a bigger ratio is better (throughput) or a smaller one (time). */
    public enum Better { HIGHER, LOWER }

    private record Row(String measure, double subject, double baseline, String unit, Better better, double target) {
        double ratio() {
            return subject / baseline;
        }

        boolean meets() {
            if (Double.isNaN(target)) {
                return true;
            }
            return better == Better.HIGHER ? ratio() >= target : ratio() <= target;
        }
    }

    private final String title;
    private final List<Row> rows = new ArrayList<>();

    public RatioTable(String title) {
        this.title = title;
    }

    /**
     * Adds a measure: {@code subject} and {@code baseline} in the same {@code unit}, and
     * the ratio subject/baseline must be at least (HIGHER) or at most (LOWER) {@code target}.
     */
    public RatioTable add(String measure, double subject, double baseline, String unit, Better better, double target) {
        rows.add(new Row(measure, subject, baseline, unit, better, target));
        return this;
    }

    /** Adds a measure printed for context, with no target (it never fails {@link #allMet}). */
    public RatioTable addInfo(String measure, double subject, double baseline, String unit) {
        rows.add(new Row(measure, subject, baseline, unit, Better.HIGHER, Double.NaN));
        return this;
    }

    /** Whether every row meets its target. */
    public boolean allMet() {
        return rows.stream().allMatch(Row::meets);
    }

    /** Prints the table as Markdown, ready to paste into RESULTS.md. */
    public void print(PrintStream out) {
        out.println("### " + title);
        out.println();
        out.println("| measure | subject | baseline | unit | ratio | target | met |");
        out.println("|---|---:|---:|---|---:|---|---|");
        for (Row r : rows) {
            if (Double.isNaN(r.target)) {
                out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %s | %.2fx | (context) | - |%n",
                        r.measure, r.subject, r.baseline, r.unit, r.ratio());
                continue;
            }
            out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %s | %.2fx | %s %.2fx | %s |%n",
                    r.measure, r.subject, r.baseline, r.unit, r.ratio(),
                    r.better == Better.HIGHER ? ">=" : "<=", r.target, r.meets() ? "yes" : "NO");
        }
        out.println();
    }
}
