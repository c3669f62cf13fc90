package io.kvorum.spi.consensus;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * etcd's member-wide consensus flags, which every consensus provider is given whether or not it
 * has use for them (a single-member provider ignores most).
 *
 * @param listenPeerUrls      {@code --listen-peer-urls}: where this member accepts peer traffic
 *                            (port 0 is not allowed: peers find each other by the advertised URLs)
 * @param heartbeatInterval   {@code --heartbeat-interval}
 * @param electionTimeout     {@code --election-timeout}, at least five heartbeats
 * @param snapshotCount       {@code --snapshot-count}: committed entries between snapshots of the
 *                            state machine, after which older log is released
 * @param preVote             {@code --pre-vote}
 * @param strictReconfigCheck {@code --strict-reconfig-check}: refuse membership changes that
 *                            would leave too few started members for a quorum
 * @param initialElectionTickAdvance {@code --initial-election-tick-advance}: a member of a
 *                            multi-member cluster fast-forwards its election timer once its peers
 *                            are connected, so the first election comes sooner (a single-member
 *                            cluster does so regardless, as in etcd)
 * @param forceNewCluster     {@code --force-new-cluster}: a member with a log restarts as the only
 *                            member of its cluster, keeping its committed log and its identity
 *                            (etcd's {@code restartAsStandaloneNode}); a member without one ignores it
 */
public record ConsensusSettings(List<URI> listenPeerUrls, Duration heartbeatInterval, Duration electionTimeout,
                                long snapshotCount, boolean preVote, boolean strictReconfigCheck,
                                boolean initialElectionTickAdvance, boolean forceNewCluster) {

    public static final long DEFAULT_SNAPSHOT_COUNT = 100_000;

    public ConsensusSettings {
        listenPeerUrls = List.copyOf(listenPeerUrls);
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(electionTimeout, "electionTimeout");
        if (snapshotCount < 1) {
            throw new IllegalArgumentException("--snapshot-count must be positive, got " + snapshotCount);
        }
    }

    /** Without {@code --force-new-cluster}. */
    public ConsensusSettings(List<URI> listenPeerUrls, Duration heartbeatInterval, Duration electionTimeout,
                             long snapshotCount, boolean preVote, boolean strictReconfigCheck,
                             boolean initialElectionTickAdvance) {
        this(listenPeerUrls, heartbeatInterval, electionTimeout, snapshotCount, preVote, strictReconfigCheck,
                initialElectionTickAdvance, false);
    }

    /** A copy with {@code --force-new-cluster} set as given. */
    public ConsensusSettings withForceNewCluster(boolean force) {
        return new ConsensusSettings(listenPeerUrls, heartbeatInterval, electionTimeout, snapshotCount, preVote,
                strictReconfigCheck, initialElectionTickAdvance, force);
    }

    /** With {@code --initial-election-tick-advance} at its default, true. */
    public ConsensusSettings(List<URI> listenPeerUrls, Duration heartbeatInterval, Duration electionTimeout,
                             long snapshotCount, boolean preVote, boolean strictReconfigCheck) {
        this(listenPeerUrls, heartbeatInterval, electionTimeout, snapshotCount, preVote, strictReconfigCheck, true);
    }

    /** etcd's defaults, listening for peers on {@code http://localhost:2380}. */
    public static ConsensusSettings defaults() {
        return new ConsensusSettings(List.of(URI.create("http://localhost:2380")), Duration.ofMillis(100),
                Duration.ofMillis(1000), DEFAULT_SNAPSHOT_COUNT, true, true, true, false);
    }
}
