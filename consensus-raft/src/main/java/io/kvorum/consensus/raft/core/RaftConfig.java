package io.kvorum.consensus.raft.core;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How one Raft node is built.
 *
 * @param id              this member's id, not 0
 * @param electionTick    ticks without hearing from a leader before a follower campaigns; each
 *                        election waits a random timeout in [electionTick, 2 * electionTick)
 * @param heartbeatTick   ticks between a leader's heartbeats; less than {@code electionTick}
 * @param storage         the persisted log and state to start from
 * @param applied         the index the application has applied already (0: from the snapshot)
 * @param maxSizePerMsg   bytes of entries per append message and per batch of committed entries
 * @param maxInflightMsgs append messages in flight to one follower before the leader waits
 * @param checkQuorum     a leader steps down when it has not heard from a quorum for an election
 *                        timeout, and followers that hear from a leader ignore vote requests
 * @param preVote         a candidate first asks whether it could win, so a partitioned member that
 *                        rejoins does not force a new term on a healthy cluster
 * @param random          the only source of randomness (election timeouts); seed it for tests
 */
public record RaftConfig(long id, int electionTick, int heartbeatTick, Storage storage, long applied,
                         long maxSizePerMsg, int maxInflightMsgs, boolean checkQuorum, boolean preVote,
                         RandomGenerator random) {
    public RaftConfig {
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(random, "random");
        if (id == 0) {
            throw new IllegalArgumentException("id must not be 0");
        }
        if (heartbeatTick <= 0) {
            throw new IllegalArgumentException("heartbeatTick must be positive, got " + heartbeatTick);
        }
        if (electionTick <= heartbeatTick) {
            throw new IllegalArgumentException("electionTick (" + electionTick + ") must be greater than heartbeatTick ("
                    + heartbeatTick + ")");
        }
        if (maxInflightMsgs <= 0) {
            throw new IllegalArgumentException("maxInflightMsgs must be positive, got " + maxInflightMsgs);
        }
        if (maxSizePerMsg <= 0) {
            throw new IllegalArgumentException("maxSizePerMsg must be positive, got " + maxSizePerMsg);
        }
        if (applied < 0) {
            throw new IllegalArgumentException("applied must not be negative, got " + applied);
        }
    }
}
