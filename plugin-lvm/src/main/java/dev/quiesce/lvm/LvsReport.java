package dev.quiesce.lvm;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Reads {@code lvs --reportformat json} (LVM 2.03.16: every value a string, {@code ""}
 * when empty, hidden volumes in brackets) and {@code --reportformat json_std} (2.03.17+:
 * numbers as numbers, {@code null} when empty, lists as arrays), both asked for with
 * {@code --units b --nosuffix} so that sizes are plain byte counts.
 */
final class LvsReport {
    /** The columns {@link #parse} reads, in the order given to {@code lvs -o}. */
    static final List<String> COLUMNS = List.of("lv_uuid", "lv_name", "vg_name", "lv_attr", "lv_size", "origin",
            "pool_lv", "data_percent", "lv_role", "lv_layout", "lv_tags", "lv_path", "lv_dm_path",
            "lv_kernel_major", "lv_kernel_minor", "origin_size");

    /** One logical volume as LVM reported it. */
    record LogicalVolume(String uuid, String name, String vg, String attr, long sizeBytes, String origin,
                         String pool, OptionalDouble dataPercent, List<String> roles, List<String> layout,
                         List<String> tags, String path, String dmPath, int major, int minor, long originSizeBytes,
                         boolean hidden) {

        /**
         * Bytes readable through the device node: a thick snapshot reports its store's size
         * as {@code lv_size}, but reads as big as its origin.
         */
        long deviceBytes() {
            return isThickSnapshot() && originSizeBytes > 0 ? originSizeBytes : sizeBytes;
        }

        /** {@code vg/lv}, as commands take it. */
        String qualifiedName() {
            return vg + "/" + name;
        }

        /** The first attribute letter: o origin, s snapshot, V thin volume, r raid, m mirror, ... */
        char volumeType() {
            return attr.isEmpty() ? '-' : attr.charAt(0);
        }

        boolean isThickSnapshot() {
            return volumeType() == 's' || roles.contains("thicksnapshot");
        }

        boolean isThinVolume() {
            return volumeType() == 'V';
        }

        boolean isRaid1() {
            return layout.contains("raid1");
        }

        /** A snapshot whose copy-on-write store overflowed: 'I' in the state position. */
        boolean isInvalidSnapshot() {
            return attr.length() > 4 && attr.charAt(4) == 'I';
        }

        boolean isActive() {
            return attr.length() > 4 && attr.charAt(4) == 'a';
        }

        /** The value of tag {@code key=value}, if present. */
        Optional<String> tag(String key) {
            String prefix = key + "=";
            return tags.stream().filter(t -> t.startsWith(prefix)).map(t -> t.substring(prefix.length())).findFirst();
        }
    }

    private LvsReport() {
    }

    /** Every volume in the report, in LVM's order. */
    static List<LogicalVolume> parse(String json) {
        Object root = Json.parse(json);
        List<LogicalVolume> volumes = new ArrayList<>();
        for (Object report : list(member(root, "report"), "report")) {
            Object lvs = report instanceof Map<?, ?> map ? map.get("lv") : null;
            if (lvs == null) {
                continue;
            }
            for (Object lv : list(lvs, "lv")) {
                if (!(lv instanceof Map<?, ?> row)) {
                    throw new IllegalArgumentException("lvs report: a volume entry is not an object: " + lv);
                }
                volumes.add(volume(row));
            }
        }
        return volumes;
    }

    private static LogicalVolume volume(Map<?, ?> row) {
        String rawName = text(row, "lv_name");
        boolean hidden = rawName.startsWith("[") && rawName.endsWith("]");
        String name = hidden ? rawName.substring(1, rawName.length() - 1) : rawName;
        return new LogicalVolume(text(row, "lv_uuid"), name, text(row, "vg_name"), text(row, "lv_attr"),
                number(row, "lv_size").map(BigDecimal::longValueExact).orElse(0L), text(row, "origin"),
                text(row, "pool_lv"), percent(row, "data_percent"), words(row, "lv_role"), words(row, "lv_layout"),
                words(row, "lv_tags"), text(row, "lv_path"), text(row, "lv_dm_path"),
                number(row, "lv_kernel_major").map(BigDecimal::intValue).orElse(-1),
                number(row, "lv_kernel_minor").map(BigDecimal::intValue).orElse(-1),
                number(row, "origin_size").map(BigDecimal::longValueExact).orElse(0L), hidden);
    }

    private static Object member(Object node, String key) {
        if (!(node instanceof Map<?, ?> map) || !map.containsKey(key)) {
            throw new IllegalArgumentException("lvs report: no '" + key + "' member");
        }
        return map.get(key);
    }

    private static List<?> list(Object node, String what) {
        if (!(node instanceof List<?> list)) {
            throw new IllegalArgumentException("lvs report: '" + what + "' is not an array");
        }
        return list;
    }

    private static String text(Map<?, ?> row, String key) {
        Object value = row.get(key);
        if (value == null) {
            return "";
        }
        if (value instanceof BigDecimal number) {
            return number.toPlainString();
        }
        if (value instanceof List<?> items) {
            return String.join(",", items.stream().map(String::valueOf).toList());
        }
        return value.toString();
    }

    private static Optional<BigDecimal> number(Map<?, ?> row, String key) {
        Object value = row.get(key);
        if (value instanceof BigDecimal number) {
            return Optional.of(number);
        }
        String text = value == null ? "" : value.toString().strip();
        if (text.isEmpty() || text.equals("-1") && key.startsWith("lv_kernel")) {
            return Optional.empty();
        }
        try {
            return Optional.of(new BigDecimal(text));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("lvs report: '" + key + "' is not a number: '" + text
                    + "' (was --units b --nosuffix given?)", e);
        }
    }

    private static OptionalDouble percent(Map<?, ?> row, String key) {
        return number(row, key).map(n -> OptionalDouble.of(n.doubleValue())).orElse(OptionalDouble.empty());
    }

    private static List<String> words(Map<?, ?> row, String key) {
        Object value = row.get(key);
        if (value instanceof List<?> items) {
            return items.stream().map(String::valueOf).toList();
        }
        String text = text(row, key);
        return text.isEmpty() ? List.of() : Arrays.stream(text.split(",")).map(String::strip).toList();
    }
}
