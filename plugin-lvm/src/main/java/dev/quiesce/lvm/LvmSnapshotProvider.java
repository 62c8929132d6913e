package dev.quiesce.lvm;

import dev.quiesce.lvm.LvsReport.LogicalVolume;
import dev.quiesce.spi.Capabilities;
import dev.quiesce.spi.NoSpaceException;
import dev.quiesce.spi.PendingSnapshot;
import dev.quiesce.spi.ProviderBusyException;
import dev.quiesce.spi.Snapshot;
import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotNameConflictException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotRequest;
import dev.quiesce.spi.SnapshotSource;
import dev.quiesce.spi.UnsupportedSourceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Snapshots of logical volumes through LVM2's own commands, by one {@link LvmTechnique}.
 *
 * <h2>Where the state lives</h2>
 * Nowhere but in LVM's metadata: every snapshot volume carries the tags {@code quiesce},
 * {@code qs.name=<name>}, {@code qs.technique=<technique>}, {@code qs.time=<epoch ms>} and
 * {@code qs.source=<source id>} (hex-encoded as {@code qs.source.hex=} when the id has
 * characters tags cannot hold). So {@link #list()} after a restart finds every snapshot
 * (S10), and the id of a snapshot is its volume's LVM UUID.
 *
 * <h2>Names</h2>
 * A thick or thin snapshot's volume is named like the snapshot, so the name must also be
 * a valid new LVM volume name ({@link LvmNames}); a split leg keeps the name LVM gives it
 * ({@code <origin>_rimage_<n>}). Every name is checked before it reaches a command line.
 *
 * <h2>Scope</h2>
 * With the {@code volume-group} configuration key it sees, lists and snapshots only the
 * volumes of that group (and {@code lvs} reads only that group's metadata).
 *
 * <h2>Errors</h2>
 * LVM's failures arrive as {@link LvmException} with LVM's message, or as the SPI's
 * {@link NoSpaceException} / {@link SnapshotNameConflictException} with the
 * {@code LvmException} as cause.
 */
final class LvmSnapshotProvider implements SnapshotProvider {
    static final String NAME = "lvm";
    static final String MARK = "quiesce";
    static final String TAG_NAME = "qs.name";
    static final String TAG_TECHNIQUE = "qs.technique";
    static final String TAG_SOURCE = "qs.source";
    static final String TAG_SOURCE_HEX = "qs.source.hex";
    static final String TAG_TIME = "qs.time";

    private final LvmTechnique technique;
    private final LvmRunner runner;
    private final String reportFormat;
    private final List<String> cowSizeArgs;
    private final String volumeGroup;

    /** {@code volumeGroup}: the one group this provider works in, or null for all. */
    LvmSnapshotProvider(LvmTechnique technique, LvmRunner runner, String reportFormat, List<String> cowSizeArgs,
                        String volumeGroup) {
        this.technique = technique;
        this.runner = runner;
        this.reportFormat = reportFormat;
        this.cowSizeArgs = List.copyOf(cowSizeArgs);
        this.volumeGroup = volumeGroup == null ? null : LvmNames.checkVolumeGroup(volumeGroup);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Capabilities capabilities() {
        return technique.capabilities();
    }

    LvmTechnique technique() {
        return technique;
    }

    @Override
    public boolean supports(SnapshotSource source) {
        try {
            List<LogicalVolume> all = volumes(null);
            Optional<LogicalVolume> origin = resolve(source, all);
            return origin.isPresent() && unsuitable(origin.get(), all) == null && busy(origin.get(), all) == null;
        } catch (LvmException e) {
            return false;
        }
    }

    @Override
    public PendingSnapshot prepare(SnapshotRequest request) throws SnapshotException {
        Objects.requireNonNull(request, "request");
        String name = request.name();
        List<LogicalVolume> all = volumes(name);
        SnapshotSource source = request.source();
        LogicalVolume origin = resolve(source, all).orElseThrow(() -> new UnsupportedSourceException(NAME,
                source.id(), source.path().isEmpty() ? "it has no device path; give a logical volume's device node"
                        : "no logical volume has the device " + source.path().get()));
        String why = unsuitable(origin, all);
        if (why != null) {
            throw new UnsupportedSourceException(NAME, source.id(), why);
        }
        Optional<LogicalVolume> existing = ours(all, name);
        String busy = busy(origin, all);
        if (busy != null && existing.isEmpty()) {
            throw new ProviderBusyException(NAME, name, busy);
        }
        if (existing.isPresent()) {
            LvmSnapshot snapshot = snapshotOf(existing.get(), true);
            if (!snapshot.sourceId().equals(source.id()) || !technique.configName().equals(
                    existing.get().tag(TAG_TECHNIQUE).orElse(""))) {
                throw new SnapshotNameConflictException(NAME, name, snapshot.sourceId() + " ("
                        + existing.get().tag(TAG_TECHNIQUE).orElse("?") + ")", source.id());
            }
            return LvmPendingSnapshot.resolved(this, request, snapshot);
        }
        if (technique != LvmTechnique.SPLIT_MIRROR) {
            LvmNames.checkNewVolume(origin.vg(), name);
            Optional<LogicalVolume> taken = all.stream()
                    .filter(lv -> lv.vg().equals(origin.vg()) && lv.name().equals(name)).findFirst();
            if (taken.isPresent()) {
                throw new SnapshotNameConflictException(NAME, name, "logical volume " + taken.get().qualifiedName()
                        + " (not a Quiesce snapshot)", source.id());
            }
        }
        sourceTag(source.id());
        return new LvmPendingSnapshot(this, request, origin);
    }

    @Override
    public List<Snapshot> list() throws SnapshotException {
        List<Snapshot> snapshots = new ArrayList<>();
        for (LogicalVolume lv : volumes(null)) {
            if (isOurs(lv)) {
                snapshots.add(snapshotOf(lv, true));
            }
        }
        return snapshots;
    }

    @Override
    public void delete(String name) throws SnapshotException {
        SnapshotRequest.checkName(name);
        // Only this technique's: a thick provider never removes another's split leg.
        Optional<LogicalVolume> lv = ours(volumes(name), name).filter(this::isOurs);
        if (lv.isPresent()) {
            removeVolume(name, lv.get());
        }
    }

    @Override
    public void close() {
        // Nothing is held between calls: all state is in LVM's metadata.
    }

    // ---- the cut, for LvmPendingSnapshot ----

    /**
     * Makes the snapshot volume: one LVM command for thick and thin, a split and a tagging
     * for a mirror leg. It is not looked up again here: that waits until it is needed.
     */
    LvmSnapshot cut(String name, String sourceId, LogicalVolume origin) throws SnapshotException {
        long now = System.currentTimeMillis();
        List<String> tags = tags(name, sourceId, now);
        String target = LvmNames.qualified(origin.vg(), origin.name());
        try {
            switch (technique) {
                case THICK -> {
                    List<String> args = new ArrayList<>(List.of("lvcreate", "-q", "-y", "-s", "-p", "r"));
                    args.addAll(cowSizeArgs);
                    args.addAll(List.of("-n", LvmNames.checkNewVolume(origin.vg(), name)));
                    addTags(args, "--addtag", tags);
                    args.add(target);
                    runner.run(name, args);
                    return made(origin.vg(), name, name, sourceId, now);
                }
                case THIN -> {
                    // -kn: no activation skip, so the snapshot is active and readable at once.
                    List<String> args = new ArrayList<>(List.of("lvcreate", "-q", "-y", "-s", "-p", "r", "-kn",
                            "-n", LvmNames.checkNewVolume(origin.vg(), name)));
                    addTags(args, "--addtag", tags);
                    args.add(target);
                    runner.run(name, args);
                    return made(origin.vg(), name, name, sourceId, now);
                }
                case SPLIT_MIRROR -> {
                    LvmRunner.Output split = runner.run(name, List.of("lvconvert", "-y", "--splitmirrors", "1",
                            "--trackchanges", target));
                    String leg = splitLegFrom(split.stdout() + "\n" + split.stderr(), origin).orElseGet(() -> null);
                    if (leg == null) {
                        leg = splitLeg(name, origin).map(LogicalVolume::name).orElseThrow(() -> new SnapshotException(
                                NAME, name, "lvconvert split " + target + " but no split leg is visible"));
                    }
                    List<String> args = new ArrayList<>(List.of("lvchange", "-q"));
                    addTags(args, "--addtag", tags);
                    args.add(LvmNames.qualified(origin.vg(), leg));
                    runner.run(name, args);
                    return made(origin.vg(), leg, name, sourceId, now);
                }
                default -> throw new IllegalStateException("unknown technique " + technique);
            }
        } catch (LvmException e) {
            throw typed(name, sourceId, e);
        }
    }

    private LvmSnapshot made(String vg, String lv, String name, String sourceId, long createdMillis) {
        return new LvmSnapshot(this, vg, lv, null, name, sourceId, Instant.ofEpochMilli(createdMillis), false);
    }

    /** The leg LVM names in its answer: {@code vg/<origin>_rimage_<n> split from vg/<origin> ...}. */
    static Optional<String> splitLegFrom(String lvmOutput, LogicalVolume origin) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "(\\S+)/(" + java.util.regex.Pattern.quote(origin.name()) + "_rimage_[0-9]+) split from").matcher(lvmOutput);
        return m.find() && m.group(1).equals(origin.vg()) ? Optional.of(m.group(2)) : Optional.empty();
    }

    /** Removes whatever a failed or aborted cut left of snapshot {@code name}. */
    void undoCut(String name, LogicalVolume origin) throws SnapshotException {
        List<LogicalVolume> all = volumes(name);
        Optional<LogicalVolume> made = ours(all, name);
        if (made.isPresent()) {
            removeVolume(name, made.get());
            return;
        }
        if (technique == LvmTechnique.SPLIT_MIRROR) {
            // Split, but the tags did not make it: merge the untagged leg back.
            Optional<LogicalVolume> leg = all.stream().filter(lv -> isSplitLegOf(lv, origin) && !lv.tags().contains(MARK))
                    .findFirst();
            if (leg.isPresent()) {
                runner.run(name, List.of("lvconvert", "-y", "--mergemirrors",
                        LvmNames.qualified(leg.get().vg(), leg.get().name())));
            }
        } else {
            // A failed lvcreate can leave the volume behind before its tags were written.
            for (LogicalVolume lv : all) {
                if (lv.vg().equals(origin.vg()) && lv.name().equals(name) && !lv.hidden()) {
                    runner.run(name, List.of("lvremove", "-q", "-y", LvmNames.qualified(lv.vg(), lv.name())));
                }
            }
        }
    }

    private void removeVolume(String name, LogicalVolume lv) throws SnapshotException {
        String target = LvmNames.qualified(lv.vg(), lv.name());
        if (technique == LvmTechnique.SPLIT_MIRROR || lv.name().contains("_rimage_")) {
            // Untag first: after the merge the leg is hidden again, and a later split of it
            // must not look like this snapshot.
            List<String> args = new ArrayList<>(List.of("lvchange", "-q"));
            addTags(args, "--deltag", lv.tags().stream().filter(t -> t.equals(MARK) || t.startsWith("qs.")).toList());
            args.add(target);
            runner.run(name, args);
            runner.run(name, List.of("lvconvert", "-y", "--mergemirrors", target));
        } else {
            runner.run(name, List.of("lvremove", "-q", "-y", target));
        }
    }

    // ---- queries ----

    /** Every logical volume LVM knows, hidden ones included (one {@code lvs} run). */
    List<LogicalVolume> volumes(String snapshot) throws LvmException {
        List<String> args = new ArrayList<>(List.of("lvs", "-a", "--reportformat", reportFormat, "--units", "b",
                "--nosuffix", "-o", String.join(",", LvsReport.COLUMNS)));
        if (volumeGroup != null) {
            args.add(volumeGroup);
        }
        String json = runner.stdout(snapshot, args);
        try {
            return LvsReport.parse(json);
        } catch (IllegalArgumentException e) {
            throw new LvmException(NAME, snapshot, LvmException.Kind.OTHER, List.of("lvs"), 0,
                    "cannot read the lvs report: " + e.getMessage(), e);
        }
    }

    /** The volume {@code vg/lv} as LVM reports it now. */
    LogicalVolume volume(String snapshot, String vg, String lv) throws LvmException {
        return find(snapshot, vg, lv).orElseThrow(() -> new LvmException(NAME, snapshot, LvmException.Kind.NOT_FOUND,
                List.of("lvs"), 0, "logical volume " + vg + "/" + lv + " is not in the lvs report", null));
    }

    Optional<LogicalVolume> find(String snapshot, String vg, String lv) throws LvmException {
        return volumes(snapshot).stream().filter(v -> v.vg().equals(vg) && v.name().equals(lv) && !v.hidden())
                .findFirst();
    }

    /** Finds the volume again by UUID (its name may not be unique across groups). */
    Optional<LogicalVolume> byUuid(String snapshot, String uuid) throws LvmException {
        return volumes(snapshot).stream().filter(v -> v.uuid().equals(uuid)).findFirst();
    }

    /** Activates a volume that LVM left inactive (a thin snapshot after a restart). */
    void activate(String snapshot, LogicalVolume lv) throws LvmException {
        runner.run(snapshot, List.of("lvchange", "-q", "-ay", "-K", LvmNames.qualified(lv.vg(), lv.name())));
    }

    private boolean isOurs(LogicalVolume lv) {
        return !lv.hidden() && lv.tags().contains(MARK)
                && lv.tag(TAG_TECHNIQUE).orElse("").equals(technique.configName());
    }

    /** This provider's snapshot called {@code name}, or a Quiesce snapshot of another technique with it. */
    private Optional<LogicalVolume> ours(List<LogicalVolume> all, String name) {
        return all.stream().filter(lv -> !lv.hidden() && lv.tags().contains(MARK)
                && lv.tag(TAG_NAME).orElse("").equals(name)).findFirst();
    }

    private Optional<LogicalVolume> splitLeg(String snapshot, LogicalVolume origin) throws LvmException {
        return volumes(snapshot).stream().filter(lv -> isSplitLegOf(lv, origin) && !lv.tags().contains(MARK))
                .findFirst();
    }

    private static boolean isSplitLegOf(LogicalVolume lv, LogicalVolume origin) {
        return !lv.hidden() && lv.vg().equals(origin.vg()) && lv.name().startsWith(origin.name() + "_rimage_");
    }

    /** The volume behind {@code source}: by device path, then by the node it resolves to. */
    static Optional<LogicalVolume> resolve(SnapshotSource source, List<LogicalVolume> all) {
        if (source.path().isEmpty()) {
            return Optional.empty();
        }
        Path path = source.path().get();
        Path real = realPath(path);
        return all.stream().filter(lv -> !lv.hidden() && (path.toString().equals(lv.path())
                || path.toString().equals(lv.dmPath()) || (real != null && !lv.dmPath().isEmpty()
                && real.equals(realPath(Path.of(lv.dmPath())))))).findFirst();
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** Why this provider's technique cannot snapshot {@code origin}, or null if it can. */
    String unsuitable(LogicalVolume origin, List<LogicalVolume> all) {
        if (origin.tags().contains(MARK)) {
            return origin.qualifiedName() + " is itself a Quiesce snapshot";
        }
        switch (technique) {
            case THICK:
                if (origin.isThickSnapshot() || origin.roles().contains("pool")) {
                    return origin.qualifiedName() + " is a snapshot or pool, not an origin volume";
                }
                return null;
            case THIN:
                return origin.isThinVolume() ? null : origin.qualifiedName()
                        + " is not a thin volume (attr " + origin.attr() + "); use technique 'thick'";
            case SPLIT_MIRROR:
                return origin.isRaid1() ? null
                        : origin.qualifiedName() + " is not a raid1 volume (layout " + origin.layout() + ")";
            default:
                return "unknown technique " + technique;
        }
    }

    /** Why {@code origin} cannot be snapshotted right now, or null: one tracked split at a time. */
    private static String busy(LogicalVolume origin, List<LogicalVolume> all) {
        boolean split = origin.isRaid1() && all.stream().anyMatch(lv -> isSplitLegOf(lv, origin));
        return split ? origin.qualifiedName() + " already has a leg split off with change tracking; LVM allows one "
                + "at a time: delete that snapshot (it merges back) first" : null;
    }

    LvmSnapshot snapshotOf(LogicalVolume lv, boolean ready) {
        String source = lv.tag(TAG_SOURCE).orElseGet(() -> lv.tag(TAG_SOURCE_HEX)
                .map(hex -> new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8))
                .orElse(lv.origin()));
        Instant created = lv.tag(TAG_TIME).map(t -> Instant.ofEpochMilli(Long.parseLong(t))).orElse(Instant.EPOCH);
        return new LvmSnapshot(this, lv.vg(), lv.name(), lv, lv.tag(TAG_NAME).orElse(lv.name()), source, created, ready);
    }

    private List<String> tags(String name, String sourceId, long createdMillis) {
        return List.of(MARK, TAG_NAME + "=" + name, TAG_TECHNIQUE + "=" + technique.configName(),
                TAG_TIME + "=" + createdMillis, sourceTag(sourceId));
    }

    private static String sourceTag(String sourceId) {
        String plain = TAG_SOURCE + "=" + sourceId;
        if (LvmNames.isTag(plain)) {
            return plain;
        }
        return LvmNames.checkTag(TAG_SOURCE_HEX + "=" + HexFormat.of().formatHex(sourceId.getBytes(StandardCharsets.UTF_8)));
    }

    private static void addTags(List<String> args, String option, List<String> tags) {
        for (String tag : tags) {
            args.add(option);
            args.add(LvmNames.checkTag(tag));
        }
    }

    /** LVM's failure as the SPI's type where it has one, LVM's message kept as the cause. */
    private static SnapshotException typed(String name, String sourceId, LvmException e) {
        switch (e.kind()) {
            case NO_SPACE:
                return new NoSpaceException(NAME, name, "the volume group has no room: " + e.lvmMessage(), e);
            case NAME_TAKEN:
                SnapshotNameConflictException conflict = new SnapshotNameConflictException(NAME, name,
                        "a logical volume LVM reports: " + e.lvmMessage(), sourceId);
                conflict.initCause(e);
                return conflict;
            default:
                return e;
        }
    }
}
