package io.kvorum.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The module map of docs/architecture.md, as rules: who may depend on whom, what each module owns and exports. */
class ModuleMapTest {
    private static final Path ROOT = Path.of(System.getProperty("kvorum.root", ".."));

    /** Each module's directory, JPMS name and the one package prefix it owns. */
    private static final Map<String, String[]> MODULES = Map.ofEntries(
            Map.entry("api", new String[] {"io.kvorum.api", "io.kvorum.api"}),
            Map.entry("spi", new String[] {"io.kvorum.spi", "io.kvorum.spi"}),
            Map.entry("server", new String[] {"io.kvorum.server", "io.kvorum.server"}),
            Map.entry("consensus-raft", new String[] {"io.kvorum.consensus.raft", "io.kvorum.consensus.raft"}),
            Map.entry("backend-rocksdb", new String[] {"io.kvorum.backend.rocksdb", "io.kvorum.backend.rocksdb"}),
            Map.entry("backend-sqlite", new String[] {"io.kvorum.backend.sqlite", "io.kvorum.backend.sqlite"}),
            Map.entry("tls", new String[] {"io.kvorum.tls", "io.kvorum.tls"}),
            Map.entry("plugins/metrics-prometheus", new String[] {"io.kvorum.metrics.prometheus", "io.kvorum.metrics.prometheus"}),
            Map.entry("plugins/metrics-log", new String[] {"io.kvorum.metrics.log", "io.kvorum.metrics.log"}),
            Map.entry("auth-jwt", new String[] {"io.kvorum.auth.jwt", "io.kvorum.auth.jwt"}),
            Map.entry("tck", new String[] {"io.kvorum.tck", "io.kvorum.tck"}),
            Map.entry("launcher", new String[] {"io.kvorum.launcher", "io.kvorum.launcher"}),
            Map.entry("junit", new String[] {"io.kvorum.junit", "io.kvorum.junit"}),
            Map.entry("examples/embedded", new String[] {"io.kvorum.examples.embedded", "io.kvorum.examples.embedded"}));

    /** The example plugin's directory: an outside plugin's package and module, not in {@link #MODULES}. */
    private static final String EXAMPLE_PLUGIN = "plugins/example-backend";

    /** Each plugin's own package; a plugin may depend on no other. */
    private static final String[] PLUGIN_MODULES = {
        "io.kvorum.backend.rocksdb..", "io.kvorum.backend.sqlite..", "io.kvorum.consensus.raft..", "io.kvorum.tls..",
        "io.kvorum.metrics.prometheus..", "io.kvorum.metrics.log..", "io.kvorum.auth.."};

    /** Plugin packages: they may use the SPI and their own libraries only. */
    private static final String[] PLUGINS = {"io.kvorum.backend..", "io.kvorum.consensus..", "io.kvorum.plugins..",
        "io.kvorum.tls..", "io.kvorum.metrics..", "io.kvorum.auth.."};

    private static JavaClasses all;

    @BeforeAll
    static void importClasses() {
        all = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.kvorum");
    }

