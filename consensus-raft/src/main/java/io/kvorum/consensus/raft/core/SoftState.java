package io.kvorum.consensus.raft.core;

/**
 * What a node believes now and need not persist.
 *
 * @param leader the leader it follows, 0 when it knows none
 * @param role   its role
 */
public record SoftState(long leader, StateRole role) {
}
