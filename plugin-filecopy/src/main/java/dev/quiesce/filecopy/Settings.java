package dev.quiesce.filecopy;

import dev.quiesce.spi.Technique;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The parsed configuration of one {@code filecopy} provider; every key is checked here. */
record Settings(Path directory, Technique technique, boolean skipFreeBlocks, Duration commandTimeout) {
    static final String DIRECTORY = "directory";
    static final String TECHNIQUE = "technique";
    static final String SKIP_FREE_BLOCKS = "skip-free-blocks";
    static final String COMMAND_TIMEOUT = "command-timeout-seconds";

    /** Every key with what it means and its default, as the factory lists them. */
    static Map<String, String> keys() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put(DIRECTORY, "the snapshot directory: images and records live here (required; created if missing)");
        keys.put(TECHNIQUE, "full-copy | reflink | split-mirror (default full-copy)");
        keys.put(SKIP_FREE_BLOCKS, "full-copy only: copy just the blocks a freeze's usage bitmap marks, "
                + "holes elsewhere (true | false, default true)");
        keys.put(COMMAND_TIMEOUT, "reflink only: seconds the clone command may take (1-3600, default 120)");
        return keys;
    }

    static Settings parse(Map<String, String> configuration) throws FileCopyConfigurationException {
        Set<String> known = keys().keySet();
        for (String key : configuration.keySet()) {
            if (!known.contains(key)) {
                throw new FileCopyConfigurationException(key, "unknown key; known keys are " + known);
            }
        }
        String dir = configuration.get(DIRECTORY);
        if (dir == null || dir.isBlank()) {
            throw new FileCopyConfigurationException(DIRECTORY, "required: the snapshot directory");
        }
        Path directory;
        try {
            directory = Path.of(dir).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new FileCopyConfigurationException(DIRECTORY, "not a path: '" + dir + "'", e);
        }
        return new Settings(directory, technique(configuration.getOrDefault(TECHNIQUE, "full-copy")),
                bool(SKIP_FREE_BLOCKS, configuration.getOrDefault(SKIP_FREE_BLOCKS, "true")),
                Duration.ofSeconds(seconds(configuration.getOrDefault(COMMAND_TIMEOUT, "120"))));
    }

    private static Technique technique(String value) throws FileCopyConfigurationException {
        return switch (value) {
            case "full-copy" -> Technique.FULL_COPY;
            case "reflink" -> Technique.REFLINK;
            case "split-mirror" -> Technique.SPLIT_MIRROR;
            default -> throw new FileCopyConfigurationException(TECHNIQUE, "bad value '" + value
                    + "'; use full-copy, reflink or split-mirror");
        };
    }

    private static boolean bool(String key, String value) throws FileCopyConfigurationException {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new FileCopyConfigurationException(key, "bad value '" + value + "'; use true or false");
        };
    }

    private static long seconds(String value) throws FileCopyConfigurationException {
        try {
            long seconds = Long.parseLong(value);
            if (seconds >= 1 && seconds <= 3600) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            throw new FileCopyConfigurationException(COMMAND_TIMEOUT, "bad value '" + value
                    + "'; use whole seconds from 1 to 3600", e);
        }
        throw new FileCopyConfigurationException(COMMAND_TIMEOUT, "bad value '" + value
                + "'; use whole seconds from 1 to 3600");
    }
}
