package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Lease checkpoints on a 3-member cluster, seen through the real etcdctl: a lease granted with TTL
 * 60 is checkpointed while its leader runs; after the leader is killed, {@code lease timetolive}
 * on the new leader shows the checkpointed remaining TTL with {@code --experimental-enable-lease-checkpoint},
 * and the full TTL again without it (etcd's default: a leader change renews every lease). With
 * {@code --experimental-enable-lease-checkpoint-persist} the remaining TTL also survives a restart
 * of every member; without it a full restart renews the lease.
 *
 * <p>kvorum only: etcd checkpoints every 5 minutes, fixed, and only leases with more than that
 * left; {@code --lease-checkpoint-interval} (kvorum's own) makes it seconds here.
 *
 * <p>The three modes run side by side, each with its own cluster: most of a mode's time is the
 * lease running down on its first leader ({@link #RUN}), which must be long for the checkpointed
 * and the renewed TTL to differ by more than a slow election; three such waits one after another
 * took most of a minute.
 */
@Tag("cluster")
class LeaseCheckpointTest {
    private static final Pattern GRANTED = Pattern.compile("^lease ([0-9a-f]+) granted with TTL\\(60s\\)$", Pattern.MULTILINE);
    private static final Pattern REMAINING = Pattern.compile("granted with TTL\\(60s\\), remaining\\((-?\\d+)s\\)");
    /** How long the lease runs on its first leader: many checkpoint intervals. */
    private static final Duration RUN = Duration.ofSeconds(15);
    /** With checkpoints, at most what was left at the last checkpoint, plus the new leader's election-timeout extension. */
    private static final long CHECKPOINTED_AT_MOST = 60 - (RUN.toSeconds() - 2) + 1;
    /** Without, the full TTL plus the extension, less a generous allowance for a slow election and etcdctl. */
    private static final long RENEWED_AT_LEAST = 50;

    enum Mode {
        NONE(List.of()),
        CHECKPOINT(List.of("--experimental-enable-lease-checkpoint")),
        PERSIST(List.of("--experimental-enable-lease-checkpoint", "--experimental-enable-lease-checkpoint-persist"));

        final List<String> flags;

        Mode(List<String> flags) {
            this.flags = flags;
        }
    }

    @Execution(ExecutionMode.CONCURRENT)
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aLeaderChangeKeepsTheCheckpointedRemainingTtl(Mode mode) {
        Assumptions.assumeTrue(Target.current() == Target.KVORUM,
                "etcd's checkpoint interval is fixed at 5 minutes: a test of it would take that long");
        ClusterEtcdctl etcdctl = ClusterEtcdctl.require();
        List<String> flags = new ArrayList<>(List.of("--lease-checkpoint-interval", "1s"));
        flags.addAll(mode.flags);
        try (Cluster cluster = Cluster.start("lease-checkpoint-" + mode.name().toLowerCase(), 3,
                flags.toArray(String[]::new))) {
            ClusterMember leader = cluster.awaitLeader(Cluster.ELECTION_TIMEOUT.multipliedBy(10));
            Etcdctl.Result granted = etcdctl.run(List.of(leader), List.of("lease", "grant", "60"));
            Matcher id = GRANTED.matcher(granted.stdout());
            assertTrue(id.find(), "lease grant printed: " + granted.stdout() + granted.stderr());
            String lease = id.group(1);
            ManagedProcess.pause(RUN.toMillis());

            leader.kill();
            ClusterMember next = cluster.awaitLeader(Cluster.ELECTION_TIMEOUT.multipliedBy(20), m -> m != leader);
            long remaining = remaining(etcdctl, next, lease, cluster);
            if (mode == Mode.NONE) {
                assertTrue(remaining >= RENEWED_AT_LEAST, "without checkpoints a new leader renews the lease to its"
                        + " full TTL, as etcd: remaining " + remaining + "s");
            } else {
                assertTrue(remaining <= CHECKPOINTED_AT_MOST && remaining > 20, "the new leader starts from the"
                        + " checkpoint: remaining " + remaining + "s, expected at most " + CHECKPOINTED_AT_MOST + "s");
            }
            if (mode == Mode.NONE) {
                return;
            }

            // Every member restarts: only persisted checkpoints survive that.
            for (ClusterMember m : cluster.running()) {
                m.kill();
            }
            for (ClusterMember m : cluster.members()) {
                m.startAgain();
            }
            for (ClusterMember m : cluster.members()) {
                m.awaitServing();
            }
            ClusterMember restarted = cluster.awaitLeader(Cluster.ELECTION_TIMEOUT.multipliedBy(20));
            long afterRestart = remaining(etcdctl, restarted, lease, cluster);
            if (mode == Mode.PERSIST) {
                assertTrue(afterRestart <= CHECKPOINTED_AT_MOST && afterRestart > 10, "persisted: remaining "
                        + afterRestart + "s after a restart of every member");
            } else {
                assertTrue(afterRestart >= RENEWED_AT_LEAST, "not persisted: a restart of every member renews"
                        + " the lease: remaining " + afterRestart + "s");
            }
        }
    }

    private static long remaining(ClusterEtcdctl etcdctl, ClusterMember member, String lease, Cluster cluster) {
        Etcdctl.Result ttl = etcdctl.run(List.of(member), List.of("lease", "timetolive", lease));
        assertEquals(0, ttl.exitCode(), ttl.stderr() + "\n" + cluster.logTails());
        Matcher m = REMAINING.matcher(ttl.stdout());
        assertTrue(m.find(), "lease timetolive printed: " + ttl.stdout());
        return Long.parseLong(m.group(1));
    }
}