    @Test
    void spiDependsOnTheJdkAlone() {
        // javax.net.ssl: the TLS contract hands out the JDK's key and trust managers.
        classes().that().resideInAPackage("io.kvorum.spi..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "javax.net.ssl..", "io.kvorum.spi..")
                .check(all);
    }

    @Test
    void serverNamesNoPluginClass() {
        noClasses().that().resideInAPackage("io.kvorum.server..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.kvorum.backend..", "io.kvorum.consensus..", "io.kvorum.plugins..", "io.kvorum.launcher..",
                        "io.kvorum.tck..", "io.kvorum.tls..", "io.kvorum.metrics..", "io.kvorum.auth..")
                .check(all);
    }

    @Test
    void launcherSelectsPluginsByNameOnly() {
        noClasses().that().resideInAPackage("io.kvorum.launcher..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.kvorum.backend..", "io.kvorum.consensus..", "io.kvorum.plugins..", "io.kvorum.tck..",
                        "io.kvorum.tls..", "io.kvorum.metrics..", "io.kvorum.auth..")
                .check(all);
    }

    @Test
    void pluginsDependOnTheSpiOnly() {
        noClasses().that().resideInAnyPackage(PLUGINS)
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.kvorum.server..", "io.kvorum.launcher..", "io.kvorum.api..", "io.kvorum.tck..")
                .check(all);
    }

    @Test
    void onlyTheMetricsExportersNameAMetricsLibrary() {
        noClasses().that().resideOutsideOfPackage("io.kvorum.metrics..")
                .should().dependOnClassesThat().resideInAnyPackage("io.prometheus..", "io.micrometer..",
                        "io.opentelemetry..", "io.dropwizard.metrics..", "com.codahale.metrics..")
                .check(all);
    }

    @Test
    void tckDependsOnTheSpiAndJunitOnly() {
        classes().that().resideInAPackage("io.kvorum.tck..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(
                        "java..", "io.kvorum.spi..", "io.kvorum.tck..", "org.junit.jupiter.api..")
                .check(all);
    }

    @Test
    void tckModuleRequiresTheSpiAndJunitApiOnly() throws IOException {
        Set<String> requires = descriptor("tck").requires().stream().map(ModuleDescriptor.Requires::name)
                .filter(n -> !n.startsWith("java.")).collect(Collectors.toSet());
        assertEquals(Set.of("io.kvorum.spi", "org.junit.jupiter.api"), requires);
    }

    @Test
    void junitExtensionUsesTheEmbeddingApiOnly() {
        classes().that().resideInAPackage("io.kvorum.junit..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(
                        "java..", "io.kvorum.junit..", "io.kvorum.server", "io.kvorum.spi.plugin",
                        "org.junit.jupiter.api..")
                .check(all);
    }

    @Test
    void examplesUseTheEmbeddingApiAndNoPluginOrLauncherClass() {
        classes().that().resideInAPackage("io.kvorum.examples..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(
                        "java..", "io.kvorum.examples..", "io.kvorum.server", "io.kvorum.spi.plugin")
                .check(all);
    }

    @Test
    void embeddingModulesRequireTheServerButNeitherLauncherNorPlugins() throws IOException {
        for (String module : new String[] {"junit", "examples/embedded"}) {
            Set<String> requires = descriptor(module).requires().stream().map(ModuleDescriptor.Requires::name)
                    .collect(Collectors.toSet());
            assertTrue(requires.contains("io.kvorum.server"), module + " requires " + requires);
            assertTrue(requires.stream().noneMatch(r -> r.equals("io.kvorum.launcher") || r.startsWith("io.kvorum.backend")
                    || r.startsWith("io.kvorum.consensus") || r.startsWith("io.kvorum.plugins")
                    || r.equals("io.kvorum.tls") || r.startsWith("io.kvorum.metrics")
                    || r.startsWith("io.kvorum.auth")), module + " requires " + requires);
        }
    }

    @Test
    void pluginsDoNotDependOnEachOther() {
        for (String plugin : PLUGIN_MODULES) {
            Set<String> others = Stream.of("io.kvorum.backend..", "io.kvorum.consensus..", "io.kvorum.plugins..",
                            "io.kvorum.tls..", "io.kvorum.metrics..", "io.kvorum.auth..")
                    .collect(Collectors.toSet());
            noClasses().that().resideInAPackage(plugin)
                    .should().dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
                            "belong to another plugin",
                            c -> others.stream().anyMatch(p -> c.getPackageName().startsWith(p.replace("..", "")))
                                    && !c.getPackageName().startsWith(plugin.replace("..", ""))))
                    .allowEmptyShould(true)
                    .check(all);
        }
    }

    @Test
    void eachModuleOwnsItsPackagePrefix() throws IOException {
        for (var e : MODULES.entrySet()) {
            Path classes = ROOT.resolve(e.getKey()).resolve("target/classes");
            String prefix = e.getValue()[1];
            try (Stream<Path> files = Files.walk(classes)) {
                Set<String> outside = files.filter(p -> p.toString().endsWith(".class"))
                        .map(p -> classes.relativize(p).toString())
                        .filter(p -> !p.equals("module-info.class"))
                        .map(p -> p.substring(0, Math.max(0, p.lastIndexOf('/'))).replace('/', '.'))
                        .filter(pkg -> !(pkg.equals(prefix) || pkg.startsWith(prefix + ".")))
                        .collect(Collectors.toCollection(TreeSet::new));
                assertTrue(outside.isEmpty(), e.getKey() + " has packages outside " + prefix + ": " + outside);
            }
        }
    }

    @Test
    void moduleNamesMatchTheMap() throws IOException {
        for (var e : MODULES.entrySet()) {
            assertEquals(e.getValue()[0], descriptor(e.getKey()).name(), e.getKey());
        }
    }

    @Test
    void onlyApiPackagesAreExported() throws IOException {
        assertEquals(Set.of("io.kvorum.spi.plugin", "io.kvorum.spi.backend", "io.kvorum.spi.consensus",
                        "io.kvorum.spi.auth", "io.kvorum.spi.tls", "io.kvorum.spi.metrics"), exports("spi"));
        assertEquals(Set.of(), exports("plugins/metrics-prometheus"), "plugins are reached through ServiceLoader only");
        assertEquals(Set.of(), exports("plugins/metrics-log"), "plugins are reached through ServiceLoader only");
        assertEquals(Set.of(), exports("tls"), "plugins are reached through ServiceLoader only");
        assertEquals(Set.of(), exports("auth-jwt"), "plugins are reached through ServiceLoader only");
        assertEquals(Set.of("io.kvorum.server"), exports("server"));
        assertEquals(Set.of(), exports("backend-rocksdb"), "plugins are reached through ServiceLoader only");
        assertEquals(Set.of(), exports("backend-sqlite"), "plugins are reached through ServiceLoader only");
        assertEquals(Set.of("io.kvorum.tck.backend", "io.kvorum.tck.consensus"), exports("tck"));
        assertEquals(Set.of("io.kvorum.junit"), exports("junit"));
        assertEquals(Set.of(), exports("consensus-raft"), "plugins are reached through ServiceLoader only");
        assertEquals(Set.of(), exports("launcher"));
    }

    /** The example plugin is written as an outsider would: kvorum's SPI is all of kvorum it may use. */
    @Test
    void theExamplePluginUsesTheSpiAloneAndIsReachedThroughServiceLoaderOnly() throws IOException {
        ModuleDescriptor example = descriptor(EXAMPLE_PLUGIN);
        assertEquals("org.example.kvorum.memory", example.name());
        assertEquals(Set.of("io.kvorum.spi"), example.requires().stream().map(ModuleDescriptor.Requires::name)
                .filter(n -> !n.startsWith("java.")).collect(Collectors.toSet()));
        assertEquals(Set.of(), example.exports(), "plugins are reached through ServiceLoader only");
        assertEquals(Set.of("io.kvorum.spi.backend.BackendProvider"),
                example.provides().stream().map(ModuleDescriptor.Provides::service).collect(Collectors.toSet()));
        classes().that().resideInAPackage("org.example.kvorum..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.kvorum.spi..", "org.example.kvorum..")
                .check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("org.example.kvorum"));
    }

    @Test
    void spiModuleRequiresNothingButTheJdk() throws IOException {
        Set<String> requires = descriptor("spi").requires().stream().map(ModuleDescriptor.Requires::name)
                .filter(n -> !n.startsWith("java.")).collect(Collectors.toSet());
        assertEquals(Set.of(), requires);
    }

    private static Set<String> exports(String module) throws IOException {
        return descriptor(module).exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
    }

    private static ModuleDescriptor descriptor(String module) throws IOException {
        try (InputStream in = Files.newInputStream(ROOT.resolve(module).resolve("target/classes/module-info.class"))) {
            return ModuleDescriptor.read(in);
        }
    }
}
