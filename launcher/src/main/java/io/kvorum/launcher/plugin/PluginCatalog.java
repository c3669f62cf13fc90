package io.kvorum.launcher.plugin;

import io.kvorum.spi.plugin.PluginProvider;
import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolutionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every plugin installed: those on the module path (built in) and those dropped into plugin
 * folders.
 *
 * <p>In a plugin folder, each jar and each sub-folder of jars is one plugin, loaded into a module
 * layer of its own whose parent is the boot layer, with one class loader. A plugin therefore sees
 * the SPI and the libraries of {@code lib/}, and may carry its own libraries, in versions other
 * plugins do not share. Jars without {@code module-info} become automatic modules (their providers
 * are read from {@code META-INF/services}). Other files in a plugin folder (a README) are ignored.
 *
 * <p>Every provider is created when the catalog is loaded, so that a broken plugin fails the start
 * instead of the first use.
 */
public final class PluginCatalog {

    /** Modules a plugin must take from the boot layer: a copy of its own would be a different SPI. */
    private static final Set<String> SHARED_MODULES = Set.of("io.kvorum.spi");

    private final List<InstalledPlugin> plugins;

    private PluginCatalog(List<InstalledPlugin> plugins) {
        this.plugins = List.copyOf(plugins);
    }

    /**
     * The built-in plugins and those of {@code folders}, in that order.
     *
     * @throws PluginLoadException naming the folder, jar or plugin at fault
     */
    public static PluginCatalog load(List<Path> folders) throws PluginLoadException {
        List<InstalledPlugin> found = new ArrayList<>();
        for (PluginKind kind : PluginKind.values()) {
            found.addAll(providers(kind, ServiceLoader.load(kind.type(), PluginCatalog.class.getClassLoader()),
                    Optional.empty(), type -> true));
        }
        for (Path folder : folders) {
            for (Path source : sources(folder)) {
                ModuleLayer layer = defineLayer(source);
                for (PluginKind kind : PluginKind.values()) {
                    // The layer's loader also finds the boot layer's providers: keep the layer's own.
                    found.addAll(providers(kind, ServiceLoader.load(layer, kind.type()), Optional.of(source),
                            type -> type.getModule().getLayer() == layer));
                }
            }
        }
        return new PluginCatalog(found);
    }

    /** The plugins of one kind, by name. */
    public List<InstalledPlugin> of(PluginKind kind) {
        return plugins.stream().filter(p -> p.kind() == kind)
                .sorted(Comparator.comparing(InstalledPlugin::name))
                .toList();
    }

    /**
     * The plugin of {@code kind} called {@code name}.
     *
     * @throws IllegalArgumentException naming the flag and listing what is installed, with where
     *                                  each came from; or when two plugins carry that name
     */
    public InstalledPlugin find(PluginKind kind, String name) {
        List<InstalledPlugin> ofKind = of(kind);
        List<InstalledPlugin> named = ofKind.stream().filter(p -> p.name().equals(name)).toList();
        if (named.isEmpty()) {
            throw new IllegalArgumentException(kind.flag() + ": unknown " + kind.word() + " plugin \"" + name
                    + "\"; installed: " + ofKind.stream().map(p -> p.name() + " (" + p.origin() + ")")
                    .collect(Collectors.joining(", ")));
        }
        if (named.size() > 1) {
            throw new IllegalArgumentException(kind.flag() + ": " + named.size() + " " + kind.word()
                    + " plugins are called \"" + name + "\": " + named.stream().map(InstalledPlugin::origin)
                    .collect(Collectors.joining(", ")) + "; remove all but one");
        }
        return named.get(0);
    }

    /** The jars and folders of jars in {@code folder}, sorted by name. */
    private static List<Path> sources(Path folder) throws PluginLoadException {
        Path absolute = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(absolute)) {
            throw new PluginLoadException(absolute.toString(), "no such folder", null);
        }
        try (Stream<Path> entries = Files.list(absolute)) {
            return entries.filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> Files.isDirectory(p) || (Files.isRegularFile(p) && p.toString().endsWith(".jar")))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new PluginLoadException(absolute.toString(), "cannot list the folder: " + e.getMessage(), e);
        }
    }

    /** Resolves every module of {@code source} against the boot layer, in a layer with one loader. */
    private static ModuleLayer defineLayer(Path source) throws PluginLoadException {
        ModuleLayer boot = ModuleLayer.boot();
        try {
            ModuleFinder finder = ModuleFinder.of(source);
            Set<String> roots = finder.findAll().stream().map(r -> r.descriptor().name())
                    .collect(Collectors.toCollection(TreeSet::new));
            if (roots.isEmpty()) {
                throw new PluginLoadException(source.toString(), "no jar in it", null);
            }
            for (String shared : SHARED_MODULES) {
                if (roots.contains(shared)) {
                    Path jar = finder.find(shared).flatMap(ModuleReference::location).map(Path::of).orElse(source);
                    throw new PluginLoadException(source.toString(), "it carries its own copy of " + shared
                            + " (" + jar.getFileName() + "); remove it, kvorum provides it", null);
                }
            }
            Configuration configuration = boot.configuration().resolveAndBind(finder, ModuleFinder.of(), roots);
            return boot.defineModulesWithOneLoader(configuration, ClassLoader.getSystemClassLoader());
        } catch (FindException | ResolutionException | LayerInstantiationException e) {
            throw new PluginLoadException(source.toString(), message(e), e);
        }
    }

    /** Creates the providers {@code loader} finds whose class is {@code wanted}. */
    private static List<InstalledPlugin> providers(PluginKind kind, ServiceLoader<? extends PluginProvider> loader,
                                                   Optional<Path> source, Predicate<Class<?>> wanted)
            throws PluginLoadException {
        try {
            return loader.stream()
                    .filter(provider -> wanted.test(provider.type()))
                    .map(provider -> new InstalledPlugin(kind, provider.get(), source))
                    .toList();
        } catch (ServiceConfigurationError | LinkageError e) {
            String where = source.map(Path::toString).orElse(InstalledPlugin.BUILT_IN);
            throw new PluginLoadException(where, "its " + kind.word() + " provider cannot be created: " + message(e), e);
        }
    }

    private static String message(Throwable e) {
        StringBuilder text = new StringBuilder(Objects.requireNonNullElse(e.getMessage(), e.toString()));
        // The telling part is often a cause, e.g. the ZipException of a damaged jar.
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            String more = Objects.requireNonNullElse(cause.getMessage(), cause.toString());
            if (text.indexOf(more) < 0) {
                text.append(": ").append(more);
            }
        }
        return text.toString();
    }
}
