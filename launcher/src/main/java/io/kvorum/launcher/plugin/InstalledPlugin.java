package io.kvorum.launcher.plugin;

import io.kvorum.spi.plugin.PluginProvider;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One provider found, and where it was found.
 *
 * @param kind     what it plugs into
 * @param provider the provider itself
 * @param source   the jar or folder of jars it was loaded from; empty when it is built in (on the
 *                 module path: the distribution's {@code lib/})
 */
public record InstalledPlugin(PluginKind kind, PluginProvider provider, Optional<Path> source) {
    static final String BUILT_IN = "built in (lib/)";

    public InstalledPlugin {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(source, "source");
    }

    public String name() {
        return provider.name();
    }

    /** Where it came from, for people: {@value #BUILT_IN} or the path of its jar or folder. */
    public String origin() {
        return source.map(Path::toString).orElse(BUILT_IN);
    }
}
