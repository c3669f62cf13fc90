package io.kvorum.server.v2http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import io.kvorum.server.request.KvRequests;
import io.kvorum.server.request.WaitForLeader;
import io.kvorum.server.error.EtcdError;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * etcd's v2 membership changes: POST {@code /v2/members} adds a member
 * ({@code {"peerURLs":[...]}}, answered 201 with the member), PUT {@code /v2/members/<id>}
 * updates its peer URLs and DELETE removes it (both 204); through consensus as the v3 calls.
 */
final class MemberChanges {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to answer, once the cluster id is known. */
    interface Answer {
        HttpResponse response(String clusterId);
    }

    private MemberChanges() {
    }

    static CompletableFuture<Answer> change(Consensus consensus, String method, String rest, String contentType,
                                            String body) {
        long id = 0;
        if (!method.equals("POST")) {
            if (rest.isEmpty()) {
                return done(V2Http::methodNotAllowedPlain);
            }
            try {
                id = Long.parseUnsignedLong(rest, 16);
            } catch (NumberFormatException e) {
                return done(c -> ClusterServices.message(HttpStatus.NOT_FOUND, c, "No such member: " + rest));
            }
        }
        if (method.equals("DELETE")) {
            long member = id;
            return changed(() -> consensus.removeMember(member), member,
                    v -> c -> HttpResponse.of(ResponseHeaders.builder(HttpStatus.NO_CONTENT)
                            .add("x-etcd-cluster-id", c).build()));
        }
        String type = contentType == null ? "" : contentType;
        int semicolon = type.indexOf(';');
        if (semicolon >= 0) {
            type = type.substring(0, semicolon).trim().toLowerCase(Locale.ROOT);
        }
        if (!type.equals("application/json")) {
            String bad = type;
            return done(c -> ClusterServices.message(HttpStatus.UNSUPPORTED_MEDIA_TYPE, c,
                    "Bad Content-Type " + bad + ", accept application/json"));
        }
        List<String> urls;
        try {
            urls = peerUrls(body);
        } catch (IllegalArgumentException e) {
            return done(c -> ClusterServices.message(HttpStatus.BAD_REQUEST, c, e.getMessage()));
        }
        if (method.equals("POST")) {
            return changed(() -> consensus.addMember(urls, false), 0,
                    added -> c -> HttpResponse.of(V2Http.json(HttpStatus.CREATED, c).build(),
                            HttpData.ofUtf8(ClusterServices.member(added) + "\n")));
        }
        long member = id;
        return changed(() -> consensus.updateMember(member, urls), member,
                v -> c -> HttpResponse.of(ResponseHeaders.builder(HttpStatus.NO_CONTENT)
                        .add("x-etcd-cluster-id", c).build()));
    }

    private static <T> CompletableFuture<Answer> changed(java.util.function.Supplier<CompletableFuture<T>> change,
                                                         long id, Function<T, Answer> ok) {
        return WaitForLeader.call(change, KvRequests.REQUEST_TIMEOUT, EtcdError.DEADLINE_EXCEEDED)
                .handle((result, failure) -> {
                    if (failure == null) {
                        return ok.apply(result);
                    }
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    if (cause instanceof ConsensusException ce) {
                        switch (ce.reason()) {
                            case MEMBER_NOT_FOUND:
                                return c -> ClusterServices.message(HttpStatus.NOT_FOUND, c,
                                        "No such member: " + Long.toHexString(id));
                            case PEER_URL_EXISTS:
                                return c -> ClusterServices.message(HttpStatus.CONFLICT, c, "membership: peerURL exists");
                            case MEMBER_EXISTS:
                                return c -> ClusterServices.message(HttpStatus.CONFLICT, c, "membership: ID exists");
                            default:
                                break;
                        }
                    }
                    return c -> ClusterServices.message(HttpStatus.INTERNAL_SERVER_ERROR, c, "Internal Server Error");
                });
    }

    private static CompletableFuture<Answer> done(Answer a) {
        return CompletableFuture.completedFuture(a);
    }

    /** etcd's {@code MemberCreateRequest}: {@code peerURLs}, each checked as {@code types.NewURLs} does. */
    static List<String> peerUrls(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("unexpected end of JSON input");
        }
        JsonNode list = root == null ? null : root.get("peerURLs");
        List<String> urls = new ArrayList<>();
        if (list != null && list.isArray()) {
            list.forEach(n -> urls.add(n.asText()));
        }
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("no valid URLs given");
        }
        for (String s : urls) {
            URI u;
            try {
                u = new URI(s);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("parse \"" + s + "\": invalid URI");
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme();
            if (!List.of("http", "https", "unix", "unixs").contains(scheme)) {
                throw new IllegalArgumentException("URL scheme must be http, https, unix, or unixs: " + s);
            }
            if (u.getHost() == null || u.getPort() < 0) {
                throw new IllegalArgumentException("URL address does not have the form \"host:port\": " + s);
            }
            if (u.getRawPath() != null && !u.getRawPath().isEmpty()) {
                throw new IllegalArgumentException("URL must not contain a path: " + s);
            }
        }
        return urls.stream().sorted().toList();
    }
}
