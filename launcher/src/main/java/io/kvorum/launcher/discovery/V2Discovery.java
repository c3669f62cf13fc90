package io.kvorum.launcher.discovery;

import io.kvorum.launcher.discovery.DiscoveryException.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's v2 discovery protocol, as {@code etcdserver/api/v2discovery} runs it: the token is a
 * directory on a v2 keys service holding {@code _config/size}; each member checks that the cluster is
 * not full, registers itself as {@code <token>/<member id hex>} = {@code name=peerURLs}, then waits
 * until {@code size} members have registered. The first {@code size} registrations (by creation
 * index) are the cluster; a member that comes later is told {@code discovery: cluster is full}.
 * When the service cannot be reached (or answers with a server error), it retries after 2, 4, …
 * 256 seconds, then every 256 seconds, as etcd does.
 *
 * <p>One instance serves one bootstrap, on the caller's thread; it keeps the retry count.
 */
final class V2Discovery {
    private static final Logger LOG = LoggerFactory.getLogger(V2Discovery.class);
    /** etcd's {@code maxExpoentialRetries}: the backoff doubles up to 2^8 seconds. */
    private static final int MAX_EXPONENTIAL_RETRIES = 8;
    /** etcd's {@code nRetries}: math.MaxUint32, retrying for good in practice. */
    static final long UNLIMITED_RETRIES = 0xFFFF_FFFFL;

    /** Waits out a backoff; tests pass one that does not sleep. */
    interface Backoff {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final KeysApi keys;
    private final String url;
    private final String cluster;
    private final String selfKey;
    private final long maxRetries;
    private final Backoff backoff;
    private long retries;

    /**
     * @param keys       the v2 keys service the discovery URL names
     * @param url        the discovery URL without its path, for log lines
     * @param cluster    the token: the discovery URL's path (e.g. {@code /v2/keys/discovery/<token>})
     * @param memberId   this member's id; its registration key is the id in hex
     * @param maxRetries how many times to retry an unreachable service before giving up
     */
    V2Discovery(KeysApi keys, String url, String cluster, long memberId, long maxRetries, Backoff backoff) {
        this.keys = keys;
        this.url = url;
        this.cluster = cluster;
        this.selfKey = join(cluster, Long.toHexString(memberId));
        this.maxRetries = maxRetries;
        this.backoff = backoff;
    }

    /**
     * Registers {@code config} ({@code name=peerURL,…} of this member) and returns the cluster:
     * each member's name and peer URLs, in registration order.
     */
    Map<String, List<java.net.URI>> joinCluster(String config) throws DiscoveryException, InterruptedException {
        // fast path: a full cluster is refused before registering
        checkCluster();
        createSelf(config);
        Check check = checkCluster();
        List<KeysApi.Node> all = waitNodes(check);
        return nodesToCluster(all, check.size());
    }

    /**
     * The cluster as the token holds it, without registering, as etcd's {@code GetCluster} for a
     * proxy: the first {@code size} registrations when the cluster is full, else those after waiting
     * for the rest. Build the instance with member id 0, as etcd does there.
     */
    Map<String, List<java.net.URI>> getCluster() throws DiscoveryException, InterruptedException {
        Check check = check();
        if (check.full()) {
            return nodesToCluster(check.nodes().subList(0, (int) check.size()), check.size());
        }
        return nodesToCluster(waitNodes(check), check.size());
    }

    /** @param full whether {@code size} others registered before this member (or at all, when it did not) */
    private record Check(List<KeysApi.Node> nodes, long size, long index, boolean full) {
    }

    private void createSelf(String config) throws DiscoveryException {
        KeysApi.Node created;
        try {
            created = keys.create(selfKey, config);
        } catch (KeysApi.KeysError e) {
            if (e.code() == KeysApi.KeysError.NODE_EXIST) {
                throw new DiscoveryException(Reason.DUPLICATE_ID);
            }
            throw serviceError(e);
        } catch (KeysApi.Unavailable | KeysApi.InvalidJson e) {
            // etcd does not retry a registration either
            throw serviceError(e);
        }
        // the registration is visible on the service before the count starts
        try {
            keys.waitChange(selfKey, created.createdIndex() - 1, false);
        } catch (KeysApi.KeysError | KeysApi.Unavailable | KeysApi.InvalidJson e) {
            throw serviceError(e);
        }
    }

    private Check checkCluster() throws DiscoveryException, InterruptedException {
        Check check = check();
        if (check.full()) {
            throw new DiscoveryException(Reason.FULL_CLUSTER);
        }
        return check;
    }

