package io.kvorum.consensus.raft.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * A single-member configuration change, proposed as a {@link EntryType#CONF_CHANGE} entry and
 * taking effect when the application applies it after commit (etcd's v1 semantics). A change
 * with node id 0 is a no-op: the application substitutes it for a change it refuses at apply
 * time, so every member still applies the same sequence.
 *
 * @param type    what to do
 * @param nodeId  the member it concerns
 * @param context opaque to Raft (the server keeps the member's URLs there)
 */
public record ConfChange(ConfChangeType type, long nodeId, byte[] context) {
    public ConfChange {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(context, "context");
    }

    public ConfChange(ConfChangeType type, long nodeId) {
        this(type, nodeId, new byte[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfChange c && c.type == type && c.nodeId == nodeId && Arrays.equals(c.context, context);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, nodeId) * 31 + Arrays.hashCode(context);
    }

    @Override
    public String toString() {
        return type + "(" + nodeId + ")";
    }
}
