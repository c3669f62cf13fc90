package io.kvorum.spi.consensus;

/**
 * What a consensus tells about its Raft traffic for etcd's v2 statistics ({@code /v2/stats/self},
 * {@code /v2/stats/leader}): the appends a leader sends each follower and how handing each to the
 * follower's connection went, the appends a follower receives, and when this member becomes the
 * leader. Called on the consensus' own threads: implementations only count, never block.
 */
public interface PeerTraffic {

    /** Observes nothing. */
    PeerTraffic NONE = new PeerTraffic() {
    };

    /** This member became the leader. */
    default void becameLeader() {
    }

    /** An append of {@code bytes} (its encoded size) was sent to follower {@code to}. */
    default void appendSent(long to, int bytes) {
    }

    /** An append went out on follower {@code to}'s connection, {@code nanos} after it was handed over. */
    default void appendDelivered(long to, long nanos) {
    }

    /** An append to follower {@code to} was dropped: its connection was down or its queue full. */
    default void appendDropped(long to) {
    }

    /** An append of {@code bytes} arrived from leader {@code from}. */
    default void appendReceived(long from, int bytes) {
    }
}
