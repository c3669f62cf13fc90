/**
 * The Raft algorithm as a pure state machine, in the shape of etcd's raft library: feed it
 * messages ({@link io.kvorum.consensus.raft.core.RawNode#step}) and ticks, take its
 * {@link io.kvorum.consensus.raft.core.Ready} (state to persist, messages to send, entries to
 * apply), then {@link io.kvorum.consensus.raft.core.RawNode#advance}. It does no I/O, reads no
 * clock and starts no thread, so a test can run a whole cluster deterministically in one thread.
 * Start reading at {@link io.kvorum.consensus.raft.core.RawNode}.
 */
package io.kvorum.consensus.raft.core;
