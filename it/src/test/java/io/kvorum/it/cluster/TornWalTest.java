package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.it.server.Target;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A member killed with -9 right after acknowledged writes, whose newest WAL record is then torn in
 * the middle (as a crash during that write would leave it), starts again, drops the torn record,
 * rejoins, and the cluster loses no acknowledged put and does not diverge.
 *
 * <p>The member is a follower: a torn record is one that was never synced, so it can only be lost
 * where it was not needed for the commit. (Cutting a synced record of the leader could lose a
 * committed entry in a way no crash can.)
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

            WalTail.Cut cut = WalTail.cutLastRecord(cluster.target(), follower.dataDir());
            System.out.printf("%s: cut %s at %d, inside the record at %d (%d bytes)%n", cluster.target(),
                    cut.segment().getFileName(), cut.cutAt(), cut.recordOffset(), cut.recordLength());

            load.awaitMoreAcked(50, PHASE_TIMEOUT, cluster);
            follower.restart();
            load.awaitMoreAcked(100, PHASE_TIMEOUT, cluster);
            List<WriteLoad.Acked> acked = load.stop();

            long revision = Convergence.awaitSameRevision(cluster, PHASE_TIMEOUT);
            Convergence.assertEveryAckedPutOnEveryMember(cluster, PREFIX, acked);
            Convergence.assertSameHashKv(cluster, revision);
            if (cluster.target() == Target.ETCD) {
                assertTrue(follower.allLogs().contains("repaired WAL"), "the oracle repaired the torn record, as this"
                        + " test means it to: if not, the cut is not where a crash would leave a tear");
            }
        }
    }
}
