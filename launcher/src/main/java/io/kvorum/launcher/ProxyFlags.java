package io.kvorum.launcher;

import io.kvorum.launcher.proxy.ProxyConfig;
import io.kvorum.server.ServerConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * etcd's {@code --proxy} and {@code --proxy-*} flags: whether this process is a v2 proxy rather
 * than a member, and the proxy's configuration. As etcd, a data directory that holds a
 * {@code proxy} folder and no {@code member} folder starts a proxy even without {@code --proxy}.
 */
final class ProxyFlags {
    private static final String DEFAULT_LISTEN_CLIENT_URL = "http://localhost:2379";
    private static final String DEFAULT_PEER_URL = "http://localhost:2380";

    private ProxyFlags() {
    }

    /** {@code --proxy}'s value, {@code off} when not given. */
    static String mode(CommandLine line) throws UsageException {
        return line.value(Flag.PROXY, v -> oneOf(v, "off", "readonly", "on")).orElse("off");
    }

    /** Whether this start is a proxy's: {@code --proxy on|readonly}, or a data directory a proxy initialized. */
    static boolean startsProxy(CommandLine line) throws UsageException {
        if (!mode(line).equals("off")) {
            return true;
        }
        Path dataDir = dataDir(line);
        return Files.isDirectory(dataDir.resolve("proxy")) && !Files.isDirectory(dataDir.resolve("member"));
    }

    /**
     * The proxy's configuration; {@code readonly} only with {@code --proxy readonly} (etcd's discovery
     * fallback and a restart in a proxy's data directory forward every request).
     */
    static ProxyConfig config(CommandLine line) throws UsageException {
        List<URI> listen = line.value(Flag.LISTEN_CLIENT_URLS, CommandLine::urls)
                .orElse(List.of(URI.create(DEFAULT_LISTEN_CLIENT_URL)));
        List<String> peers = line.value(Flag.INITIAL_CLUSTER, CommandLine::initialCluster)
                .map(ProxyFlags::peerUrls)
                .orElseGet(() -> List.of(DEFAULT_PEER_URL));
        return new ProxyConfig(mode(line).equals("readonly"), dataDir(line), listen, peers,
                millis(line, Flag.PROXY_FAILURE_WAIT, 5000), millis(line, Flag.PROXY_REFRESH_INTERVAL, 30000),
                millis(line, Flag.PROXY_DIAL_TIMEOUT, 1000), millis(line, Flag.PROXY_WRITE_TIMEOUT, 5000),
                millis(line, Flag.PROXY_READ_TIMEOUT, 0));
    }

    /** Every peer URL of {@code --initial-cluster}, sorted, as etcd's {@code URLsMap.URLs()}. */
    private static List<String> peerUrls(Map<String, List<URI>> cluster) {
        return cluster.values().stream().flatMap(List::stream).map(URI::toString).sorted().distinct().toList();
    }

    private static Path dataDir(CommandLine line) throws UsageException {
        String name = line.value(Flag.NAME, Function.identity()).filter(v -> !v.isEmpty())
                .orElse(ServerConfig.DEFAULT_NAME);
        return line.value(Flag.DATA_DIR, Function.identity()).filter(v -> !v.isEmpty()).map(Path::of)
                .orElse(Path.of(name + ".etcd"));
    }

    /** A count of milliseconds, as etcd's uint flags. */
    private static Duration millis(CommandLine line, Flag flag, long defaultMillis) throws UsageException {
        return Duration.ofMillis(line.value(flag, v -> EtcdFlags.unsigned(v, Long.MAX_VALUE / 1_000_000))
                .orElse(defaultMillis));
    }

    private static String oneOf(String value, String... allowed) {
        if (!List.of(allowed).contains(value)) {
            throw new IllegalArgumentException("valid values are " + String.join(", ", allowed));
        }
        return value;
    }
}
