package io.kvorum.launcher.proxy;

import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * What the proxy learns of the cluster: every member's peer URLs and client URLs, each list sorted
 * and without repeats, as etcd's {@code RaftCluster.PeerURLs()} and {@code ClientURLs()}.
 */
public record ClusterView(List<String> peerUrls, List<String> clientUrls) {
    public ClusterView {
        peerUrls = sortedUnique(peerUrls);
        clientUrls = sortedUnique(clientUrls);
    }

    private static List<String> sortedUnique(Collection<String> urls) {
        return List.copyOf(new TreeSet<>(urls));
    }
}
