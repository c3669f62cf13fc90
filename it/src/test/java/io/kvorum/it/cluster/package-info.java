/**
 * Multi-member clusters of the current target (the kvorum distribution with {@code --consensus raft},
 * or real etcd) as real processes: start, kill -9, restart, grow and shrink them, and hold them to
 * etcd's promises across faults. Start at {@link io.kvorum.it.cluster.Cluster}.
 */
package io.kvorum.it.cluster;
