package dev.quiesce.lvm;

import java.util.List;
import java.util.regex.Pattern;

/**
 * LVM's naming rules (lvm(8), "VALID NAMES"), checked before any name reaches a command
 * line, so that a name can never be taken for an option or a path.
 *
 * <ul>
 *   <li>Volume group and logical volume names use only {@code a-z A-Z 0-9 + _ . -}, do
 *       not start with {@code -}, and are not {@code .} or {@code ..}.</li>
 *   <li>A new logical volume name is not {@code snapshot} or {@code pvmove} nor starts
 *       with them, and contains none of the suffixes LVM uses for its hidden volumes
 *       ({@code _rimage}, {@code _tmeta}, ...).</li>
 *   <li>At most 127 characters, and the device-mapper name {@code vg-lv} (hyphens
 *       doubled) fits in 127 characters too.</li>
 * </ul>
 */
final class LvmNames {
    private static final Pattern CHARS = Pattern.compile("[A-Za-z0-9+_.][A-Za-z0-9+_.-]*");
    private static final List<String> RESERVED_PREFIXES = List.of("snapshot", "pvmove");
    private static final List<String> RESERVED_PARTS = List.of("_cdata", "_cmeta", "_corig", "_iorig", "_imeta",
            "_mlog", "_mimage", "_pmspare", "_rimage", "_rmeta", "_tdata", "_tmeta", "_vdata", "_vorigin",
            "_wcorig");
    static final int MAX_LENGTH = 127;

    /** LVM tags: these characters, at most 1024 of them. */
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_+.\\-/=!:&#]{1,1024}");

    private LvmNames() {
    }

    /** A volume group name, or {@link IllegalArgumentException} saying why not. */
    static String checkVolumeGroup(String name) {
        return checkCommon("volume group", name);
    }

    /** A name for a logical volume this provider will create. */
    static String checkNewVolume(String vg, String name) {
        checkCommon("logical volume", name);
        for (String prefix : RESERVED_PREFIXES) {
            if (name.startsWith(prefix)) {
                throw invalid("logical volume", name, "names starting with '" + prefix + "' are reserved by LVM");
            }
        }
        for (String part : RESERVED_PARTS) {
            if (name.contains(part)) {
                throw invalid("logical volume", name, "'" + part + "' is reserved by LVM for its hidden volumes");
            }
        }
        String dmName = vg.replace("-", "--") + "-" + name.replace("-", "--");
        if (dmName.length() > MAX_LENGTH) {
            throw invalid("logical volume", name, "the device-mapper name '" + dmName + "' is longer than "
                    + MAX_LENGTH + " characters");
        }
        return name;
    }

    /**
     * A logical volume that LVM reported (it may be one LVM named, such as a split
     * {@code lv_rimage_1}): only the character rules apply.
     */
    static String checkExistingVolume(String name) {
        return checkCommon("logical volume", name);
    }

    /** {@code vg/lv} for a command line, both parts checked. */
    static String qualified(String vg, String lv) {
        return checkVolumeGroup(vg) + "/" + checkExistingVolume(lv);
    }

    /** Whether {@code text} can be stored as an LVM tag as it is. */
    static boolean isTag(String text) {
        return TAG.matcher(text).matches();
    }

    static String checkTag(String tag) {
        if (!isTag(tag)) {
            throw new IllegalArgumentException("invalid LVM tag '" + tag + "': use 1-1024 of A-Z a-z 0-9 _ + . - / = ! : & #");
        }
        return tag;
    }

    private static String checkCommon(String what, String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("empty " + what + " name");
        }
        if (name.length() > MAX_LENGTH) {
            throw invalid(what, name, "longer than " + MAX_LENGTH + " characters");
        }
        if (name.equals(".") || name.equals("..")) {
            throw invalid(what, name, "'.' and '..' are not names");
        }
        if (!CHARS.matcher(name).matches()) {
            throw invalid(what, name, "use only A-Z a-z 0-9 + _ . - and do not start with '-'");
        }
        return name;
    }

    private static IllegalArgumentException invalid(String what, String name, String why) {
        return new IllegalArgumentException("invalid LVM " + what + " name '" + name + "': " + why);
    }
}
