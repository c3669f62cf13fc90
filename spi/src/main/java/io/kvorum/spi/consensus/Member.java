package io.kvorum.spi.consensus;

import java.util.List;

/**
 * A member of the cluster as etcd's Cluster API shows it.
 *
 * @param id         etcd's member id
 * @param name       empty until the member has started and published it
 * @param peerUrls   where other members reach it
 * @param clientUrls where clients reach it; empty until published
 * @param learner    a non-voting member
 */
public record Member(long id, String name, List<String> peerUrls, List<String> clientUrls, boolean learner) {
    public Member {
        peerUrls = List.copyOf(peerUrls);
        clientUrls = List.copyOf(clientUrls);
    }
}
