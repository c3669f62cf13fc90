package io.kvorum.server.v2http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.HttpService;
import io.kvorum.server.request.V2Requests;
import io.kvorum.server.cluster.MemberIds;
import io.kvorum.server.v2auth.V2AuthStore;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusStatus;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The v2 HTTP API's routes on the client port, as etcd 3.4 serves them with {@code --enable-v2}:
 * {@code /v2/keys} ({@link KeysService}), {@code /v2/machines}, {@code /v2/members} (reads),
 * {@code /v2/stats/store}, {@code /v2/stats/self} and {@code /v2/stats/leader} ({@link StatsServices})
 * and {@code /v2/auth} ({@link AuthService}); {@link V2Access} checks who may. Without
 * {@code --enable-v2} none is served and the paths answer 404. A path that is not clean is
 * redirected first, with or without the flag, as Go's mux does ({@link CleanPath}); so is any path with a
 * {@code ..} segment, through {@link DotDotPaths}.
 */
public final class V2Http {
    private static final String PATTERN = "prefix:/v2/";
    private V2Http() {
    }

    /**
     * The routes, by Armeria path pattern: one, {@code prefix:/v2/}, dispatching as etcd's mux
     * does, so that any other v2 path is "404 page not found".
     */
    public static Map<String, HttpService> routes(V2Requests server, Consensus consensus, boolean clientCertAuth) {
        V2Access access = new V2Access(new V2AuthStore(server), clientCertAuth);
        KeysService keys = new KeysService(server, access);
        ClusterServices cluster = new ClusterServices(server, consensus);
        AuthService auth = new AuthService(server, access);
        StatsServices stats = new StatsServices(server, consensus);
        HttpService notFound = notFound();
        HttpService dispatch = (ctx, req) -> {
            Optional<HttpResponse> redirect = CleanPath.redirect(req.method().name(),
                    ctx.routingContext().requestTarget().rawPath());
            if (redirect.isPresent()) {
                return redirect.get();
            }
            String path = ctx.path();
            if (path.equals(KeyRequest.PREFIX) || path.startsWith(KeyRequest.PREFIX + "/")) {
                return keys.serve(ctx, req);
            }
            if (path.equals("/v2/machines")) {
                return cluster.machines(ctx, req);
            }
            if (path.equals("/v2/members") || path.startsWith("/v2/members/")) {
                if (V2Http.allow(req.method().name(), "POST", "DELETE", "PUT")) {
                    // etcd's hasWriteRootAccess: membership changes need root while auth is on
                    return HttpResponse.of(CompletableFuture.supplyAsync(() -> access.root(req.headers(),
                            ctx.sslSession()) ? cluster.members(ctx, req) : AuthService.noAuth(),
                            ctx.blockingTaskExecutor()));
                }
                return cluster.members(ctx, req);
            }
            if (AuthService.serves(path)) {
                return auth.serve(ctx, req);
            }
            if (path.equals("/v2/stats/store")) {
                if (!allow(req.method().name(), "GET")) {
                    return methodNotAllowed("GET");
                }
                return HttpResponse.of(HttpStatus.OK, MediaType.JSON, server.store().statsJson());
            }
            if (path.equals("/v2/stats/self")) {
                return stats.self(req);
            }
            if (path.equals("/v2/stats/leader")) {
                return stats.leader(req);
            }
            return notFound.serve(ctx, req);
        };
        return Map.of(PATTERN, dispatch, DotDotPaths.ROUTE, DotDotPaths.service());
    }

    /** Without {@code --enable-v2}: every v2 path is Go's {@code http.NotFound}, as etcd answers. */
    public static Map<String, HttpService> notServed() {
        return Map.of(PATTERN, notFound(), DotDotPaths.ROUTE, DotDotPaths.service());
    }

    /** Go's {@code http.NotFound}, after its mux redirected a path that is not clean ({@link CleanPath}). */
    private static HttpService notFound() {
        return (ctx, req) -> CleanPath.redirect(req.method().name(), ctx.routingContext().requestTarget().rawPath())
                .orElseGet(() -> HttpResponse.of(ResponseHeaders.builder(HttpStatus.NOT_FOUND)
                        .contentType(MediaType.PLAIN_TEXT_UTF_8).add("x-content-type-options", "nosniff").build(),
                HttpData.ofUtf8("404 page not found\n")));
    }

    /** Whether {@code pathPattern} is one of these routes, which read their bodies themselves, up to a limit. */
    public static boolean reads(String pathPattern) {
        return pathPattern.equals(PATTERN);
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

    /** Go's {@code http.Error(w, "Method Not Allowed", 405)} after etcd set its cluster id header. */
    static HttpResponse methodNotAllowedPlain(String clusterId) {
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.METHOD_NOT_ALLOWED)
                        .contentType(MediaType.PLAIN_TEXT_UTF_8).add("x-content-type-options", "nosniff")
                        .add("x-etcd-cluster-id", clusterId).build(),
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
