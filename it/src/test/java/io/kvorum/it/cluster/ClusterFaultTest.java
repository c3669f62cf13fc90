package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.kvorum.it.server.ManagedProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A 3-member cluster on loopback under a stream of acknowledged puts from several clients, each
 * connected to every member: kill -9 the leader, then a follower, then restart both. No
 * acknowledged put is lost, the members do not diverge (equal HashKV at one revision), and a new
 * leader is elected within a generous bound of election timeouts.
 */
@Tag("cluster")
class ClusterFaultTest {
    private static final String PREFIX = "fault/";
    private static final int WRITERS = 4;
    private static final int PUTS_PER_PHASE = 100;
    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);
    /** Generous on purpose: a loaded machine must not fail this; performance is never asserted. */
    private static final Duration NEW_LEADER_BOUND = Cluster.ELECTION_TIMEOUT.multipliedBy(10);

    @Test
    void killNineOfTheLeaderThenAFollowerLosesNoAcknowledgedPutAndTheMembersAgree() {
        try (Cluster cluster = Cluster.start("cluster-fault", 3);
                WriteLoad load = WriteLoad.start(PREFIX, cluster.members(), WRITERS)) {
            load.awaitMoreAcked(PUTS_PER_PHASE, PHASE_TIMEOUT, cluster);

            ClusterMember oldLeader = cluster.awaitLeader(NEW_LEADER_BOUND);
            long killedAt = System.nanoTime();
            oldLeader.kill();
            ClusterMember newLeader = cluster.awaitLeader(NEW_LEADER_BOUND, m -> m != oldLeader);
            long toNewLeader = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.printf("%s: new leader %s %d ms after kill -9 of leader %s (election timeout %d ms)%n",
                    cluster.target(), newLeader.name(), toNewLeader, oldLeader.name(),
                    Cluster.ELECTION_TIMEOUT.toMillis());
            load.awaitMoreAcked(PUTS_PER_PHASE, PHASE_TIMEOUT, cluster);

            ClusterMember follower = cluster.running().stream().filter(m -> m != newLeader).findFirst().orElseThrow();
            follower.kill();
            assertNoPutAcknowledgedWithoutQuorum(load);

            oldLeader.restart();
            follower.restart();
            load.awaitMoreAcked(PUTS_PER_PHASE, PHASE_TIMEOUT, cluster);
            List<WriteLoad.Acked> acked = load.stop();

            assertEquals(3, cluster.running().size(), "every member runs again");
            long revision = Convergence.awaitSameRevision(cluster, PHASE_TIMEOUT);
            Convergence.assertEveryAckedPutOnEveryMember(cluster, PREFIX, acked);
            Convergence.assertSameHashKv(cluster, revision);
            assertNotSame(oldLeader, newLeader);
            System.out.printf("%s: %d puts acknowledged, %d attempts failed and were retried; revision %d on all%n",
                    cluster.target(), acked.size(), load.failedAttempts(), revision);
        }
    }

    /**
     * With one of three members running nothing can commit: once puts in flight at the kill have
     * ended (their deadline is 3 s), no further put is acknowledged.
     */
    private static void assertNoPutAcknowledgedWithoutQuorum(WriteLoad load) {
        ManagedProcess.pause(4_000);
        int before = load.ackedCount();
        ManagedProcess.pause(Cluster.ELECTION_TIMEOUT.multipliedBy(3).toMillis());
        assertEquals(before, load.ackedCount(), "puts were acknowledged while only one of three members ran");
    }
}
