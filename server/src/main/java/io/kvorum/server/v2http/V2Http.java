package io.kvorum.server.v2http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.HttpService;
import io.kvorum.server.apply.V2Server;
import io.kvorum.server.cluster.MemberIds;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The v2 HTTP API's routes on the client port, as etcd 3.4 serves them with {@code --enable-v2}:
 * {@code /v2/keys} ({@link KeysService}), {@code /v2/machines}, and {@code /v2/members} (reads). Without {@code --enable-v2} none is served and the paths answer 404.
 */
public final class V2Http {
    private V2Http() {
    }

    /** The routes, by Armeria path pattern. */
    public static Map<String, HttpService> routes(V2Server server, Consensus consensus) {
        Map<String, HttpService> routes = new LinkedHashMap<>();
        KeysService keys = new KeysService(server);
        routes.put(KeyRequest.PREFIX, keys);
        routes.put("prefix:" + KeyRequest.PREFIX + "/", keys);
        ClusterServices cluster = new ClusterServices(server, consensus);
        routes.put("/v2/machines", cluster::machines);
        routes.put("/v2/members", cluster::members);
        routes.put("prefix:/v2/members/", cluster::members);
        return routes;
    }

    /** Whether {@code pathPattern} is one of these routes, which read their bodies themselves, up to a limit. */
    public static boolean reads(String pathPattern) {
        return pathPattern.startsWith("/v2/") || pathPattern.startsWith("prefix:/v2/");
    }

    static boolean allow(String method, String... allowed) {
        for (String m : allowed) {
            if (m.equals(method)) {
                return true;
            }
        }
        return false;
    }

    /** Go's {@code http.Error(w, "Method Not Allowed", 405)} with etcd's {@code Allow} header. */
    static HttpResponse methodNotAllowed(String allow) {
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.METHOD_NOT_ALLOWED)
                        .contentType(MediaType.PLAIN_TEXT_UTF_8).add("allow", allow)
                        .add("x-content-type-options", "nosniff").build(),
                HttpData.ofUtf8("Method Not Allowed\n"));
    }

    static ResponseHeadersBuilder json(HttpStatus status, String clusterId) {
        return ResponseHeaders.builder(status).contentType(MediaType.JSON).add("x-etcd-cluster-id", clusterId);
    }

    /** etcd's {@code types.ID} text: lower-case hex without leading zeros. */
    static String clusterId(ConsensusStatus status) {
        return Long.toHexString(status.clusterId());
    }

    static String hex(long id) {
        return MemberIds.hex(id);
    }

    static long unixNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
