package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.OracleRun;
import io.kvorum.it.server.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real etcdctl prints the same about a 3-member cluster of the current target as about a
 * 3-member real etcd cluster, through the same steps: member list, member add (the new member
 * then started with {@code --initial-cluster-state existing} and the {@code ETCD_INITIAL_CLUSTER}
 * etcdctl printed), member add --learner, member promote, move-leader, member remove, endpoint
 * status --cluster, and their errors. stdout, stderr and the exit code of each step are compared
 * after {@link ClusterNormalizer} masks what must differ.
 *
 * <p>Against etcd the same steps run twice on two fresh etcd clusters, which proves the
 * normalization stable; against kvorum the first run is real etcd, the second kvorum.
 */
@Tag("cluster")
class EtcdctlClusterTest {
    /** An ID no member has: etcd's IDs are hashes, 64 bits wide. */
    private static final String UNKNOWN_ID = "1234abcd";
    private static final Pattern ADDED = Pattern.compile("^Member +([0-9a-f]+) added to cluster ", Pattern.MULTILINE);
    private static final Pattern INITIAL_CLUSTER = Pattern.compile("^ETCD_INITIAL_CLUSTER=\"([^\"]*)\"$", Pattern.MULTILINE);

    /** One etcdctl invocation, normalized. */
    record Step(String command, int exitCode, String stdout, String stderr) {
        String render() {
            return "$ etcdctl " + command + "\n[exit " + exitCode + "]\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    @Test
    void etcdctlPrintsTheSameAboutAClusterAsAboutARealEtcdCluster() {
        ClusterEtcdctl etcdctl = ClusterEtcdctl.require();
        Target target = Target.current();
        // both clusters at once: the etcd cluster's steps run beside the target's
        OracleRun<List<Step>> oracleRun = OracleRun.start(() -> run(Target.ETCD, etcdctl));
        List<Step> actual;
        try {
            actual = run(target, etcdctl);
        } catch (RuntimeException | Error e) {
            oracleRun.awaitQuietly();
            throw e;
        }
        List<Step> oracle = oracleRun.join();
        assertTheOracleIsWhatEtcdDocuments(oracle);
        assertSameSteps(oracle, target == Target.ETCD ? "a second real etcd cluster" : "kvorum", actual);
    }

    private static List<Step> run(Target target, ClusterEtcdctl etcdctl) {
        try (Cluster cluster = Cluster.start(target, "etcdctl-cluster", 3)) {
            return new Scenario(cluster, etcdctl).play();
        }
    }

    /** The steps, with the cluster changes between them that only the harness can make. */
    private static final class Scenario {
        private final Cluster cluster;
        private final ClusterEtcdctl etcdctl;
        private final ClusterNormalizer normalizer = new ClusterNormalizer();
        private final List<Step> steps = new ArrayList<>();

        Scenario(Cluster cluster, ClusterEtcdctl etcdctl) {
            this.cluster = cluster;
            this.etcdctl = etcdctl;
        }

        List<Step> play() {
            ClusterMember m1 = cluster.member("m1");
            ClusterMember m2 = cluster.member("m2");
            for (ClusterMember m : cluster.members()) {
                normalizer.member(m);
                normalizer.memberId(m.name(), m.id());
            }
            normalizer.clusterId(m1.probe().status().getHeader().getClusterId());
            List<ClusterMember> viaM1 = List.of(m1);
            cluster.moveLeader(m1);

            step(viaM1, true, "member", "list");
            step(viaM1, true, "member", "list", "-w", "table");
            step(viaM1, true, "endpoint", "status", "--cluster", "-w", "table");
            step(viaM1, true, "endpoint", "status", "--cluster");

            ClusterMember m4 = cluster.newMember();
            normalizer.member(m4);
            Etcdctl.Result added = stepRetrying("unhealthy cluster", viaM1, false,
                    "member", "add", "m4", "--peer-urls=" + m4.peerUrl());
            String m4InitialCluster = learnAdded(m4, added);
            step(viaM1, true, "member", "list", "-w", "table");
            start(m4, m4InitialCluster);
            step(viaM1, true, "member", "list", "-w", "table");

            ClusterMember m5 = cluster.newMember();
            normalizer.member(m5);
            Etcdctl.Result learner = stepRetrying("unhealthy cluster", viaM1, false,
                    "member", "add", "m5", "--learner", "--peer-urls=" + m5.peerUrl());
            String m5InitialCluster = learnAdded(m5, learner);
            step(viaM1, true, "member", "list", "-w", "table");
            start(m5, m5InitialCluster);
            step(viaM1, true, "member", "list", "-w", "table");
            cluster.moveLeader(m1);
            step(viaM1, true, "endpoint", "status", "--cluster", "-w", "table");

            step(viaM1, false, "member", "promote", hex(m1));
            stepRetrying("in sync with leader", viaM1, false, "member", "promote", hex(m5));
            step(viaM1, false, "member", "promote", UNKNOWN_ID);
            step(viaM1, true, "member", "list");

            List<ClusterMember> voters = List.of(m1, m2, cluster.member("m3"), m4, m5);
            cluster.moveLeader(m1);
            step(voters, false, "move-leader", hex(m2));
            step(voters, false, "move-leader", UNKNOWN_ID);

            step(viaM1, false, "member", "remove", hex(m4));
            // a removed member stops by itself, and its process exits 0
            boolean exited = m4.awaitExit(Duration.ofSeconds(20));
            if (!exited) {
                m4.stop();
            }
            assertTrue(exited, cluster.target() + ": the removed member is still running\n" + m4.logTail());
            assertEquals(0, m4.exitValue(), cluster.target() + ": exit code of the removed member\n" + m4.logTail());
            assertTrue(m4.allLogs().contains("the member has been permanently removed from the cluster"),
                    cluster.target() + ": " + m4.logTail());
            step(viaM1, false, "member", "remove", UNKNOWN_ID);
            step(viaM1, true, "member", "list", "-w", "table");
            cluster.moveLeader(m2);
            step(viaM1, true, "endpoint", "status", "--cluster", "-w", "table");
            step(viaM1, true, "endpoint", "status", "--cluster");
            return steps;
        }

        private static String hex(ClusterMember m) {
            return Long.toHexString(m.id());
        }

        /** The new member's ID from what {@code member add} printed; returns the {@code ETCD_INITIAL_CLUSTER} it printed. */
        private String learnAdded(ClusterMember m, Etcdctl.Result added) {
            Matcher id = ADDED.matcher(added.stdout());
            Matcher initialCluster = INITIAL_CLUSTER.matcher(added.stdout());
            if (added.exitCode() != 0 || !id.find() || !initialCluster.find()) {
                fail("member add of " + m.name() + " failed: " + added + "\n" + cluster.logTails());
            }
            normalizer.memberId(m.name(), Long.parseUnsignedLong(id.group(1), 16));
            return initialCluster.group(1);
        }

        /** Starts an added member with {@code --initial-cluster-state existing}; waits until the others list it. */
        private void start(ClusterMember m, String initialCluster) {
            cluster.bootAdded(m, initialCluster);
            cluster.awaitListed(m);
        }

        private Etcdctl.Result step(List<ClusterMember> endpoints, boolean anyOrder, String... args) {
            Etcdctl.Result r = etcdctl.run(endpoints, List.of(args));
            record(endpoints, anyOrder, r, args);
            return r;
        }

        /**
         * A step etcd refuses for a while after a membership change (strict reconfiguration checks,
         * a learner still catching up): repeated while it fails with {@code transient}, for up to
         * 30 s; only the last outcome is recorded.
         */
        private Etcdctl.Result stepRetrying(String transientError, List<ClusterMember> endpoints, boolean anyOrder,
                String... args) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            Etcdctl.Result r = etcdctl.run(endpoints, List.of(args));
            while (r.exitCode() != 0 && r.stderr().contains(transientError) && System.nanoTime() < deadline) {
                ManagedProcess.pause(500);
                r = etcdctl.run(endpoints, List.of(args));
            }
            record(endpoints, anyOrder, r, args);
            return r;
        }

        private void record(List<ClusterMember> endpoints, boolean anyOrder, Etcdctl.Result r, String... args) {
            String command = "--endpoints=" + String.join(",", endpoints.stream().map(m -> m.clientUrl().toString())
                    .toList()) + " " + String.join(" ", args);
            steps.add(new Step(normalizer.normalize(command, false).strip(), r.exitCode(),
                    normalizer.normalize(r.stdout(), anyOrder), normalizer.normalize(r.stderr(), false)));
        }
    }

