package dev.quiesce.cdi;

/**
 * Fired synchronously when an operation failed, after every target was thawed and every
 * cut aborted (SPEC.md C2, C7), including when a {@link BeforeFreeze} observer vetoed
 * it. Observers run in {@code @Priority} order; one that throws is logged.
 *
 * @param operation the snapshot (or snapshot set) name
 * @param cause     why it failed; the same exception the caller receives
 */
public record BackupFailed(String operation, Exception cause) {
}
