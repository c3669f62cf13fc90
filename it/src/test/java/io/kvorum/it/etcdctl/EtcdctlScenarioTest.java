package io.kvorum.it.etcdctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.EtcdProcess;
import io.kvorum.it.server.OracleRun;
import io.kvorum.it.server.ServerProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.it.server.Target;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real etcdctl prints the same for kvorum as for real etcd: every scenario in
 * {@code src/test/resources/etcdctl/*.script} runs against a fresh real etcd (the oracle) and a
 * fresh server of the current target, and the normalized stdout, stderr and exit code of each
 * step must be equal.
 *
 * <p>Without an etcd binary the oracle is the golden transcript {@code <scenario>.golden} recorded
 * from real etcd 3.4. Re-record after changing a script (needs etcd and etcdctl):
 * {@code mvn -pl it -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dkvorum.it.target=etcd -Dkvorum.it.record=true -Dit.test=EtcdctlScenarioTest}.
 * When the target is etcd, the fresh etcd is also held to the committed golden transcript, so the
 * golden files cannot silently go stale.
 *
 * <p>The scenarios run side by side, each on its own fresh servers: a scenario spends most of its
 * time waiting for its servers to start and for etcdctl, one after another they took most of a
 * minute in each backend's run.
 */
class EtcdctlScenarioTest {

    @Execution(ExecutionMode.CONCURRENT)
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"get", "put", "delete", "txn", "compaction", "cluster",
            "watch", "watch-history", "lease", "lease-expiry", "lock", "elect", "auth"})
    void etcdctlPrintsForTheServerWhatItPrintsForRealEtcd(String scenario) throws IOException {
        compare(scenario, Script.load(scenario));
    }

    /**
     * Runs {@code script} against a fresh server of the current target started with
     * {@code serverFlags}, and against real etcd started with the same flags (or its golden
     * transcript {@code <scenario>.golden}), and compares them step by step.
     */
    static void compare(String scenario, Script script, String... serverFlags) throws IOException {
        Etcdctl etcdctl = Etcdctl.require();
        boolean record = Boolean.getBoolean("kvorum.it.record");

        // the oracle runs on its own server in parallel with the server under test, on a thread of
        // its own: scenarios run side by side, and the common pool has a single thread on two cores
        OracleRun<Transcript> liveOracle = record || Binaries.etcd().isPresent()
                ? OracleRun.start(() -> runOnRealEtcd(etcdctl, script, serverFlags))
                : null;
        if (record && liveOracle == null) {
            fail("recording golden transcripts needs the etcd binary");
        }

        Target target = Target.current();
        ServerSpec spec = ServerSpec.fresh("etcdctl-" + scenario + "-" + target.name().toLowerCase(), serverFlags);
        Transcript actual;
        String tail;
        String serverName;
        ServerProcess server;
        try {
            server = target.start(spec);
        } catch (RuntimeException | Error e) {
            awaitQuietly(liveOracle);
            spec.deleteData();
            throw e;
        }
        try {
            actual = ScenarioRun.run(etcdctl, script, server);
            tail = server + "\n" + server.logTail();
            serverName = target.name().toLowerCase();
        } catch (RuntimeException | Error e) {
            awaitQuietly(liveOracle);
            throw e;
        } finally {
            // stopped, and its data deleted, while the transcripts are compared and the next scenario starts
            server.closeInBackground();
        }

        Transcript oracle;
        String oracleName;
        if (liveOracle != null) {
            oracle = liveOracle.join();
            oracleName = "real etcd";
            assertNothingTimedOut(scenario, oracle);
            if (record) {
                writeGolden(scenario, oracle);
                oracleName = "real etcd (recorded to " + goldenFile(scenario) + ")";
            }
        } else {
            oracle = golden(scenario).orElseThrow(() -> new AssertionError("no etcd binary and no golden transcript "
                    + "etcdctl/" + scenario + ".golden; record one with -Dkvorum.it.record=true"));
            oracleName = "golden transcript etcdctl/" + scenario + ".golden";
        }
        assertSameSteps(oracleName, oracle, serverName, actual, tail);

        if (!record && target == Target.ETCD) {
            golden(scenario).ifPresent(g -> assertSameSteps("golden transcript etcdctl/" + scenario + ".golden", g,
                    "real etcd", oracle, null));
        }
    }

    /** Leaves no etcd running behind a failure of the server under test. */
    private static void awaitQuietly(OracleRun<Transcript> liveOracle) {
        if (liveOracle != null) {
            liveOracle.awaitQuietly();
        }
    }

    private static Transcript runOnRealEtcd(Etcdctl etcdctl, Script script, String... serverFlags) {
        ServerSpec spec = ServerSpec.fresh("etcdctl-" + script.name() + "-oracle", serverFlags);
        try (ServerProcess etcd = EtcdProcess.start(spec)) {
            return ScenarioRun.run(etcdctl, script, etcd);
        } finally {
            spec.deleteData();
        }
    }

    /** A step that times out on real etcd waits for something etcd never does: the script is wrong. */
    private static void assertNothingTimedOut(String scenario, Transcript oracle) {
        for (Transcript.Outcome o : oracle.outcomes()) {
            if (o.exitCode() == Transcript.Outcome.TIMED_OUT) {
                fail(scenario + ".script: real etcd never got to what '" + o.command() + "' waits for:\n" + o.render());
            }
        }
    }

    private static void assertSameSteps(String expectedName, Transcript expected, String actualName,
            Transcript actual, String serverLog) {
        assertEquals(expected.outcomes().size(), actual.outcomes().size(),
                "number of steps differs (" + expectedName + " vs " + actualName + "); re-record stale golden"
                        + " transcripts with -Dkvorum.it.record=true");
        StringBuilder diffs = new StringBuilder();
        int differing = 0;
        for (int i = 0; i < expected.outcomes().size(); i++) {
            Transcript.Outcome want = expected.outcomes().get(i);
            Transcript.Outcome got = actual.outcomes().get(i);
            if (!want.command().equals(got.command())) {
                fail("step " + (i + 1) + " is '" + got.command() + "' in the script but '" + want.command()
                        + "' in " + expectedName + "; re-record with -Dkvorum.it.record=true");
            }
            if (!want.equals(got)) {
                differing++;
                diffs.append("\n=== step ").append(i + 1).append(" differs ===\n--- ").append(expectedName)
                        .append(":\n").append(want.render()).append("--- ").append(actualName).append(":\n")
                        .append(got.render());
            }
        }
        if (differing > 0) {
            fail(differing + " of " + expected.outcomes().size() + " etcdctl steps print differently for "
                    + actualName + " than for " + expectedName + ":" + diffs
                    + (serverLog == null ? "" : "\n" + serverLog));
        }
    }

    private static Path goldenFile(String scenario) {
        String dir = System.getProperty("kvorum.it.golden.dir", "src/test/resources/etcdctl");
        return Path.of(dir, scenario + ".golden");
    }

    private static void writeGolden(String scenario, Transcript transcript) throws IOException {
        Path file = goldenFile(scenario);
        Files.createDirectories(file.getParent());
        String header = "# etcdctl transcript of " + scenario + ".script against real etcd, normalized (see Normalizer).\n"
                + "# Recorded from " + EtcdProcess.version() + " with -Dkvorum.it.record=true; do not edit by hand.\n\n";
        Files.writeString(file, header + transcript.render(), StandardCharsets.UTF_8);
    }

    private static Optional<Transcript> golden(String scenario) throws IOException {
        try (InputStream in = EtcdctlScenarioTest.class.getResourceAsStream("/etcdctl/" + scenario + ".golden")) {
            if (in == null) {
                return Optional.empty();
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return Optional.of(Transcript.parse(text.lines().filter(l -> !l.startsWith("#"))
                    .reduce("", (a, b) -> a + b + "\n")));
        }
    }
}
