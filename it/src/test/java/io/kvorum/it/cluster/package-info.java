/**
 * Multi-member clusters of the current target (the kvorum distribution with {@code --consensus raft},
 * or real etcd) as real processes: start, kill -9, restart, grow and shrink them, and hold them to
 * etcd's promises across faults. Start at {@link io.kvorum.it.cluster.Cluster}.
 *
 * <p>Every test here carries the JUnit tag {@code cluster}. The etcd run includes them; the kvorum
 * run leaves them out while {@code kvorum.it.excluded.groups} is {@code cluster} in the pom's
 * against-kvorum profile, and {@code -Dkvorum.it.excluded.groups=} includes them.
 */
package io.kvorum.it.cluster;
