package io.kvorum.consensus.raft.core;

/**
 * Flow control for one follower: the last indexes of the append messages sent to it and not yet
 * acknowledged, oldest first, at most {@code capacity} of them. When full, the leader stops
 * sending until an acknowledgement frees a slot, so a slow follower never has more than
 * {@code capacity} messages queued for it.
 */
final class Inflights {
    private final long[] ring;
    private int start;
    private int count;

    Inflights(int capacity) {
        ring = new long[capacity];
    }

    boolean full() {
        return count == ring.length;
    }

    int count() {
        return count;
    }

    /** Records a message whose last entry is {@code index}; indexes must increase. */
    void add(long index) {
        if (full()) {
            throw new IllegalStateException("inflights are full");
        }
        ring[(start + count) % ring.length] = index;
        count++;
    }

    /** Frees every message whose last entry is at or below {@code index}: the follower has them all. */
    void freeLE(long index) {
        while (count > 0 && ring[start] <= index) {
            start = (start + 1) % ring.length;
            count--;
        }
        if (count == 0) {
            start = 0;
        }
    }

    /** Frees the oldest slot: a heartbeat response shows the follower alive, so let one more message through. */
    void freeFirstOne() {
        if (count > 0) {
            freeLE(ring[start]);
        }
    }

    void reset() {
        start = 0;
        count = 0;
    }
}
