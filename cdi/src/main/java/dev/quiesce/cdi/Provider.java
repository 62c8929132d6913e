package dev.quiesce.cdi;

import jakarta.enterprise.util.AnnotationLiteral;
import jakarta.inject.Qualifier;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Objects;

/**
 * Selects the {@link dev.quiesce.spi.SnapshotProvider} registered under a name, e.g.
 * {@code @Inject @Provider("dmsnap") SnapshotProvider dmsnap}. Every provider that
 * {@link QuiesceExtension} found also carries {@code @Any}, so
 * {@code @Inject @Any Instance<SnapshotProvider>} iterates all of them.
 */
@Qualifier
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE})
public @interface Provider {

    /** The provider's name, as its {@link dev.quiesce.spi.SnapshotProviderFactory#name()}. */
    String value();

    /** An instance of the qualifier, for {@code Instance.select} and synthetic beans. */
    final class Literal extends AnnotationLiteral<Provider> implements Provider {
        private static final long serialVersionUID = 1L;
        private final String value;

        private Literal(String value) {
            this.value = Objects.requireNonNull(value, "value");
        }

        public static Literal of(String name) {
            return new Literal(name);
        }

        @Override
        public String value() {
            return value;
        }
    }
}
