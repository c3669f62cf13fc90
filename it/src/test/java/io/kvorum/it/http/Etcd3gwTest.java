package io.kvorum.it.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.cluster.Cluster;
import io.kvorum.it.cluster.ClusterMember;
import io.kvorum.it.server.OracleRun;
import io.kvorum.it.server.Target;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's python3-etcd3gw, a client of etcd's JSON gateway, against a three-member cluster: the
 * scenario {@code etcd3gw_scenario.py} (key-values, transactions, leases, watches, locks, errors)
 * must print the same against the current target as against real etcd, talking to two members.
 * Skipped where the package is not installed, unless under CI, where it is a failure.
 */
class Etcd3gwTest {
    private static final List<String> PYTHONS = List.of("/usr/bin/python3", "python3");
    private static final long SCRIPT_SECONDS = 180;
    private static String python;

    @TempDir
    static Path work;

    @BeforeAll
    static void findEtcd3gw() {
        python = PYTHONS.stream().filter(Etcd3gwTest::importsEtcd3gw).findFirst().orElse(null);
        if (python == null && System.getenv("CI") != null) {
            fail("python3-etcd3gw is not installed (.ci/run installs it)");
        }
        assumeTrue(python != null, "python3-etcd3gw is not installed (apt-get install python3-etcd3gw)");
    }

    @Test
    void etcd3gwSeesTheSameClusterAsAgainstEtcd() throws IOException {
        Path script = work.resolve("etcd3gw_scenario.py");
        try (InputStream in = Etcd3gwTest.class.getResourceAsStream("etcd3gw_scenario.py")) {
            Files.copy(in, script);
        }
        // both clusters at once: the etcd cluster's scenario runs beside the target's
        OracleRun<List<String>> oracleRun = OracleRun.start(() -> play(Target.ETCD, "oracle", script));
        List<String> actual;
        try {
            actual = play(Target.current(), "actual", script);
        } catch (RuntimeException | Error e) {
            oracleRun.awaitQuietly();
            throw e;
        }
        List<String> oracle = oracleRun.join();
        assertEquals("done", oracle.get(oracle.size() - 1), "the scenario did not finish against etcd:\n" + oracle);
        assertEquals(String.join("\n", oracle), String.join("\n", actual),
                "python3-etcd3gw sees " + Target.current() + " differently from real etcd");
    }

    /** The scenario's output against a new cluster of {@code target}; {@code run} names its output files. */
    private static List<String> play(Target target, String run, Path script) {
        try (Cluster cluster = Cluster.start(target, "etcd3gw", 3)) {
            List<ClusterMember> members = cluster.members();
            String endpoints = List.of(members.get(0), members.get(members.size() - 1)).stream()
                    .map(m -> "127.0.0.1:" + m.clientPort()).collect(Collectors.joining(","));
            return run(script, endpoints, target, run);
        }
    }

    private static List<String> run(Path script, String endpoints, Target target, String run) {
        Path out = work.resolve(run + "-" + target.name().toLowerCase() + ".out");
        Path err = work.resolve(run + "-" + target.name().toLowerCase() + ".err");
        try {
            Process p = new ProcessBuilder(python, script.toString(), endpoints)
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                if (!p.waitFor(SCRIPT_SECONDS, TimeUnit.SECONDS)) {
                    fail("the scenario did not end within " + SCRIPT_SECONDS + " s against " + target + ":\n"
                            + Files.readString(out) + Files.readString(err));
                }
            } finally {
                p.destroyForcibly();
            }
            String printed = Files.readString(out, StandardCharsets.UTF_8);
            String errors = Files.readString(err, StandardCharsets.UTF_8);
            assertTrue(p.exitValue() == 0 || target != Target.ETCD, "the scenario failed against etcd:\n" + printed + errors);
            // against kvorum a failure is part of what is compared: its traceback ends the output
            return (printed + (p.exitValue() == 0 ? "" : errors)).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean importsEtcd3gw(String candidate) {
        try {
            Process p = new ProcessBuilder(candidate, "-c", "import etcd3gw").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
