package io.kvorum.launcher.proxy;

import java.io.IOException;
import java.util.List;

/**
 * Where a proxy without a cluster file learns the peer URLs to ask: {@code --initial-cluster}, or
 * a discovery service ({@code --discovery}, etcd's {@code v2discovery.GetCluster}), which plugs in here.
 */
@FunctionalInterface
public interface PeerUrlSource {

    /** The peer URLs of the cluster's members. */
    List<String> peerUrls() throws IOException;
}
