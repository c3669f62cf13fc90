package io.kvorum.consensus.raft.core;

/** The role a node plays (etcd's StateType). */
public enum StateRole {
    FOLLOWER,
    /** Asking whether it could win before disturbing anyone's term (pre-vote). */
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
