package dev.quiesce.spi;

/** This target cannot be frozen at all (the kernel's EOPNOTSUPP); use a provider whose cut freezes by itself, or accept a crash-consistent cut. Like every failed freeze it leaves the target as it was (SPEC.md F6). */
public final class FreezeNotSupportedException extends FreezeException {
    private static final long serialVersionUID = 1L;

    public FreezeNotSupportedException(String target, String why) {
        super(target, "cannot be frozen: " + why);
    }

    public FreezeNotSupportedException(String target, String why, Throwable cause) {
        super(target, "cannot be frozen: " + why, cause);
    }
}
