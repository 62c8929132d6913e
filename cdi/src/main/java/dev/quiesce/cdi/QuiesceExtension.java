package dev.quiesce.cdi;

import dev.quiesce.spi.SnapshotException;
import dev.quiesce.spi.SnapshotProvider;
import dev.quiesce.spi.SnapshotProviderFactory;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.BeforeBeanDiscovery;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The portable extension that makes every {@link SnapshotProviderFactory} found by
 * {@link ServiceLoader} a {@link SnapshotProvider} bean qualified
 * {@code @Provider("<name>")} and {@code @Any}: one instance per container
 * ({@code @Singleton}, so no client proxy hides the provider's own type and a
 * plugin-specific API stays reachable by a cast), created when first injected or looked
 * up, from the {@link ProviderConfiguration} bean (system properties if there is none),
 * and closed when the container shuts down. Look providers up through
 * {@code Instance} when their configuration is settled late. It also registers
 * {@link ProviderCatalog} and the {@link ConsistentSnapshots} facade, so an application
 * needs nothing but this extension.
 *
 * <p>Registered in {@code META-INF/services/jakarta.enterprise.inject.spi.Extension}. A
 * container booted with discovery disabled does not read that file: pass
 * {@code new QuiesceExtension()} to {@code SeContainerInitializer.addExtensions}. To load
 * plugins from their own class loader (a plugin jar under test), pass
 * {@code new QuiesceExtension(loader)}.
 *
 * <p>Two factories with the same name are a definition error: the container does not
 * start, rather than inject one of them by chance.
 */
public class QuiesceExtension implements Extension {
    private final ClassLoader loader;
    private final Map<String, SnapshotProviderFactory> factories = new LinkedHashMap<>();

    /** Discovers through the thread context class loader (or this class's loader). */
    public QuiesceExtension() {
        this(null);
    }

    /** Discovers through {@code loader} (null: the thread context class loader). */
    public QuiesceExtension(ClassLoader loader) {
        this.loader = loader;
    }

    void addFacade(@Observes BeforeBeanDiscovery bbd, BeanManager manager) {
        bbd.addAnnotatedType(manager.createAnnotatedType(ConsistentSnapshots.class),
                QuiesceExtension.class.getName() + ".facade");
    }

    void registerProviders(@Observes AfterBeanDiscovery abd) {
        ClassLoader effective = loader != null ? loader : contextLoader();
        try {
            for (SnapshotProviderFactory factory : ServiceLoader.load(SnapshotProviderFactory.class, effective)) {
                SnapshotProviderFactory previous = factories.putIfAbsent(factory.name(), factory);
                if (previous != null) {
                    abd.addDefinitionError(new IllegalStateException("two snapshot provider factories are named '"
                            + factory.name() + "': " + previous.getClass().getName() + " and "
                            + factory.getClass().getName()));
                }
            }
        } catch (ServiceConfigurationError e) {
            abd.addDefinitionError(e);
            return;
        }
        factories.forEach((name, factory) -> abd.<SnapshotProvider>addBean()
                .beanClass(factory.getClass())
                .types(SnapshotProvider.class, Object.class)
                .qualifiers(Provider.Literal.of(name), Any.Literal.INSTANCE)
                .scope(Singleton.class)
                .produceWith(lookup -> create(name, factory, lookup))
                .disposeWith((provider, lookup) -> close(provider)));
        ProviderCatalog catalog = new ProviderCatalog(factories);
        abd.<ProviderCatalog>addBean()
                .beanClass(ProviderCatalog.class)
                .types(ProviderCatalog.class, Object.class)
                .qualifiers(Default.Literal.INSTANCE, Any.Literal.INSTANCE)
                .scope(Singleton.class)
                .createWith(ctx -> catalog);
    }

    /** The names of the factories found, in discovery order; empty before discovery. */
    public List<String> providerNames() {
        return List.copyOf(factories.keySet());
    }

    private static SnapshotProvider create(String name, SnapshotProviderFactory factory, Instance<Object> lookup) {
        Instance<ProviderConfiguration> configured = lookup.select(ProviderConfiguration.class);
        ProviderConfiguration configuration = configured.isResolvable()
                ? configured.get() : ProviderConfiguration.systemProperties();
        try {
            return factory.create(configuration.forProvider(name));
        } catch (SnapshotException | RuntimeException e) {
            throw new ProviderCreationException(name, e);
        }
    }

    private static void close(SnapshotProvider provider) {
        try {
            provider.close();
        } catch (SnapshotException | RuntimeException e) {
            System.getLogger(QuiesceExtension.class.getName())
                    .log(System.Logger.Level.WARNING, "closing provider " + provider.name() + " failed", e);
        }
    }

    private static ClassLoader contextLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : QuiesceExtension.class.getClassLoader();
    }
}
