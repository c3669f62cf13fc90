package io.kvorum.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.launcher.plugin.InstalledPlugin;
import io.kvorum.launcher.plugin.PluginCatalog;
import io.kvorum.launcher.plugin.PluginKind;
import io.kvorum.launcher.plugin.PluginLoadException;
import io.kvorum.spi.backend.BackendProvider;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drop-in plugins, each in a module layer of its own: two plugins carrying two versions of one
 * library both load, and a plugin that cannot load fails with a message naming it. The plugins and
 * libraries are compiled here, as their authors would build them.
 */
class DropInPluginsTest {
    private static final String SHARED_SOURCE = """
            package org.example.shared;

            public final class Shared {
                public static String version() {
                    return "%s";
                }
            }
            """;

    /** A backend plugin that says which version of the shared library it sees; it opens nothing. */
    private static final String PROVIDER_SOURCE = """
            package org.example.%1$s;

            import io.kvorum.spi.backend.Backend;
            import io.kvorum.spi.backend.BackendContext;
            import io.kvorum.spi.backend.BackendProvider;
            import java.io.IOException;

            public final class Provider implements BackendProvider {
                @Override
                public String name() {
                    return "%1$s";
                }

                @Override
                public String description() {
                    return "sees shared " + org.example.shared.Shared.version();
                }

                @Override
                public Backend open(BackendContext context) throws IOException {
                    throw new IOException("a test plugin stores nothing");
                }
            }
            """;

    @TempDir
    Path work;

    private TestJars jars;
    private Path spi;

    @BeforeEach
    void tools() {
        jars = new TestJars(work);
        spi = TestJars.locationOf(BackendProvider.class);
    }

    private Path shared(Path jar, String version) throws IOException {
        return jars.jar(jar, Map.of("org/example/shared/Shared.java", SHARED_SOURCE.formatted(version)), Map.of(),
                List.of(), false);
    }

    /** A plugin with module-info, requiring the automatic module {@code shared}. */
    private Path modularPlugin(Path jar, String name, Path sharedJar) throws IOException {
        return jars.jar(jar, Map.of(
                        "module-info.java", "module org.example." + name + " { requires io.kvorum.spi; requires shared;"
                                + " provides io.kvorum.spi.backend.BackendProvider with org.example." + name + ".Provider; }",
                        "org/example/" + name + "/Provider.java", PROVIDER_SOURCE.formatted(name)),
                Map.of(), List.of(spi, sharedJar), true);
    }

    /** A plugin without module-info: an automatic module, its provider declared in META-INF/services. */
    private Path plainPlugin(Path jar, String name, Path sharedJar) throws IOException {
        return jars.jar(jar, Map.of("org/example/" + name + "/Provider.java", PROVIDER_SOURCE.formatted(name)),
                Map.of("META-INF/services/io.kvorum.spi.backend.BackendProvider", "org.example." + name + ".Provider\n"),
                List.of(spi, sharedJar), false);
    }

    @Test
    void twoPluginsCarryingTwoVersionsOfOneLibraryEachLoadInALayerOfTheirOwn() throws Exception {
        Path plugins = work.resolve("plugins");
        Path one = plugins.resolve("one");
        Path two = plugins.resolve("two");
        modularPlugin(one.resolve("plugin-one.jar"), "one", shared(one.resolve("shared-1.0.jar"), "1"));
        plainPlugin(two.resolve("plugin-two.jar"), "two", shared(two.resolve("shared-2.0.jar"), "2"));
        Files.writeString(plugins.resolve("README.txt"), "not a plugin");

        PluginCatalog catalog = PluginCatalog.load(List.of(plugins));

        InstalledPlugin first = catalog.find(PluginKind.BACKEND, "one");
        InstalledPlugin second = catalog.find(PluginKind.BACKEND, "two");
        assertEquals("sees shared 1", first.provider().description());
        assertEquals("sees shared 2", second.provider().description());
        assertEquals(Optional.of(one.toAbsolutePath()), first.source());
        assertEquals(Optional.of(two.toAbsolutePath()), second.source());

        ModuleLayer firstLayer = first.provider().getClass().getModule().getLayer();
        ModuleLayer secondLayer = second.provider().getClass().getModule().getLayer();
        assertNotSame(firstLayer, secondLayer);
        assertEquals(List.of(ModuleLayer.boot()), firstLayer.parents());
        assertEquals("org.example.one", first.provider().getClass().getModule().getName());
        assertTrue(second.provider().getClass().getModule().getDescriptor().isAutomatic());
        assertEquals(Optional.of("1.0"), sharedVersion(firstLayer));
        assertEquals(Optional.of("2.0"), sharedVersion(secondLayer));
    }

    private static Optional<String> sharedVersion(ModuleLayer layer) {
        return layer.findModule("shared").filter(m -> m.getLayer() == layer)
                .flatMap(m -> m.getDescriptor().version()).map(ModuleDescriptor.Version::toString);
    }