    private Check check() throws DiscoveryException, InterruptedException {
        String configKey = join(cluster, "_config");
        String sizeKey = join(configKey, "size");
        KeysApi.Read sizeRead;
        try {
            sizeRead = keys.get(sizeKey);
        } catch (KeysApi.KeysError e) {
            // etcd 3.4 means to say "size key not found" here, but its check never matches and it
            // reports the v2 error itself; kvorum says what etcd 3.4 says
            throw serviceError(e);
        } catch (KeysApi.InvalidJson e) {
            throw new DiscoveryException(Reason.BAD_DISCOVERY_ENDPOINT);
        } catch (KeysApi.Unavailable e) {
            warnUnavailable(sizeKey, e);
            return checkClusterRetry();
        }
        long size;
        try {
            size = Long.parseUnsignedLong(sizeRead.node().value() == null ? "" : sizeRead.node().value());
        } catch (NumberFormatException e) {
            throw new DiscoveryException(Reason.BAD_SIZE_KEY);
        }
        KeysApi.Read dir;
        try {
            dir = keys.get(cluster);
        } catch (KeysApi.Unavailable e) {
            warnUnavailable(cluster, e);
            return checkClusterRetry();
        } catch (KeysApi.KeysError | KeysApi.InvalidJson e) {
            throw serviceError(e);
        }
        List<KeysApi.Node> nodes = new ArrayList<>();
        for (KeysApi.Node n : dir.node().nodes()) {
            if (!n.baseName().equals("_config")) {
                nodes.add(n);
            }
        }
        nodes.sort(Comparator.comparingLong(KeysApi.Node::createdIndex));
        String self = baseName(selfKey);
        // full when this member is not among the first `size` registrations
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).baseName().equals(self)) {
                break;
            }
            if (Long.compareUnsigned(i, size - 1) >= 0) {
                return new Check(nodes, size, dir.index(), true);
            }
        }
        return new Check(nodes, size, dir.index(), false);
    }

    private Check checkClusterRetry() throws DiscoveryException, InterruptedException {
        if (retries < maxRetries) {
            backOff("cluster status check");
            return check();
        }
        throw new DiscoveryException(Reason.TOO_MANY_RETRIES);
    }

    private List<KeysApi.Node> waitNodes(Check check) throws DiscoveryException, InterruptedException {
        List<KeysApi.Node> all = new ArrayList<>(check.nodes().size() > check.size()
                ? check.nodes().subList(0, (int) check.size()) : check.nodes());
        String self = baseName(selfKey);
        for (KeysApi.Node n : all) {
            if (n.baseName().equals(self)) {
                LOG.atInfo().setMessage("found self from discovery server").addKeyValue("discovery-url", url)
                        .addKeyValue("self", self).log();
            } else {
                LOG.atInfo().setMessage("found peer from discovery server").addKeyValue("discovery-url", url)
                        .addKeyValue("peer", n.baseName()).log();
            }
        }
        long after = check.index();
        while (all.size() < check.size()) {
            LOG.atInfo().setMessage("found peers from discovery server; waiting for more")
                    .addKeyValue("discovery-url", url).addKeyValue("found-peers", all.size())
                    .addKeyValue("needed-peers", check.size() - all.size()).log();
            KeysApi.Node changed;
            try {
                changed = keys.waitChange(cluster, after, true);
            } catch (KeysApi.Unavailable e) {
                LOG.atWarn().setMessage("failed to watch the discovery server").addKeyValue("discovery-url", url)
                        .addKeyValue("error", e.getMessage()).log();
                return waitNodesRetry();
            } catch (KeysApi.KeysError | KeysApi.InvalidJson e) {
                throw serviceError(e);
            }
            after = changed.modifiedIndex();
            LOG.atInfo().setMessage("found peer from discovery server").addKeyValue("discovery-url", url)
                    .addKeyValue("peer", changed.baseName()).log();
            all.add(changed);
        }
        LOG.atInfo().setMessage("found all needed peers from discovery server").addKeyValue("discovery-url", url)
                .addKeyValue("found-peers", all.size()).log();
        return all;
    }

    private List<KeysApi.Node> waitNodesRetry() throws DiscoveryException, InterruptedException {
        if (retries < maxRetries) {
            backOff("waiting for other nodes");
            // a full cluster here is an error for a proxy too, as in etcd
            return waitNodes(checkCluster());
        }
        throw new DiscoveryException(Reason.TOO_MANY_RETRIES);
    }

    private void backOff(String step) throws InterruptedException {
        retries++;
        long exponent = Math.min(retries, MAX_EXPONENTIAL_RETRIES);
        Duration wait = Duration.ofSeconds(1L << exponent);
        LOG.atInfo().setMessage("retry connecting to discovery service").addKeyValue("url", url)
                .addKeyValue("reason", step).addKeyValue("backoff", wait).log();
        backoff.sleep(wait);
    }

    private void warnUnavailable(String path, KeysApi.Unavailable e) {
        LOG.atWarn().setMessage("failed to get from discovery server").addKeyValue("discovery-url", url)
                .addKeyValue("path", path).addKeyValue("error", e.getMessage()).log();
    }

    /** The members' values as one initial cluster; each name once, {@code size} of them. */
    static Map<String, List<java.net.URI>> nodesToCluster(List<KeysApi.Node> nodes, long size)
            throws DiscoveryException {
        List<String> values = nodes.stream().map(n -> n.value() == null ? "" : n.value()).toList();
        Map<String, List<java.net.URI>> cluster;
        try {
            cluster = InitialCluster.parse(String.join(",", values));
        } catch (IllegalArgumentException e) {
            throw new DiscoveryException(Reason.INVALID_URL);
        }
        if (cluster.isEmpty()) {
            // a size of 0: no member at all is no cluster (etcd's URL parse fails there too)
            throw new DiscoveryException(Reason.INVALID_URL);
        }
        if (cluster.size() != size) {
            throw new DiscoveryException(Reason.DUPLICATE_NAME);
        }
        return cluster;
    }

    private static DiscoveryException serviceError(Exception e) {
        return new DiscoveryException(Reason.SERVICE_ERROR, e.getMessage(), e);
    }

    /** Go's {@code path.Join("/", a, b)} for the clean paths used here. */
    static String join(String dir, String name) {
        String d = dir.startsWith("/") ? dir : "/" + dir;
        while (d.length() > 1 && d.endsWith("/")) {
            d = d.substring(0, d.length() - 1);
        }
        return (d.equals("/") ? "" : d) + "/" + name;
    }

    private static String baseName(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }
}
