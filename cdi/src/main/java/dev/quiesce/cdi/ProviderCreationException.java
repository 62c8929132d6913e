package dev.quiesce.cdi;

/**
 * A discovered provider's factory refused its configuration when the bean was first
 * used. Unchecked because CDI creates beans lazily inside injection; the cause is the
 * factory's {@link dev.quiesce.spi.SnapshotException} naming the bad key or value.
 */
public final class ProviderCreationException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String provider;

    public ProviderCreationException(String provider, Throwable cause) {
        super("provider '" + provider + "' could not be created: " + cause.getMessage(), cause);
        this.provider = provider;
    }

    public String provider() {
        return provider;
    }
}