    /** The oracle run must show what etcd documents, or the comparison proves nothing. */
    private static void assertTheOracleIsWhatEtcdDocuments(List<Step> oracle) {
        String all = oracle.stream().map(Step::render).reduce("", String::concat);
        for (String expected : List.of(
                "| <id:m1> | started | m1 | <m1-peer> | <m1-client> | false |",
                "| <id:m4> | unstarted |  | <m4-peer> |  | false |",
                "| <id:m5> | started | m5 | <m5-peer> | <m5-client> | true |",
                "ETCD_INITIAL_CLUSTER=\"m1=<m1-peer>,m2=<m2-peer>,m3=<m3-peer>,m4=<m4-peer>\"",
                "ETCD_INITIAL_CLUSTER_STATE=\"existing\"",
                "Member <id:m5> promoted in cluster <cluster-id>",
                "Error: etcdserver: can only promote a learner member\n",
                "Error: etcdserver: member not found\n",
                "Leadership transferred from <id:m1> to <id:m2>",
                "Error: etcdserver: bad leader transferee\n",
                "Member <id:m4> removed from cluster <cluster-id>",
                "| <m2-client> | <id:m2> | <version> | <db-size> | true | false | <raft-term> | <raft-index> |")) {
            assertTrue(all.contains(expected), "real etcd's transcript lacks '" + expected + "':\n" + all);
        }
    }

    private static void assertSameSteps(List<Step> expected, String actualName, List<Step> actual) {
        assertEquals(expected.size(), actual.size(), "number of steps");
        StringBuilder diffs = new StringBuilder();
        int differing = 0;
        for (int i = 0; i < expected.size(); i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                differing++;
                diffs.append("\n=== step ").append(i + 1).append(" differs ===\n--- real etcd:\n")
                        .append(expected.get(i).render()).append("--- ").append(actualName).append(":\n")
                        .append(actual.get(i).render());
            }
        }
        if (differing > 0) {
            fail(differing + " of " + expected.size() + " etcdctl steps print differently for " + actualName
                    + " than for real etcd:" + diffs);
        }
    }
}
