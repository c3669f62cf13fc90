package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM of a 3-member cluster's leader: as etcd's {@code Stop}, it hands leadership to a peer
 * before it exits ("leadership transfer starting" … "leadership transfer finished" in its log), so
 * that when the process is gone a remaining member leads already (no election timeout to wait
 * out), serves a put at once, and holds every put acknowledged before the stop.
 */
@Tag("cluster")
class GracefulStopTest {
    private static final int PUTS = 50;

    @Test
    void sigtermOfTheLeaderHandsLeadershipOverBeforeItExits() {
        try (Cluster cluster = Cluster.start("graceful-stop", 3)) {
            ClusterMember leader = cluster.awaitLeader(Cluster.ELECTION_TIMEOUT.multipliedBy(10));
            for (int i = 0; i < PUTS; i++) {
                put(leader, "stop/" + i, "v" + i);
            }
            ClusterMember writer = cluster.running().stream().filter(m -> m != leader).findFirst().orElseThrow();

            leader.stop(); // SIGTERM; returns once the process has exited

            assertFalse(leader.isAlive());
            String logs = leader.allLogs();
            assertTrue(logs.contains("\"msg\":\"leadership transfer starting\""), "the stopping leader started a transfer\n"
                    + leader.logTail());
            assertTrue(logs.contains("\"msg\":\"leadership transfer finished\""), "the stopping leader saw it finish\n"
                    + leader.logTail());
            Optional<ClusterMember> successor = cluster.leaderNow();
            assertTrue(successor.isPresent(), "a remaining member leads as soon as the old leader has exited\n"
                    + cluster.logTails());
            assertTrue(logs.contains("\"new-leader-member-id\":\"" + Long.toHexString(successor.get().id()) + "\""),
                    "the member the old leader handed over to is the one that leads\n" + leader.logTail());

            long started = System.nanoTime();
            put(writer, "stop/after", "after");
            System.out.printf("%s: put on %s answered %d ms after the leader %s exited (election timeout %d ms)%n",
                    cluster.target(), writer.name(), (System.nanoTime() - started) / 1_000_000, leader.name(),
                    Cluster.ELECTION_TIMEOUT.toMillis());

            RangeResponse all = successor.get().probe().kv().range(RangeRequest.newBuilder()
                    .setKey(bytes("stop/")).setRangeEnd(bytes("stop0")).build());
            assertEquals(PUTS + 1, all.getCount(), "every put acknowledged before the stop, and the one after");
            List<String> values = all.getKvsList().stream().map(kv -> kv.getValue().toStringUtf8()).toList();
            assertTrue(values.contains("v0") && values.contains("v" + (PUTS - 1)) && values.contains("after"));
        }
    }

    private static void put(ClusterMember member, String key, String value) {
        member.probe().kv().put(PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build());
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFrom(s.getBytes(StandardCharsets.UTF_8));
    }
}
