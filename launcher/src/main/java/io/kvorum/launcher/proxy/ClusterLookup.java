package io.kvorum.launcher.proxy;

import java.io.IOException;
import java.util.List;

/**
 * Asks a running cluster for its members, given peer URLs to ask; the proxy's view of the cluster
 * comes from here at every refresh.
 */
@FunctionalInterface
public interface ClusterLookup {

    /**
     * The cluster as one of the members at {@code peerUrls} describes it.
     *
     * @throws IOException when none of them answers
     */
    ClusterView lookup(List<String> peerUrls) throws IOException;

    /** Asks {@code first}, then, when it fails, {@code second}; the failure names both problems. */
    static ClusterLookup either(ClusterLookup first, ClusterLookup second) {
        return peerUrls -> {
            try {
                return first.lookup(peerUrls);
            } catch (IOException | RuntimeException e) {
                try {
                    return second.lookup(peerUrls);
                } catch (IOException | RuntimeException e2) {
                    IOException both = new IOException(e.getMessage() + "; " + e2.getMessage(), e2);
                    both.addSuppressed(e);
                    throw both;
                }
            }
        };
    }
}
