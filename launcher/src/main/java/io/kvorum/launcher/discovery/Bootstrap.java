package io.kvorum.launcher.discovery;

import io.kvorum.launcher.discovery.DiscoveryException.Reason;
import io.kvorum.server.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the discovery flags into the initial cluster a new member starts with, as etcd does before
 * its first start: {@code --discovery-srv} builds it from SRV records (the token stays
 * {@code --initial-cluster-token}); {@code --discovery} registers with the v2 discovery service and
 * waits for the others, and the discovery URL becomes the cluster token, as in etcd, so members
 * and cluster get etcd's ids. A member that already has data (a non-empty {@code member/wal}
 * folder in its data dir) skips discovery, as etcd does when it finds a WAL.
 *
 * <p>{@code --discovery-fallback proxy} (etcd's default) makes a member that finds the cluster full
 * a v2 proxy instead: {@link #initialCluster} throws {@link FallBackToProxy}, and the launcher starts
 * the proxy, whose peer URLs come from {@link #proxyPeerUrls} (etcd's {@code v2discovery.GetCluster}:
 * the token's first {@code size} registrations, read without registering).
 */
public final class Bootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);

    /** Why the member cannot start; the message is etcd's line for it. */
    public static final class Failed extends Exception {
        public Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The discovered cluster is full and {@code --discovery-fallback proxy} is given: the process is
     * to run as a v2 proxy, as etcd's does; etcd's line for it is logged.
     */
    public static final class FallBackToProxy extends Exception {
        public FallBackToProxy(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Bootstrap() {
    }

    /**
     * The peer URLs of the cluster a discovery token describes, for a v2 proxy: every peer URL of the
     * first {@code size} members registered, sorted, as etcd's {@code GetCluster} and
     * {@code URLsMap.URLs()}; waits while fewer have registered. Registers nothing.
     *
     * @throws Failed            when the service cannot tell, with etcd's discovery message
     * @throws InterruptedException when interrupted while waiting for the members
     */
    public static List<String> proxyPeerUrls(DiscoverySettings settings) throws Failed, InterruptedException {
        return proxyPeerUrls(settings, V2Discovery.UNLIMITED_RETRIES, wait -> Thread.sleep(wait.toMillis()),
                Optional.empty());
    }

    /** {@link #proxyPeerUrls(DiscoverySettings)} asking {@code keys} (the discovery URL's service when empty). */
    static List<String> proxyPeerUrls(DiscoverySettings settings, long maxRetries, V2Discovery.Backoff backoff,
                                      Optional<KeysApi> keys) throws Failed, InterruptedException {
        Map<String, List<URI>> cluster;
        try {
            URI url = parse(settings.url());
            KeysApi service = keys.isPresent() ? keys.get() : new V2KeysClient(url, proxy(settings.proxy()));
            // etcd asks with member id 0: no registration is this proxy's
            cluster = discovery(service, url, 0, maxRetries, backoff).getCluster();
        } catch (DiscoveryException e) {
            throw new Failed(e.getMessage(), e);
        }
        return cluster.values().stream().flatMap(List::stream).map(URI::toString).sorted().toList();
    }

    private static V2Discovery discovery(KeysApi keys, URI url, long memberId, long maxRetries, V2Discovery.Backoff backoff) {
        String endpoint = url.getScheme() + "://" + url.getRawAuthority();
        return new V2Discovery(keys, endpoint, Optional.ofNullable(url.getPath()).orElse(""), memberId, maxRetries, backoff);
    }

    /**
     * The configuration to start with: {@code config} with the discovered initial cluster, or
     * unchanged when there is nothing to discover.
     *
     * @param environment the process environment ({@value JndiDns#SERVER_VARIABLE})
     * @throws Failed            when discovery fails, with etcd's message
     * @throws FallBackToProxy   when the cluster is full and the fallback is {@code proxy}
     * @throws InterruptedException when interrupted while waiting for the other members
     */
    public static ServerConfig initialCluster(ServerConfig config, DiscoverySettings settings,
                                              Map<String, String> environment)
            throws Failed, FallBackToProxy, InterruptedException {
        if (!settings.discovers()) {
            return config;
        }
        if (hasData(config)) {
            if (!settings.url().isEmpty()) {
                LOG.atWarn().setMessage("discovery token is ignored since cluster already initialized; valid logs are found")
                        .addKeyValue("wal-dir", config.dataDir().resolve("member").resolve("wal").toString()).log();
            }
            return config;
        }
        if (!settings.srv().isEmpty()) {
            return fromSrv(config, settings, new SrvCluster(JndiDns.fromEnvironment(environment)));
        }
        return fromDiscoveryUrl(config, settings, V2Discovery.UNLIMITED_RETRIES, wait -> Thread.sleep(wait.toMillis()),
                Optional.empty());
    }

    static ServerConfig fromSrv(ServerConfig config, DiscoverySettings settings, SrvCluster srv) throws Failed {
        List<String> names;
        try {
            names = srv.clusterNames(settings.srv(), settings.srvName(), config.name(), config.initialAdvertisePeerUrls());
        } catch (DiscoveryException e) {
            LOG.atWarn().setMessage("failed to resolve during SRV discovery").addKeyValue("error", e.getMessage()).log();
            throw new Failed("error setting up initial cluster: " + e.getMessage(), e);
        }
        names.forEach(n -> LOG.atInfo().setMessage("got bootstrap from DNS for etcd-server").addKeyValue("node", n).log());
        Map<String, List<URI>> cluster;
        try {
            cluster = InitialCluster.parse(String.join(",", names));
        } catch (IllegalArgumentException e) {
            throw new Failed("error setting up initial cluster: " + e.getMessage(), e);
        }
        if (!cluster.containsKey(config.name())) {
            throw new Failed("error setting up initial cluster: cannot find local etcd member \"" + config.name()
                    + "\" in SRV records", null);
        }
        return config.withInitialCluster(cluster, config.initialClusterToken());
    }

    /**
     * Runs the v2 discovery protocol; {@code backoff} waits between retries; {@code keys} is the
     * service asked (the discovery URL's when empty).
     */
    static ServerConfig fromDiscoveryUrl(ServerConfig config, DiscoverySettings settings, long maxRetries,
                                         V2Discovery.Backoff backoff, Optional<KeysApi> keys)
            throws Failed, FallBackToProxy, InterruptedException {
        String token = settings.url();
        Map<String, List<URI>> self = Map.of(config.name(), config.initialAdvertisePeerUrls());
        if (config.initialClusterExisting()) {
            // etcd: joining an existing cluster asks its members, not the discovery service
            return config.withInitialCluster(self, token);
        }
        Map<String, List<URI>> cluster;
        try {
            URI url = parse(token);
            KeysApi service = keys.isPresent() ? keys.get() : new V2KeysClient(url, proxy(settings.proxy()));
            cluster = discovery(service, url, memberId(config.initialAdvertisePeerUrls(), token), maxRetries, backoff)
                    .joinCluster(InitialCluster.format(self));
        } catch (DiscoveryException e) {
            if (e.reason() == Reason.FULL_CLUSTER && settings.fallback() == DiscoverySettings.Fallback.PROXY) {
                String message = "failed to join discovery cluster (" + e.getMessage() + ")";
                LOG.atWarn().setMessage("discovery cluster is full, falling back to proxy")
                        .addKeyValue("fallback-proxy", "proxy").addKeyValue("error", message).log();
                throw new FallBackToProxy(message, e);
            }
            throw failed(config, settings, e);
        }
        if (hasDuplicateUrl(cluster)) {
            throw new Failed("discovery cluster " + InitialCluster.format(cluster) + " has duplicate url", null);
        }
        return config.withInitialCluster(cluster, token);
    }

    private static Failed failed(ServerConfig config, DiscoverySettings settings, DiscoveryException e) {
        String message = "failed to join discovery cluster (" + e.getMessage() + ")";
        switch (e.reason()) {
            case DUPLICATE_ID -> {
                LOG.atWarn().setMessage("member has been registered with discovery service")
                        .addKeyValue("name", config.name()).addKeyValue("discovery-token", settings.url())
                        .addKeyValue("error", e.getMessage()).log();
                LOG.atWarn().setMessage("but could not find valid cluster configuration")
                        .addKeyValue("data-dir", config.dataDir().toString()).log();
                LOG.warn("check data dir if previous bootstrap succeeded");
                LOG.warn("or use a new discovery token if previous bootstrap failed");
            }
            case DUPLICATE_NAME -> {
                LOG.atWarn().setMessage("member with duplicated name has already been registered")
                        .addKeyValue("discovery-token", settings.url()).addKeyValue("error", e.getMessage()).log();
                LOG.warn("cURL the discovery token URL for details");
                LOG.warn("do not reuse discovery token; generate a new one to bootstrap a cluster");
            }
            default -> warnTokenUsed(settings, message);
        }
        return new Failed(message, e);
    }

    private static void warnTokenUsed(DiscoverySettings settings, String message) {
        LOG.atWarn().setMessage("failed to bootstrap; discovery token was already used")
                .addKeyValue("discovery-token", settings.url()).addKeyValue("error", message).log();
        LOG.warn("do not reuse discovery token; generate a new one to bootstrap a cluster");
    }

    private static URI parse(String url) throws DiscoveryException {
        try {
            URI parsed = new URI(url);
            if (parsed.getScheme() == null || parsed.getRawAuthority() == null) {
                throw new DiscoveryException(Reason.SERVICE_ERROR, "unsupported protocol scheme in discovery URL \""
                        + url + "\"", null);
            }
            return parsed;
        } catch (URISyntaxException e) {
            throw new DiscoveryException(Reason.SERVICE_ERROR, "parse \"" + url + "\": " + e.getMessage(), e);
        }
    }

    /** {@code --discovery-proxy}, read as etcd reads it: {@code http://} is assumed when no scheme is given. */
    static Optional<ProxySelector> proxy(String proxy) throws DiscoveryException {
        if (proxy.isEmpty()) {
            return Optional.empty();
        }
        URI url;
        try {
            url = new URI(proxy.matches("(?i)^https?://.*") ? proxy : "http://" + proxy);
        } catch (URISyntaxException e) {
            throw new DiscoveryException(Reason.SERVICE_ERROR, "invalid proxy address \"" + proxy + "\": "
                    + e.getMessage(), e);
        }
        if (url.getHost() == null) {
            throw new DiscoveryException(Reason.SERVICE_ERROR, "invalid proxy address \"" + proxy + "\": no host", null);
        }
        LOG.atInfo().setMessage("running proxy with discovery").addKeyValue("proxy-url", url.toString()).log();
        int port = url.getPort() >= 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        return Optional.of(ProxySelector.of(InetSocketAddress.createUnresolved(url.getHost(), port)));
    }

    /** Whether the member has consensus data already: then it restarts, and discovery is not asked. */
    private static boolean hasData(ServerConfig config) {
        Path wal = config.dataDir().resolve("member").resolve("wal");
        if (!Files.isDirectory(wal)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(wal)) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            // the start itself reports an unreadable data dir
            return true;
        }
    }

    private static boolean hasDuplicateUrl(Map<String, List<URI>> cluster) {
        Set<URI> seen = new HashSet<>();
        return cluster.values().stream().flatMap(List::stream).anyMatch(u -> !seen.add(u));
    }

    /**
     * etcd's member id (the server derives the same): the first 8 bytes of SHA-1 over the sorted
     * peer URLs and the cluster token; discovery registers the member under it in hex.
     */
    static long memberId(List<URI> peerUrls, String clusterToken) {
        StringBuilder b = new StringBuilder();
        peerUrls.stream().map(URI::toString).sorted().forEach(b::append);
        b.append(clusterToken);
        try {
            byte[] hash = MessageDigest.getInstance("SHA-1").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(hash, 0, 8).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-1", e);
        }
    }
}
