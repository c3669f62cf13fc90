package io.kvorum.spi.consensus;

import java.util.List;

/**
 * The cluster as configured at start (etcd's {@code --initial-cluster*} flags).
 *
 * @param self           this member
 * @param clusterId      the cluster id derived from the initial members
 * @param token          {@code --initial-cluster-token}
 * @param existing       {@code --initial-cluster-state existing}: join a running cluster
 * @param initialMembers every member named in {@code --initial-cluster}, this one included
 */
public record ClusterSpec(Member self, long clusterId, String token, boolean existing, List<Member> initialMembers) {
    public ClusterSpec {
        initialMembers = List.copyOf(initialMembers);
    }
}
