package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.it.server.Target;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A follower that was down while the others took thousands of writes, with a small
 * {@code --snapshot-count}, catches up when it comes back — from a snapshot where the leader has
 * compacted its log past what the follower has — and holds exactly what the others hold; so does
 * a member added after those writes (MemberAdd, then started with {@code --initial-cluster-state
 * existing}).
 *
 * <p>etcd 3.4 keeps 5000 entries behind each snapshot for slow followers (its
 * {@code SnapshotCatchUpEntries}, not a flag before 3.5), so the follower must miss more than
 * 5000 + {@code --snapshot-count} entries before etcd sends a snapshot: hence {@link #PUTS}.
 */
@Tag("cluster")
class ClusterCatchUpTest {
    private static final String PREFIX = "catch-up/";
    private static final int SNAPSHOT_COUNT = 100;
    private static final int PUTS = 6_000;
    private static final int IN_FLIGHT = 64;

    @Test
    void aFollowerDownDuringThousandsOfWritesCatchesUpAndHoldsTheSameKeys() throws InterruptedException {
        try (Cluster cluster = Cluster.start("cluster-catch-up", 3, "--snapshot-count", Integer.toString(SNAPSHOT_COUNT))) {
            ClusterMember follower = cluster.followers().get(0);
            follower.stop();
            ClusterMember leader = cluster.awaitLeader(Cluster.ELECTION_TIMEOUT.multipliedBy(10));

            List<WriteLoad.Acked> acked = putAll(leader, cluster);

            follower.restart();
            long revision = Convergence.awaitSameRevision(cluster, Duration.ofSeconds(90));
            Convergence.assertEveryAckedPutOnEveryMember(cluster, PREFIX, acked);
            Convergence.assertSameHashKv(cluster, revision);
            if (cluster.target() == Target.ETCD) {
                assertTrue(follower.allLogs().contains("applied incoming Raft snapshot"), "the oracle caught up from a snapshot, as"
                        + " this test means it to: if not, more puts are needed");
            }
        }
    }

    @Test
    void aMemberAddedAfterThousandsOfWritesCatchesUpAndHoldsTheSameKeys() throws InterruptedException {
        try (Cluster cluster = Cluster.start("cluster-add", 3, "--snapshot-count", Integer.toString(SNAPSHOT_COUNT))) {
            List<WriteLoad.Acked> acked = putAll(cluster.awaitLeader(Cluster.ELECTION_TIMEOUT.multipliedBy(10)), cluster);

            ClusterMember added = cluster.addMember(false);
            long revision = Convergence.awaitSameRevision(cluster, Duration.ofSeconds(90));
            assertEquals(4, cluster.running().size(), "the added member runs beside the three");
            Convergence.assertEveryAckedPutOnEveryMember(cluster, PREFIX, acked);
            Convergence.assertSameHashKv(cluster, revision);
            if (cluster.target() == Target.ETCD) {
                assertTrue(added.allLogs().contains("applied incoming Raft snapshot"), "the oracle's new member started"
                        + " from a snapshot, as this test means it to");
            }
        }
    }

    /** {@link #PUTS} puts through {@code via}, {@link #IN_FLIGHT} at a time; every one must be acknowledged. */
    private static List<WriteLoad.Acked> putAll(ClusterMember via, Cluster cluster) throws InterruptedException {
        Queue<WriteLoad.Acked> acked = new ConcurrentLinkedQueue<>();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Semaphore window = new Semaphore(IN_FLIGHT);
        try (MemberClient client = new MemberClient(via.clientPort(), 30_000)) {
            for (int i = 0; i < PUTS; i++) {
                window.acquire();
                String key = PREFIX + String.format("%06d", i);
                String value = WriteLoad.valueOf(key);
                Futures.addCallback(client.kvAsync().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8(value)).build()), new FutureCallback<PutResponse>() {
                            @Override
                            public void onSuccess(PutResponse r) {
                                acked.add(new WriteLoad.Acked(key, value, r.getHeader().getRevision()));
                                window.release();
                            }

                            @Override
                            public void onFailure(Throwable t) {
                                failures.add(t);
                                window.release();
                            }
                        }, MoreExecutors.directExecutor());
            }
            if (!window.tryAcquire(IN_FLIGHT, 60, TimeUnit.SECONDS)) {
                fail("puts still in flight a minute after the last was sent\n" + cluster.logTails());
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + PUTS + " puts to a healthy majority failed, e.g. " + failures.peek()
                    + "\n" + cluster.logTails());
        }
        return List.copyOf(acked);
    }
}
