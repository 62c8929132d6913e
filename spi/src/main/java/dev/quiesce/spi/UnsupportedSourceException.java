package dev.quiesce.spi;

/** The provider cannot snapshot this source ({@code supports(source)} is false); the message says why (SPEC.md S8, S12). */
public final class UnsupportedSourceException extends SnapshotException {
    private static final long serialVersionUID = 1L;

    public UnsupportedSourceException(String provider, String source, String why) {
        super(provider, null, "cannot snapshot '" + source + "': " + why);
    }
}
