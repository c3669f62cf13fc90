/**
 * The {@code raft} consensus provider: one member's driver thread around the pure core, the WAL,
 * snapshot files, the member registry and the peer transport. Start at
 * {@link io.kvorum.consensus.raft.node.RaftConsensusProvider}, then {@code RaftNode}.
 */
package io.kvorum.consensus.raft.node;
