/**
 * A deterministic simulation of whole Raft clusters in one thread: a seeded network that drops,
 * delays, reorders and duplicates messages and partitions members, crashes that keep only what
 * was persisted, membership changes and leadership transfers, with clients writing and reading a
 * small key-value store throughout. Safety invariants are checked after every step and the client
 * history for linearizability at the end. Start at {@link io.kvorum.consensus.raft.simulation.SimulationTest}.
 */
package io.kvorum.consensus.raft.simulation;
