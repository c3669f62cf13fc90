package io.kvorum.server;

import io.kvorum.spi.plugin.PluginProvider;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Finds plugins by name through {@link ServiceLoader}. */
public final class Plugins {
    private Plugins() {
    }

    /** Every installed provider of a kind, visible to this module's layer. */
    public static <P extends PluginProvider> List<P> installed(Class<P> kind) {
        return ServiceLoader.load(kind, Plugins.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .sorted(java.util.Comparator.comparing(PluginProvider::name))
                .collect(Collectors.toList());
    }

    /**
     * The provider of {@code kind} called {@code name}.
     *
     * @throws IllegalArgumentException naming the flag and listing what is installed
     */
    public static <P extends PluginProvider> P find(Class<P> kind, String kindName, String name) {
        List<P> all = installed(kind);
        return all.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("--" + kindName + ": unknown " + kindName + " plugin \"" + name
                        + "\"; installed: " + all.stream().map(PluginProvider::name).collect(Collectors.joining(", "))));
    }
}
