/**
 * The write-ahead log: what the Raft core asks to persist (entries, hard state, snapshot
 * markers), in CRC-checked records in preallocated segment files, synced once per batch. Start
 * at {@link io.kvorum.consensus.raft.wal.Wal}.
 */
package io.kvorum.consensus.raft.wal;