    @Test
    void aJarDroppedAloneIsAPluginAndTheBuiltInOnesStay() throws Exception {
        Path plugins = work.resolve("plugins");
        Path library = shared(work.resolve("lib/shared-1.0.jar"), "1");
        // A plugin that carries no library of its own needs none: this one is built against one.
        Path jar = plainPlugin(plugins.resolve("solo.jar"), "solo", library);
        Files.copy(library, plugins.resolve("shared-1.0.jar"));

        PluginCatalog catalog = PluginCatalog.load(List.of(plugins));

        assertEquals(Optional.of(jar.toAbsolutePath()), catalog.find(PluginKind.BACKEND, "solo").source());
        assertEquals("built in (lib/)", catalog.find(PluginKind.BACKEND, "rocksdb").origin());
        assertEquals("built in (lib/)", catalog.find(PluginKind.CONSENSUS, "standalone").origin());
    }

    @Test
    void anUnknownNameListsWhatIsInstalledAndWhereEachCameFrom() throws Exception {
        Path plugins = work.resolve("plugins");
        Path one = plugins.resolve("one");
        modularPlugin(one.resolve("plugin-one.jar"), "one", shared(one.resolve("shared-1.0.jar"), "1"));

        String message = assertThrows(IllegalArgumentException.class,
                () -> PluginCatalog.load(List.of(plugins)).find(PluginKind.BACKEND, "nope")).getMessage();

        assertTrue(message.startsWith("--backend: unknown backend plugin \"nope\"; installed: "), message);
        assertTrue(message.contains("one (" + one.toAbsolutePath() + ")"), message);
        assertTrue(message.contains("rocksdb (built in (lib/))"), message);
    }

    @Test
    void twoPluginsOfOneNameCannotBeSelected() throws Exception {
        Path plugins = work.resolve("plugins");
        Path library = shared(work.resolve("lib/shared-1.0.jar"), "1");
        for (String folder : List.of("a", "b")) {
            plainPlugin(plugins.resolve(folder).resolve("same.jar"), "same", library);
            Files.copy(library, plugins.resolve(folder).resolve("shared-1.0.jar"));
        }
        PluginCatalog catalog = PluginCatalog.load(List.of(plugins));

        assertEquals(2, catalog.of(PluginKind.BACKEND).stream().filter(p -> p.name().equals("same")).count());
        String message = assertThrows(IllegalArgumentException.class,
                () -> catalog.find(PluginKind.BACKEND, "same")).getMessage();
        assertTrue(message.contains(plugins.resolve("a").toAbsolutePath().toString())
                && message.contains(plugins.resolve("b").toAbsolutePath().toString()), message);
    }

    @Test
    void aDamagedJarFailsTheLoadNamingIt() throws Exception {
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Files.write(plugins.resolve("broken.jar"), new byte[] {'P', 'K', 3, 4, 0, 0, 7});

        String message = assertThrows(PluginLoadException.class, () -> PluginCatalog.load(List.of(plugins))).getMessage();
        assertTrue(message.startsWith("cannot load plugin " + plugins.resolve("broken.jar").toAbsolutePath() + ": "),
                message);
    }

    @Test
    void aMissingLibraryFailsTheLoadNamingThePluginAndTheLibrary() throws Exception {
        Path plugins = work.resolve("plugins");
        Path library = shared(work.resolve("lib/shared-1.0.jar"), "1");
        modularPlugin(plugins.resolve("one").resolve("plugin-one.jar"), "one", library);

        String message = assertThrows(PluginLoadException.class, () -> PluginCatalog.load(List.of(plugins))).getMessage();
        assertTrue(message.contains(plugins.resolve("one").toAbsolutePath().toString()) && message.contains("shared"),
                message);
    }

    @Test
    void twoVersionsOfOneModuleInOnePluginFailTheLoadNamingIt() throws Exception {
        Path plugins = work.resolve("plugins");
        Path one = plugins.resolve("one");
        modularPlugin(one.resolve("plugin-one.jar"), "one", shared(one.resolve("shared-1.0.jar"), "1"));
        shared(one.resolve("shared-2.0.jar"), "2");

        String message = assertThrows(PluginLoadException.class, () -> PluginCatalog.load(List.of(plugins))).getMessage();
        assertTrue(message.contains(one.toAbsolutePath().toString()) && message.contains("shared"), message);
    }

    @Test
    void aMissingFolderFailsTheLoadNamingIt() {
        Path missing = work.resolve("missing");
        String message = assertThrows(PluginLoadException.class, () -> PluginCatalog.load(List.of(missing))).getMessage();
        assertEquals("cannot load plugin " + missing.toAbsolutePath() + ": no such folder", message);
    }

    @Test
    void theListingShowsEachPluginWithItsOriginAndOptions() throws Exception {
        Path plugins = work.resolve("plugins");
        Path one = plugins.resolve("one");
        modularPlugin(one.resolve("plugin-one.jar"), "one", shared(one.resolve("shared-1.0.jar"), "1"));

        String text = PluginListing.text(PluginCatalog.load(List.of(plugins)));

        assertTrue(text.contains("\n  --backend one\n      sees shared 1\n      from: " + one.toAbsolutePath() + "\n"), text);
        assertTrue(text.contains("\n  --backend rocksdb\n"), text);
        assertTrue(text.contains("      from: built in (lib/)\n"), text);
        assertTrue(text.contains("      --backend-opt compression=...\n"), text);
        assertTrue(text.contains("\n  --consensus standalone\n"), text);
    }
}
