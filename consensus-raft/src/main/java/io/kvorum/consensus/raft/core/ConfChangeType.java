package io.kvorum.consensus.raft.core;

/** etcd's ConfChange (v1) kinds: one member at a time. */
public enum ConfChangeType {
    /** Adds a voter, or promotes the learner with that id. */
    ADD_NODE,
    /** Adds a learner (demotes a voter, as etcd does, though the server never asks for that). */
    ADD_LEARNER_NODE,
    /** Removes the member, voter or learner. */
    REMOVE_NODE;

    private static final ConfChangeType[] VALUES = values();

    static ConfChangeType ofOrdinal(int ordinal) {
        if (ordinal < 0 || ordinal >= VALUES.length) {
            throw new EncodingException("unknown conf change type " + ordinal);
        }
        return VALUES[ordinal];
    }
}
