package dev.quiesce.lvm;

import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code lvm} provider: snapshots of logical volumes made by LVM2 itself (thick,
 * thin, or a split raid1 leg). Registered for {@link java.util.ServiceLoader}.
 *
 * <p>{@link #create} checks that LVM is installed and that this kernel has
 * device-mapper, failing with an {@link LvmException} of kind
 * {@link LvmException.Kind#LVM_MISSING} or {@link LvmException.Kind#NO_DEVICE_MAPPER}
 * otherwise. It picks {@code --reportformat json_std} where LVM has it (2.03.17+) and
 * {@code json} before.
 */
public final class LvmSnapshotProviderFactory implements SnapshotProviderFactory {
    static final String TECHNIQUE = "technique";
    static final String COW_SIZE = "cow-size";
    static final String COMMAND_TIMEOUT = "command-timeout";
    static final String LVM = "lvm";
    static final String VOLUME_GROUP = "volume-group";
    private static final Pattern SIZE = Pattern.compile("[0-9]+(\\.[0-9]+)?[bBsSkKmMgGtTpPeE]?");
    private static final Pattern EXTENTS = Pattern.compile("[0-9]{1,3}%(ORIGIN|FREE|VG|PVS)");
    private static final Pattern VERSION = Pattern.compile("LVM version:\\s*(\\d+)\\.(\\d+)\\.(\\d+)");
    /** Report format per lvm program: asking costs a process, and the answer never changes. */
    private static final Map<Path, String> FORMATS = new java.util.concurrent.ConcurrentHashMap<>();

    public LvmSnapshotProviderFactory() {
        // ServiceLoader needs a public no-argument constructor.
    }

    @Override
    public String name() {
        return LvmSnapshotProvider.NAME;
    }

    @Override
    public String description() {
        return "LVM2 snapshots: thick, thin, or a split raid1 leg with change tracking";
    }

    @Override
    public Map<String, String> configurationKeys() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put(TECHNIQUE, "thick (lvcreate -s -L), thin (snapshot of a thin volume) or split-mirror "
                + "(raid1 leg split with --trackchanges); default thick");
        keys.put(COW_SIZE, "thick only: the copy-on-write store, as an LVM size (64m, 1g) or extents "
                + "(20%ORIGIN, 10%FREE); default 20%ORIGIN");
        keys.put(COMMAND_TIMEOUT, "the bound on each LVM command, in seconds or ISO-8601 (PT2M); default 60");
        keys.put(LVM, "the lvm program; default /usr/sbin/lvm or /sbin/lvm");
        keys.put(VOLUME_GROUP, "only volumes of this volume group are snapshotted and listed; default: all");
        return keys;
    }

    @Override
    public SnapshotProvider create(Map<String, String> configuration) throws SnapshotException {
        for (String key : configuration.keySet()) {
            if (!configurationKeys().containsKey(key)) {
                throw bad(key, configuration.get(key), "unknown key; known keys are " + configurationKeys().keySet());
            }
        }
        LvmTechnique technique;
        try {
            technique = LvmTechnique.fromConfig(configuration.getOrDefault(TECHNIQUE, "thick"));
        } catch (IllegalArgumentException e) {
            throw bad(TECHNIQUE, configuration.get(TECHNIQUE), e.getMessage());
        }
        List<String> cowSize = cowSize(configuration.getOrDefault(COW_SIZE, "20%ORIGIN"));
        Duration timeout = timeout(configuration.getOrDefault(COMMAND_TIMEOUT, "60"));
        Path lvm = Path.of(configuration.getOrDefault(LVM, defaultLvm()));
        String group = configuration.get(VOLUME_GROUP);
        if (group != null) {
            try {
                LvmNames.checkVolumeGroup(group);
            } catch (IllegalArgumentException e) {
                throw bad(VOLUME_GROUP, group, e.getMessage());
            }
        }
        LvmRunner runner = new LvmRunner(LvmSnapshotProvider.NAME, lvm, timeout);
        String format = FORMATS.get(lvm);
        if (format == null) {
            format = reportFormat(runner);
            FORMATS.put(lvm, format);
        }
        return new LvmSnapshotProvider(technique, runner, format, cowSize, group);
    }

    /**
     * Runs {@code lvm version}: it answers even without device-mapper, but then prints no
     * driver version and says why on its error stream.
     */
    static String reportFormat(LvmRunner runner) throws LvmException {
        LvmRunner.Output output = runner.run(null, List.of("version"));
        if (!output.stdout().contains("Driver version")) {
            String why = output.stderr().strip();
            throw new LvmException(LvmSnapshotProvider.NAME, null, LvmException.Kind.NO_DEVICE_MAPPER,
                    List.of("lvm", "version"), 0, why.isEmpty() ? "LVM reports no device-mapper driver" : why, null);
        }
        return reportFormatFor(output.stdout());
    }

    /** {@code json_std} from LVM 2.03.17 on, {@code json} before. */
    static String reportFormatFor(String versionOutput) {
        Matcher m = VERSION.matcher(versionOutput);
        if (!m.find()) {
            return "json";
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        int patch = Integer.parseInt(m.group(3));
        boolean std = major > 2 || major == 2 && (minor > 3 || minor == 3 && patch >= 17);
        return std ? "json_std" : "json";
    }

    static List<String> cowSize(String value) throws SnapshotException {
        String v = value.strip();
        if (SIZE.matcher(v).matches()) {
            return List.of("-L", v);
        }
        if (EXTENTS.matcher(v).matches()) {
            return List.of("-l", v);
        }
        throw bad(COW_SIZE, value, "use an LVM size such as 64m or extents such as 20%ORIGIN");
    }

    static Duration timeout(String value) throws SnapshotException {
        Duration d;
        try {
            d = value.strip().matches("[0-9]+") ? Duration.ofSeconds(Long.parseLong(value.strip()))
                    : Duration.parse(value.strip());
        } catch (DateTimeParseException | NumberFormatException e) {
            throw bad(COMMAND_TIMEOUT, value, "use seconds or an ISO-8601 duration such as PT2M");
        }
        if (d.isZero() || d.isNegative()) {
            throw bad(COMMAND_TIMEOUT, value, "must be positive");
        }
        return d;
    }

    private static String defaultLvm() {
        for (String place : Set.of("/usr/sbin/lvm", "/sbin/lvm")) {
            if (Files.isExecutable(Path.of(place))) {
                return place;
            }
        }
        return "/usr/sbin/lvm";
    }

    private static SnapshotException bad(String key, String value, String why) {
        return new SnapshotException(LvmSnapshotProvider.NAME, null, "configuration '" + key + "' = '" + value
                + "': " + why);
    }
}
