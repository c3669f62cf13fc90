package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.wal.Wal;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusSettings;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * The raft consensus' configuration, parsed once at construction from the {@code --consensus-opt}
 * options and the member's settings, each problem named after its option or flag. Immutable; read
 * by every part of a member.
 *
 * @param segmentBytes        {@value #SEGMENT_BYTES_OPTION}: size of each preallocated WAL segment
 * @param catchUpEntries      {@value #CATCH_UP_ENTRIES_OPTION}: entries kept after a snapshot
 * @param walRepair           {@value #WAL_REPAIR_OPTION}: cut the log at a damaged record
 * @param walDir              {@value #WAL_DIR_OPTION}: the WAL's own folder, as etcd's {@code --wal-dir}
 *                            (default: {@code wal} in the consensus directory)
 * @param maxSnapshots        {@value #MAX_SNAPSHOTS_OPTION}: snapshot files kept, as etcd's
 *                            {@code --max-snapshots} (0: all; default 1, the newest only)
 * @param maxWals             {@value #MAX_WALS_OPTION}: WAL segment files kept, as etcd's {@code --max-wals}
 *                            (0: all; default 1: only the segments still needed)
 * @param maxLearners         {@value #MAX_LEARNERS_OPTION}: learners the cluster may have at a time, as etcd's
 *                            {@code --experimental-max-learners} (default 1); every member must be given the same
 * @param tickNanos           one tick: {@code --heartbeat-interval}
 * @param electionTick        ticks of {@code --election-timeout}
 * @param requestTimeoutTicks etcd's request timeout (5 s + 2 × election timeout) in ticks
 * @param readRetryTicks      how often an unanswered read is asked again (500 ms) in ticks
 */
record RaftOptions(long segmentBytes, long catchUpEntries, boolean walRepair, Optional<Path> walDir, int maxSnapshots,
                   int maxWals, int maxLearners, long tickNanos, int electionTick, long requestTimeoutTicks, long readRetryTicks) {

    static final String SEGMENT_BYTES_OPTION = "wal-segment-bytes";
    static final String WAL_REPAIR_OPTION = "wal-repair";
    static final String CATCH_UP_ENTRIES_OPTION = "snapshot-catch-up-entries";
    static final String WAL_DIR_OPTION = "wal-dir";
    static final String MAX_SNAPSHOTS_OPTION = "max-snapshots";
    static final String MAX_WALS_OPTION = "max-wals";
    static final String MAX_LEARNERS_OPTION = "max-learners";
    static final long DEFAULT_SEGMENT_BYTES = Wal.DEFAULT_SEGMENT_BYTES;
    /** Entries kept in memory after a snapshot so a slow follower catches up from the log (etcd's 5000). */
    static final long DEFAULT_CATCH_UP_ENTRIES = 5000;

    private static final Set<String> KNOWN = Set.of(SEGMENT_BYTES_OPTION, CATCH_UP_ENTRIES_OPTION, WAL_REPAIR_OPTION,
            WAL_DIR_OPTION, MAX_SNAPSHOTS_OPTION, MAX_WALS_OPTION, MAX_LEARNERS_OPTION);

    /** Reads and checks the options; throws {@link IllegalArgumentException} naming the option at fault. */
    static RaftOptions parse(ConsensusContext context) {
        for (String option : context.options().asMap().keySet()) {
            if (!KNOWN.contains(option)) {
                throw new IllegalArgumentException("unknown option " + option + " of the raft consensus (known: "
                        + String.join(", ", new java.util.TreeSet<>(KNOWN)) + ")");
            }
        }
        boolean walRepair = context.options().getBoolean(WAL_REPAIR_OPTION, false);
        long segmentBytes = context.options().getLong(SEGMENT_BYTES_OPTION, DEFAULT_SEGMENT_BYTES);
        if (segmentBytes < 4096) {
            throw new IllegalArgumentException("option " + SEGMENT_BYTES_OPTION + " must be at least 4096, got "
                    + segmentBytes);
        }
        long catchUpEntries = context.options().getLong(CATCH_UP_ENTRIES_OPTION, DEFAULT_CATCH_UP_ENTRIES);
        if (catchUpEntries < 1) {
            throw new IllegalArgumentException("option " + CATCH_UP_ENTRIES_OPTION + " must be positive, got "
                    + catchUpEntries);
        }
        String walDir = context.options().get(WAL_DIR_OPTION, "");
        int maxSnapshots = retained(context, MAX_SNAPSHOTS_OPTION);
        int maxWals = retained(context, MAX_WALS_OPTION);
        long maxLearners = context.options().getLong(MAX_LEARNERS_OPTION, MemberRegistry.MAX_LEARNERS);
        if (maxLearners < 1 || maxLearners > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("option " + MAX_LEARNERS_OPTION + " must be positive, got "
                    + maxLearners);
        }
        ConsensusSettings settings = context.settings();
        long heartbeatMs = settings.heartbeatInterval().toMillis();
        long electionMs = settings.electionTimeout().toMillis();
        if (heartbeatMs < 1) {
            throw new IllegalArgumentException("--heartbeat-interval must be at least 1 ms, got " + heartbeatMs);
        }
        if (electionMs < 5 * heartbeatMs) {
            throw new IllegalArgumentException("--election-timeout[" + electionMs
                    + "ms] should be at least as 5 times as --heartbeat-interval[" + heartbeatMs + "ms]");
        }
        // etcd's request timeout: 5s + 2 * election timeout.
        return new RaftOptions(segmentBytes, catchUpEntries, walRepair,
                walDir.isEmpty() ? Optional.empty() : Optional.of(Path.of(walDir)), maxSnapshots, maxWals,
                (int) maxLearners, settings.heartbeatInterval().toNanos(),
                (int) (electionMs / heartbeatMs), (5000 + 2 * electionMs) / heartbeatMs, Math.max(1, 500 / heartbeatMs));
    }

    /** A number of files to keep: 0 (all) or more; 1 by default. */
    private static int retained(ConsensusContext context, String option) {
        long n = context.options().getLong(option, 1);
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("option " + option + " must be 0 (keep all) or more, got " + n);
        }
        return (int) n;
    }
}
