package dev.quiesce.core;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * One freeze window as a JFR event (SPEC.md C4): from the moment the first target was
 * frozen to the moment the last one was thawed; its duration is the window.
 */
@Name("dev.quiesce.FreezeWindow")
@Label("Freeze window")
@Category("Quiesce")
@Description("Targets frozen for a consistent cut: the time the machine was stalled")
final class FreezeWindowEvent extends Event {
    @Label("Targets")
    String targets;

    @Label("Snapshots")
    String snapshots;

    @Label("Budget")
    @Timespan(Timespan.NANOSECONDS)
    long budget;

    @Label("Outcome")
    @Description("completed, or the failure that ended the window")
    String outcome;
}
