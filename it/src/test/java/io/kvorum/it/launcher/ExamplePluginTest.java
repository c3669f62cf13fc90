package io.kvorum.it.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example backend plugin, built on its own, dropped into {@code plugins/} of a copy of the
 * distribution and selected by name: it serves etcdctl, keeps the data across a restart, and
 * {@code kvorum plugins} shows where it came from. Taken out again, selecting it fails the start
 * with a message listing what is installed.
 */
class ExamplePluginTest {
    private static final String ANY_PORT = "http://127.0.0.1:0";
    /** Overrides where the example plugin's jar is looked for (by default its module's target/). */
    private static final String JAR_PROPERTY = "kvorum.it.example.plugin";

    @TempDir
    Path work;

    @BeforeAll
    static void onlyForTheDistribution() {
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "plugins are kvorum's own");
    }

    @Test
    void aDroppedInPluginSelectedByNameServesEtcdctlAndItsAbsenceIsAClearError() throws Exception {
        Etcdctl etcdctl = Etcdctl.require();
        Path home = copyOfTheDistribution();
        Path jar = Files.copy(examplePluginJar(), home.resolve("plugins").resolve("kvorum-example-backend.jar"));

        Run listing = run(home, List.of("plugins"));
        assertEquals(0, listing.exit(), listing.err());
        assertTrue(listing.out().contains("\n  --backend memory\n"), listing.out());
        assertTrue(listing.out().contains("from: " + jar.toRealPath()), listing.out());
        assertTrue(listing.out().contains("--backend-opt sync=..."), listing.out());
        assertTrue(listing.out().contains("\n  --backend rocksdb\n"), listing.out());

        Path data = work.resolve("member.kvorum");
        List<String> serve = List.of("--backend", "memory", "--backend-opt", "sync=always", "--data-dir", data.toString(),
                "--listen-client-urls", ANY_PORT, "--advertise-client-urls", ANY_PORT);
        try (ManagedProcess member = start(home, serve, "first")) {
            URI endpoint = member.awaitServing();
            assertEquals(0, etcdctl.run(endpoint, List.of("put", "greeting", "from a plugin"), "").exitCode());
            Etcdctl.Result get = etcdctl.run(endpoint, List.of("get", "greeting", "--print-value-only"), "");
            assertEquals(0, get.exitCode(), get.stderr());
            assertEquals("from a plugin", get.stdout().strip());
            assertTrue(member.stderrText().contains("\"backend\":\"memory\",\"backend-options\":\"{sync=always}\","
                    + "\"backend-origin\":\"" + jar.toRealPath() + "\""), member.stderrText());
            member.terminate(Duration.ofSeconds(30));
            assertEquals(0, member.exitValue(), member.stderrText());
        }
        try (Stream<Path> files = Files.walk(data)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().equals("memory.log")), "the plugin's log is in the data dir");
        }
        try (ManagedProcess member = start(home, serve, "again")) {
            Etcdctl.Result get = etcdctl.run(member.awaitServing(), List.of("get", "greeting", "--print-value-only"), "");
            assertEquals("from a plugin", get.stdout().strip(), "the value survives a restart");
            member.terminate(Duration.ofSeconds(30));
        }

        Files.delete(jar);
        Run refused = run(home, serve);
        assertEquals(1, refused.exit(), refused.err());
        assertTrue(refused.err().contains("--backend: unknown backend plugin \"memory\"; installed: "), refused.err());
        assertTrue(refused.err().contains("rocksdb (built in (lib/))") && refused.err().contains("sqlite (built in (lib/))"),
                refused.err());
    }

    @Test
    void aPluginThatCannotLoadStopsTheStartNamingIt() throws Exception {
        Path home = copyOfTheDistribution();
        Path broken = Files.write(home.resolve("plugins").resolve("broken.jar"), new byte[] {'P', 'K', 3, 4, 9});

        Run r = run(home, List.of("--listen-client-urls", ANY_PORT, "--advertise-client-urls", ANY_PORT));
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("cannot load plugin " + broken.toRealPath()), r.err());

        Run listing = run(home, List.of("plugins"));
        assertEquals(1, listing.exit(), listing.err());
        assertTrue(listing.err().contains("broken.jar"), listing.err());
    }

    @Test
    void pluginDirAddsAFolderOutsideTheDistribution() throws Exception {
        Path home = copyOfTheDistribution();
        Path extra = Files.createDirectories(work.resolve("extra"));
        Path jar = Files.copy(examplePluginJar(), extra.resolve("example.jar"));

        Run withoutIt = run(home, List.of("plugins"));
        assertEquals(0, withoutIt.exit(), withoutIt.err());
        assertTrue(!withoutIt.out().contains("--backend memory"), withoutIt.out());

        Run listing = run(home, List.of("plugins", "--plugin-dir", extra.toString()));
        assertEquals(0, listing.exit(), listing.err());
        assertTrue(listing.out().contains("\n  --backend memory\n"), listing.out());
        assertTrue(listing.out().contains("from: " + jar.toAbsolutePath().normalize()), listing.out());

        Run help = run(home, List.of("--help", "--plugin-dir", extra.toString()));
        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().contains("--plugin-dir") && help.out().contains("\n  --backend memory\n"), help.out());
    }

    @Test
    void optionValuesOfSecretLookingKeysNeverReachTheOutput() throws Exception {
        Path home = copyOfTheDistribution();
        Files.copy(examplePluginJar(), home.resolve("plugins").resolve("example.jar"));

        Run r = run(home, List.of("--backend", "memory", "--backend-opt", "sync=always,db-password=hunter2",
                "--data-dir", work.resolve("data").toString(), "--listen-client-urls", ANY_PORT,
                "--advertise-client-urls", ANY_PORT));

        assertEquals(1, r.exit(), "the plugin refuses an option it does not know:\n" + r.err());
        assertTrue(r.err().contains("db-password=****") && r.err().contains("db-password"), r.err());
        assertTrue(!r.err().contains("hunter2") && !r.out().contains("hunter2"), r.err());
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** What one run printed and how it ended. */
    private record Run(int exit, String out, String err) {
    }

    private Run run(Path home, List<String> args) {
        try (ManagedProcess p = start(home, args, "run")) {
            assertTrue(p.waitFor(Duration.ofSeconds(60)), "bin/kvorum did not exit:\n" + p.tail(40));
            return new Run(p.exitValue(), p.stdoutText(), p.stderrText());
        }
    }

    private ManagedProcess start(Path home, List<String> args, String label) {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/kvorum").toString());
        command.addAll(args);
        return ManagedProcess.start("kvorum", command, work.resolve("logs").resolve(label + "-" + System.nanoTime()), Map.of());
    }

    /** A copy of the built distribution, which this test may change. */
    private Path copyOfTheDistribution() throws IOException {
        Path source = KvorumProcess.home();
        assumeTrue(Files.isExecutable(source.resolve("bin/kvorum")), "no distribution at " + source);
        Path target = work.resolve("kvorum");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path copy = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return target;
    }

    /**
     * The example plugin's jar, as its own build left it: the reactor builds plugins/example-backend
     * before this module. {@value #JAR_PROPERTY} names another jar.
     */
    private static Path examplePluginJar() throws IOException {
        String override = System.getProperty(JAR_PROPERTY, "");
        if (!override.isBlank()) {
            return Path.of(override);
        }
        Path target = Path.of(System.getProperty("user.dir")).resolve("../plugins/example-backend/target").normalize();
        try (Stream<Path> files = Files.exists(target) ? Files.list(target) : Stream.empty()) {
            return files.filter(f -> f.getFileName().toString().matches("kvorum-example-backend-[^-]+(-SNAPSHOT)?\\.jar"))
                    .findFirst()
                    .orElseGet(() -> fail("the example plugin's jar is not in " + target
                            + ": build it first (mvn -pl plugins/example-backend -am package), or name one with -D"
                            + JAR_PROPERTY));
        }
    }
}
