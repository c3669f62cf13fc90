package io.kvorum.server.v2http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.kvorum.server.request.V2Requests;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.Member;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * etcd's v2 cluster reads: {@code /v2/machines} (every member's client URLs, comma separated)
 * and {@code /v2/members} ({@code {"members":[...]}}), {@code /v2/members/leader}; changes
 * (POST, PUT, DELETE) in {@link MemberChanges}.
 */
final class ClusterServices {
    private final V2Requests server;
    private final Consensus consensus;

    ClusterServices(V2Requests server, Consensus consensus) {
        this.server = server;
        this.consensus = consensus;
    }

    HttpResponse machines(ServiceRequestContext ctx, HttpRequest req) {
        String method = req.method().name();
        if (!V2Http.allow(method, "GET", "HEAD")) {
            return V2Http.methodNotAllowed("GET,HEAD");
        }
        List<String> urls = new ArrayList<>();
        for (Member m : consensus.members()) {
            urls.addAll(m.clientUrls());
        }
        urls.sort(Comparator.naturalOrder());
        return HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, String.join(", ", urls));
    }

    HttpResponse members(ServiceRequestContext ctx, HttpRequest req) {
        String method = req.method().name();
        if (!V2Http.allow(method, "GET", "POST", "DELETE", "PUT")) {
            return V2Http.methodNotAllowed("GET,POST,DELETE,PUT");
        }
        String clusterId = V2Http.clusterId(server.status());
        String path = ctx.decodedPath().substring("/v2/members".length());
        String rest = path.startsWith("/") ? path.substring(1) : path;
        if (!method.equals("GET")) {
            return HttpResponse.of(req.aggregate().thenCompose(body -> MemberChanges.change(consensus, method, rest,
                    req.headers().get(HttpHeaderNames.CONTENT_TYPE), body.contentUtf8()))
                    .handle((done, failure) -> failure == null ? done.response(clusterId)
                            : message(HttpStatus.INTERNAL_SERVER_ERROR, clusterId, "Internal Server Error")));
        }
        List<Member> members = consensus.members().stream().sorted(Comparator.comparingLong(Member::id)).toList();
        if (rest.isEmpty()) {
            String body = "{\"members\":[" + members.stream().map(ClusterServices::member)
                    .collect(Collectors.joining(",")) + "]}\n";
            return json(HttpStatus.OK, clusterId, body);
        }
        if (rest.equals("leader")) {
            long leader = server.status().leaderId();
            return members.stream().filter(m -> m.id() == leader).findFirst()
                    .map(m -> json(HttpStatus.OK, clusterId, member(m) + "\n"))
                    .orElseGet(() -> message(HttpStatus.SERVICE_UNAVAILABLE, clusterId, "During election"));
        }
        return message(HttpStatus.NOT_FOUND, clusterId, "Not found");
    }

    /** etcd's {@code httptypes.Member}. */
    static String member(Member m) {
        StringBuilder out = new StringBuilder("{\"id\":");
        V2Json.string(out, V2Http.hex(m.id()));
        out.append(",\"name\":");
        V2Json.string(out, m.name());
        out.append(",\"peerURLs\":");
        list(out, m.peerUrls());
        out.append(",\"clientURLs\":");
        list(out, m.clientUrls());
        return out.append('}').toString();
    }

    private static void list(StringBuilder out, List<String> values) {
        out.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            V2Json.string(out, values.get(i));
        }
        out.append(']');
    }

    static HttpResponse json(HttpStatus status, String clusterId, String body) {
        return HttpResponse.of(V2Http.json(status, clusterId).build(), HttpData.ofUtf8(body));
    }

    /** etcd's {@code httptypes.HTTPError}: {@code {"message":...}}. */
    static HttpResponse message(HttpStatus status, String clusterId, String message) {
        StringBuilder out = new StringBuilder("{\"message\":");
        V2Json.string(out, message);
        return HttpResponse.of(ResponseHeaders.builder(status).contentType(MediaType.JSON)
                .add("x-etcd-cluster-id", clusterId).build(), HttpData.ofUtf8(out.append("}").toString()));
    }
}
