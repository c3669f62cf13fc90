package io.kvorum.launcher.discovery;

import java.util.Objects;

/**
 * etcd's discovery flags, as given.
 *
 * @param url      {@code --discovery}: a v2 keys URL of the token's directory; empty for none
 * @param fallback {@code --discovery-fallback}: what to do when the discovered cluster is full
 * @param proxy    {@code --discovery-proxy}: an HTTP proxy for the discovery traffic; empty for none
 * @param srv      {@code --discovery-srv}: the domain of the SRV records; empty for none
 * @param srvName  {@code --discovery-srv-name}: a suffix of the SRV service names; empty for none
 */
public record DiscoverySettings(String url, Fallback fallback, String proxy, String srv, String srvName) {
    /** No discovery: the initial cluster is given. */
    public static final DiscoverySettings NONE = new DiscoverySettings("", Fallback.PROXY, "", "", "");

    /** {@code --discovery-fallback}: exit, or run as a v2 proxy to the discovered cluster; see {@link Bootstrap}. */
    public enum Fallback {
        EXIT, PROXY
    }

    /** Whether the initial cluster is to be discovered: {@code --discovery} or {@code --discovery-srv} is given. */
    public boolean discovers() {
        return !url.isEmpty() || !srv.isEmpty();
    }

    public DiscoverySettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(fallback, "fallback");
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(srv, "srv");
        Objects.requireNonNull(srvName, "srvName");
    }
}
