package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --force-new-cluster} recovers a 3-member cluster from one member's data, seen through
 * the real etcdctl as with etcd: every member stops; one starts again with the flag (same data
 * directory, same flags otherwise) and serves alone, with every key; it stays a working single
 * member when restarted without the flag; the two old members, started again, are removed
 * members: they stop, and the recovered member keeps leading and taking writes.
 */
@Tag("cluster")
class ForceNewClusterTest {
    private static final int KEYS = 20;
    private static final Duration EXIT = Duration.ofSeconds(60);

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "sqlite"})
    void oneSurvivingMemberBecomesAWorkingSingleMemberWithAllItsData(String backend) {
        Assumptions.assumeTrue(backend.equals("rocksdb") || Target.current() == Target.KVORUM, "a kvorum backend");
        ClusterEtcdctl etcdctl = ClusterEtcdctl.require();
        String[] flags = Target.current() == Target.KVORUM ? new String[] {"--backend", backend} : new String[0];
        try (Cluster cluster = Cluster.start("force-new-cluster-" + backend, 3, flags)) {
            List<ClusterMember> all = cluster.members();
            for (int i = 0; i < KEYS; i++) {
                ok(etcdctl.run(List.of(all.get(i % 3)), List.of("put", "k" + i, "v" + i)), "put k" + i);
            }
            cluster.stopAll();

            ClusterMember survivor = all.get(0);
            survivor.startAgainWith("--force-new-cluster");
            survivor.awaitServing();
            assertAlone(etcdctl, survivor, KEYS);
            ok(etcdctl.run(List.of(survivor), List.of("put", "k" + KEYS, "after")), "a write after recovery");

            survivor.stop();
            survivor.startAgain();
            survivor.awaitServing();
            assertAlone(etcdctl, survivor, KEYS + 1);

            // The old members still hold the old three-member configuration: as etcd's removed
            // members they learn from the recovered one that they were removed, and stop.
            for (ClusterMember old : all.subList(1, 3)) {
                old.startAgain();
            }
            for (ClusterMember old : all.subList(1, 3)) {
                assertTrue(old.awaitExit(EXIT), old + " still runs: it should have stopped as a removed member\n"
                        + old.logTail());
            }
            assertTrue(survivor.isLeader(), "the recovered member still leads\n" + cluster.logTails());
            ok(etcdctl.run(List.of(survivor), List.of("put", "k" + (KEYS + 1), "still")), "a write after the old members tried");
            assertAlone(etcdctl, survivor, KEYS + 2);
        }
    }

    /** {@code member list} shows {@code member} alone, and {@code get --prefix k} every key written. */
    private static void assertAlone(ClusterEtcdctl etcdctl, ClusterMember member, int keys) {
        Etcdctl.Result list = ok(etcdctl.run(List.of(member), List.of("member", "list")), "member list");
        List<String> lines = list.stdout().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one member: " + list.stdout());
        assertTrue(lines.get(0).contains(", started, " + member.name() + ", " + member.peerUrl() + ", "
                + member.clientUrl()), lines.get(0));
        Etcdctl.Result got = ok(etcdctl.run(List.of(member), List.of("get", "--prefix", "k", "--keys-only")), "get");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            expected.add("k" + i);
        }
        assertEquals(expected.stream().sorted().toList(),
                got.stdout().lines().filter(l -> !l.isBlank()).toList(), "every key is there");
    }

    private static Etcdctl.Result ok(Etcdctl.Result r, String what) {
        assertEquals(0, r.exitCode(), what + ": " + r.stdout() + r.stderr());
        return r;
    }
}
