package io.kvorum.consensus.raft.core;

/**
 * The kinds of {@link Message}. Local ones ({@link #isLocal()}) never cross the network: the
 * node sends them to itself to drive timers and to report what the transport saw.
 */
public enum MessageType {
    /** Local: the election timer fired; start a (pre-)election. */
    HUP,
    /** Local: the heartbeat timer fired; the leader sends heartbeats. */
    BEAT,
    /** A proposal of new entries; local, or forwarded by a follower to the leader. */
    PROP,
    APP,
    APP_RESP,
    VOTE,
    VOTE_RESP,
    SNAP,
    HEARTBEAT,
    HEARTBEAT_RESP,
    /** Local: the transport could not reach the peer; stop optimistic replication to it. */
    UNREACHABLE,
    /** Local: the transport finished (or failed) sending a snapshot to the peer. */
    SNAP_STATUS,
    /** Local: time for the leader to check it still hears from a quorum. */
    CHECK_QUORUM,
    /** Asks the leader to hand leadership to the message's sender field. */
    TRANSFER_LEADER,
    /** Tells the transferee to campaign at once, bypassing pre-vote and leases. */
    TIMEOUT_NOW,
    /** A linearizable read request; local, or forwarded by a follower to the leader. */
    READ_INDEX,
    READ_INDEX_RESP,
    PRE_VOTE,
    PRE_VOTE_RESP;

    private static final MessageType[] VALUES = values();

    static MessageType ofOrdinal(int ordinal) {
        if (ordinal < 0 || ordinal >= VALUES.length) {
            throw new EncodingException("unknown message type " + ordinal);
        }
        return VALUES[ordinal];
    }

    public boolean isLocal() {
        return this == HUP || this == BEAT || this == UNREACHABLE || this == SNAP_STATUS || this == CHECK_QUORUM;
    }

    /** Whether this is a response the sender expects from the node it asked. */
    public boolean isResponse() {
        return this == APP_RESP || this == VOTE_RESP || this == HEARTBEAT_RESP || this == READ_INDEX_RESP
                || this == PRE_VOTE_RESP;
    }

    boolean isVoteRequest() {
        return this == VOTE || this == PRE_VOTE;
    }

    /** The response type that answers this vote request. */
    MessageType voteResponse() {
        return switch (this) {
            case VOTE -> VOTE_RESP;
            case PRE_VOTE -> PRE_VOTE_RESP;
            default -> throw new IllegalStateException("not a vote request: " + this);
        };
    }
}
