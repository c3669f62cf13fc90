/**
 * The {@code standalone} consensus: one member, no replication. Proposals are ordered by a single
 * thread and handed to the state machine in batches, which makes each batch durable itself.
 */
package io.kvorum.server.standalone;
