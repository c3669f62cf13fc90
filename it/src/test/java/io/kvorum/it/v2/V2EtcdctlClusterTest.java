package io.kvorum.it.v2;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.it.cluster.Cluster;
import io.kvorum.it.cluster.ClusterMember;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.Target;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code ETCDCTL_API=2 etcdctl} against a 3-member cluster, through a follower, step by step
 * against a real etcd 3.4 cluster and a kvorum cluster at the same time: writes, quorum reads,
 * listings, watches (one-shot and {@code --forever}), {@code member list/add/remove},
 * {@code cluster-health} (healthy, then degraded by a member added but never started) and the
 * v2 statistics of the leader and of a follower. The leader is moved to the first member in both
 * clusters, so that member order and leadership read alike.
 */
@Tag("cluster")
class V2EtcdctlClusterTest {
    private static final Pattern INITIAL_CLUSTER = Pattern.compile("ETCD_INITIAL_CLUSTER=\"([^\"]*)\"");

    @Test
    void etcdctlV2AgainstThreeMembersAnswersAsARealEtcdClusterDoes() {
        Path etcdctl = Binaries.etcdctl().orElse(null);
        Assumptions.assumeTrue(etcdctl != null && Binaries.etcd().isPresent(),
                "needs etcd and etcdctl (Debian packages etcd-server, etcd-client) as the oracle");
        CompletableFuture<List<String>> oracle = CompletableFuture.supplyAsync(() -> run(Target.ETCD, etcdctl));
        List<String> actual = run(Target.KVORUM, etcdctl);
        V2ClientsTest.assertSameSteps(oracle.join(), actual);
    }

    private static List<String> run(Target target, Path etcdctl) {
        try (Cluster cluster = Cluster.start(target, "v2-etcdctl-cluster", 3, "--enable-v2")) {
            long started = System.nanoTime();
            ClusterMember first = cluster.member("m1");
            ClusterMember follower = cluster.member("m2");
            cluster.moveLeader(first);
            V2Steps s = new V2Steps(follower.clientUrl(), etcdctl);
            s.etcdctl("set", "/c/a", "1");
            s.etcdctl("mk", "/c/b", "2");
            s.etcdctl("mkdir", "/c/d");
            s.etcdctl("setdir", "/c/e");
            s.etcdctl("update", "/c/a", "10");
            s.etcdctl("updatedir", "/c/e");
            s.etcdctl("get", "--quorum", "/c/a");
            s.etcdctl("ls", "-r", "-p", "--sort", "/c");
            s.etcdctl("rm", "/c/b");
            s.etcdctl("rmdir", "/c/d");
            s.etcdctl("rm", "-r", "/c/e");
            long before = s.index();
            s.etcdctl("set", "/c/w", "x");
            s.etcdctl("watch", "--after-index", Long.toString(before), "/c/w");
            Path output = tempFile();
            Process forever = s.startRunning(output, "watch", "--forever", "--recursive", "--after-index",
                    Long.toString(before), "/c");
            s.etcdctl("set", "/c/w", "y");
            s.etcdctl("rm", "/c/w");
            s.awaitRunning("watch --forever --recursive --after-index <n> /c", forever, output, 3);
            s.etcdctlSorted("member", "list");
            s.etcdctlSorted("cluster-health");
            // a member added but never started: listed without a name, and the cluster degraded
            String peer = "http://127.0.0.1:" + FreePorts.pick();
            // etcd adds a voting member only once every member has been connected for 5 s
            // (its strict reconfiguration check): on a fast machine these steps take less
            ManagedProcess.pause(Math.max(0, 6000 - (System.nanoTime() - started) / 1_000_000));
            s.etcdctl("member", "add", "m4", peer);
            sortInitialCluster(s.transcript());
            String id = awaitMember(s, peer);
            s.etcdctlSorted("member", "list");
            s.etcdctlSorted("cluster-health");
            s.etcdctl("member", "remove", id);
            s.etcdctl("member", "remove", id);
            awaitGone(s, id);
            s.etcdctlSorted("member", "list");
            // the statistics once the appends have settled (a rate over a single recent append is
            // infinite, and etcd then writes no body)
            ManagedProcess.pause(1500);
            s.http("GET", "/v2/stats/self", null);
            s.http("GET", "/v2/stats/leader", null);
            // the figures themselves differ from run to run, so the transcript leaves them out: they count
            assertTrue(s.body("/v2/stats/self").matches(".*\"recvAppendRequestCnt\":[1-9].*"), "the follower counts appends");
            V2Steps leader = new V2Steps(first.clientUrl(), etcdctl);
            String leaderSelf = leader.body("/v2/stats/self");
            assertTrue(leaderSelf.matches(".*\"sendAppendRequestCnt\":[1-9].*"), leaderSelf);
            String followers = leader.body("/v2/stats/leader");
            assertTrue(followers.matches(".*\"" + Long.toHexString(follower.id()) + "\":\\{\"latency\":\\{\"current\":[0-9.e-]+,"
                    + "\"average\":[0-9.e-]+,\"standardDeviation\":[0-9.e-]+,\"minimum\":[0-9.e-]+,\"maximum\":[0-9.e-]+\\},"
                    + "\"counts\":\\{\"fail\":\\d+,\"success\":[1-9]\\d*\\}.*"), followers);
            leader.http("GET", "/v2/stats/self", null);
            leader.http("GET", "/v2/stats/leader", null);
            List<String> transcript = new java.util.ArrayList<>(s.transcript());
            transcript.addAll(leader.transcript());
            return transcript;
        }
    }

    /** etcdctl writes the cluster in member-id order, which differs between two clusters: sorted here. */
    private static void sortInitialCluster(List<String> transcript) {
        int last = transcript.size() - 1;
        Matcher m = INITIAL_CLUSTER.matcher(transcript.get(last));
        if (m.find()) {
            String[] entries = m.group(1).split(",");
            Arrays.sort(entries);
            transcript.set(last, m.replaceFirst(Matcher.quoteReplacement(
                    "ETCD_INITIAL_CLUSTER=\"" + String.join(",", entries) + "\" (sorted)")));
        }
    }

    /**
     * The id of the member with {@code peer}, once the member asked lists it: real etcd's follower
     * may answer {@code member add} before it has applied the change itself.
     */
    private static String awaitMember(V2Steps s, String peer) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            String members = s.body("/v2/members");
            if (members.contains("\"" + peer + "\"") || System.nanoTime() > deadline) {
                return idOf(members, peer);
            }
            ManagedProcess.pause(100);
        }
    }

    private static String idOf(String members, String peer) {
        Matcher m = Pattern.compile("\\{\"id\":\"([0-9a-f]+)\",\"name\":\"[^\"]*\",\"peerURLs\":\\[\"" + Pattern.quote(peer))
                .matcher(members);
        if (!m.find()) {
            throw new AssertionError("no member with peer URL " + peer + " in " + members);
        }
        return m.group(1);
    }

    /** Until the member it was asked of has applied the removal: the next listing is then without it. */
    private static void awaitGone(V2Steps s, String id) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s.body("/v2/members").contains("\"id\":\"" + id + "\"")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("member " + id + " is still listed 10 s after its removal");
            }
            ManagedProcess.pause(50);
        }
    }

    private static Path tempFile() {
        try {
            Path file = Files.createTempFile("etcdctl-v2-watch", ".out");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
