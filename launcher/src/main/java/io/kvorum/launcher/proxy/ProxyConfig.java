package io.kvorum.launcher.proxy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A v2 proxy's configuration, from etcd's flags.
 *
 * @param readonly         {@code --proxy readonly}: only GET requests are forwarded
 * @param dataDir          {@code --data-dir}; the proxy keeps its cluster view in {@code proxy/cluster} there
 * @param listenClientUrls {@code --listen-client-urls}: where the proxy serves
 * @param initialPeerUrls  the peer URLs of {@code --initial-cluster}, asked for the members at the first start
 * @param failureWait      {@code --proxy-failure-wait}: how long an endpoint that failed is left out
 * @param refreshInterval  {@code --proxy-refresh-interval}: how often the members are asked again
 * @param dialTimeout      {@code --proxy-dial-timeout}: connecting to an endpoint; zero for no bound
 * @param writeTimeout     {@code --proxy-write-timeout}: accepted as etcd's; see the README
 * @param readTimeout      {@code --proxy-read-timeout}: waiting for an endpoint's answer; zero for no bound
 */
public record ProxyConfig(boolean readonly, Path dataDir, List<URI> listenClientUrls, List<String> initialPeerUrls,
                          Duration failureWait, Duration refreshInterval, Duration dialTimeout,
                          Duration writeTimeout, Duration readTimeout) {
    public ProxyConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        listenClientUrls = List.copyOf(listenClientUrls);
        initialPeerUrls = List.copyOf(initialPeerUrls);
        Objects.requireNonNull(failureWait, "failureWait");
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        Objects.requireNonNull(dialTimeout, "dialTimeout");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
    }

    /** The folder of the proxy's state, as etcd's: {@code <data-dir>/proxy}. */
    public Path proxyDir() {
        return dataDir.resolve("proxy");
    }
}
