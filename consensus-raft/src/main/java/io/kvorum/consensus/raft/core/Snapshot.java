package io.kvorum.consensus.raft.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * The state machine's state as of an index, standing in for every entry up to it.
 *
 * @param index     the last entry it covers; 0 for {@link #EMPTY}
 * @param term      that entry's term
 * @param confState the configuration as of {@code index}
 * @param data      the application's bytes; opaque to Raft
 */
public record Snapshot(long index, long term, ConfState confState, byte[] data) {
    public static final Snapshot EMPTY = new Snapshot(0, 0, ConfState.EMPTY, new byte[0]);

    public Snapshot {
        Objects.requireNonNull(confState, "confState");
        Objects.requireNonNull(data, "data");
    }

    public boolean isEmpty() {
        return index == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Snapshot s && s.index == index && s.term == term && s.confState.equals(confState)
                && Arrays.equals(s.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, term, confState) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Snapshot[" + index + "@" + term + " " + confState + " " + data.length + "B]";
    }
}
