package dev.quiesce.cli;

import dev.quiesce.tck.FreezableKit;
import dev.quiesce.tck.FreezableSubject;
import java.util.function.Supplier;

/**
 * The Freezable conformance kit as {@code quiesce kit} runs it on a plugin jar: each test
 * gets a fresh subject from the {@link FreezableSubject} class the jar registers as a
 * service. Not for use outside the kit command, which runs one subject class at a time.
 */
public class PluginFreezableKit extends FreezableKit {
    static volatile Supplier<FreezableSubject> subjects;
    static volatile String name;

    public PluginFreezableKit() {
    }

    @Override
    protected FreezableSubject createSubject() {
        Supplier<FreezableSubject> s = subjects;
        if (s == null) {
            throw new IllegalStateException("PluginFreezableKit runs only under 'quiesce kit'");
        }
        return s.get();
    }

    @Override
    protected String subjectName() {
        return "kit-" + name;
    }
}
