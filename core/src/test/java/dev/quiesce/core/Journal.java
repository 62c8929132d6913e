package dev.quiesce.core;

import java.util.ArrayList;
import java.util.List;

/** The order of everything the coordinator did, across targets and providers. */
final class Journal {
    private final List<String> entries = new ArrayList<>();

    synchronized void add(String entry) {
        entries.add(entry);
    }

    synchronized List<String> entries() {
        return new ArrayList<>(entries);
    }

    synchronized int indexOf(String entry) {
        int i = entries.indexOf(entry);
        if (i < 0) {
            throw new AssertionError("'" + entry + "' never happened: " + entries);
        }
        return i;
    }

    synchronized int lastIndexOf(String entry) {
        int i = entries.lastIndexOf(entry);
        if (i < 0) {
            throw new AssertionError("'" + entry + "' never happened: " + entries);
        }
        return i;
    }

    synchronized long count(String entry) {
        return entries.stream().filter(entry::equals).count();
    }
}
