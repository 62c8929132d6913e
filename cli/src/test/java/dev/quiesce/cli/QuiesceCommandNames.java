package dev.quiesce.cli;

import java.util.List;
import picocli.CommandLine;

/** The names of every subcommand, read from the command model itself. */
final class QuiesceCommandNames {
    static final List<String> ALL = List.copyOf(
            new CommandLine(QuiesceCommand.class, new NoInjection()).getSubcommands().keySet());

    private QuiesceCommandNames() {
    }

    /** Builds the model without a container: only annotations are read. */
    private static final class NoInjection implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            return CommandLine.defaultFactory().create(cls);
        }
    }
}
