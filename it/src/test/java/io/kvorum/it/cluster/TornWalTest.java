package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.it.server.Target;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A member killed with -9 right after acknowledged writes, whose WAL then ends in a torn record (as
 * a crash in the middle of its next write leaves it, see {@link WalTail}), starts again, drops the
 * torn record, rejoins, and the cluster loses no acknowledged put and does not diverge.
 */
@Tag("cluster")
class TornWalTest {
    private static final String PREFIX = "torn/";
    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);

    @Test
    void aFollowerWithATornLastWalRecordRestartsRejoinsAndNothingAcknowledgedIsLost() {
        try (Cluster cluster = Cluster.start("cluster-torn-wal", 3);
                WriteLoad load = WriteLoad.start(PREFIX, cluster.members(), 4)) {
            load.awaitMoreAcked(200, PHASE_TIMEOUT, cluster);
            ClusterMember follower = cluster.followers().get(0);
            load.awaitMoreAcked(1, PHASE_TIMEOUT, cluster);
            follower.kill();

            WalTail.Tear tear = WalTail.tearAfterLastRecord(cluster.target(), follower.dataDir());
            System.out.printf("%s: tore %s: %d bytes at %d, half a copy of the last record (%d bytes at %d)%n",
                    cluster.target(), tear.segment().getFileName(), tear.tornLength(), tear.tornAt(),
                    tear.recordLength(), tear.recordOffset());

            load.awaitMoreAcked(50, PHASE_TIMEOUT, cluster);
            follower.restart();
            load.awaitMoreAcked(100, PHASE_TIMEOUT, cluster);
            List<WriteLoad.Acked> acked = load.stop();

            long revision = Convergence.awaitSameRevision(cluster, PHASE_TIMEOUT);
            Convergence.assertEveryAckedPutOnEveryMember(cluster, PREFIX, acked);
            Convergence.assertSameHashKv(cluster, revision);
            if (cluster.target() == Target.ETCD) {
                assertTrue(follower.allLogs().contains("repaired WAL"), "the oracle repaired the torn record, as this"
                        + " test means it to: if not, the tear is not where etcd looks for one");
            }
        }
    }
}
