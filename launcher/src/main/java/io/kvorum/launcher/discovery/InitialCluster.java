package io.kvorum.launcher.discovery;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An initial cluster as etcd writes it, {@code name=url,name=url} (etcd's {@code types.URLsMap}):
 * what a member registers with the discovery service and what the service's entries add up to.
 */
final class InitialCluster {
    private InitialCluster() {
    }

    /**
     * Reads {@code name=url,…}; a name given twice has several URLs. Each URL is held to etcd's
     * {@code types.NewURLs}: http or https, {@code host:port}, no path.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static Map<String, List<URI>> parse(String text) {
        Map<String, List<URI>> members = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return members;
        }
        for (String pair : text.split(",", -1)) {
            int equals = pair.indexOf('=');
            if (equals < 0) {
                throw new IllegalArgumentException("expected name=url, got \"" + pair + "\"");
            }
            members.computeIfAbsent(pair.substring(0, equals), n -> new ArrayList<>()).add(url(pair.substring(equals + 1)));
        }
        return members;
    }

    /** etcd's {@code URLsMap.String()}: every {@code name=url} pair, sorted. */
    static String format(Map<String, List<URI>> cluster) {
        List<String> pairs = new ArrayList<>();
        cluster.forEach((name, urls) -> urls.forEach(u -> pairs.add(name + "=" + u)));
        pairs.sort(null);
        return String.join(",", pairs);
    }

    private static URI url(String text) {
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw new IllegalArgumentException("URL scheme must be http or https: " + text);
        }
        if (url.getHost() == null || url.getPort() < 0) {
            throw new IllegalArgumentException("URL address does not have the form \"host:port\": " + text);
        }
        if (!url.getRawPath().isEmpty()) {
            throw new IllegalArgumentException("URL must not contain a path: " + text);
        }
        return url;
    }
}
