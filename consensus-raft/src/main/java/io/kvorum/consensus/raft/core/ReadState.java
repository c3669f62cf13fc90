package io.kvorum.consensus.raft.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * The answer to a {@link RawNode#readIndex} request: once this node has applied {@code index},
 * reading its local state is linearizable for the request identified by {@code context}.
 */
public record ReadState(long index, byte[] context) {
    public ReadState {
        Objects.requireNonNull(context, "context");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReadState r && r.index == index && Arrays.equals(r.context, context);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(index) * 31 + Arrays.hashCode(context);
    }

    @Override
    public String toString() {
        return "ReadState[" + index + ", " + context.length + "B]";
    }
}
