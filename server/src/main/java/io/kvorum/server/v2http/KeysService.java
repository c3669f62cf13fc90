package io.kvorum.server.v2http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.kvorum.api.etcdserverpb.Request;
import io.kvorum.server.request.V2Requests;
import io.kvorum.server.v2.V2Error;
import io.kvorum.server.v2.V2Event;
import io.kvorum.server.v2.V2Watcher;
import io.kvorum.spi.consensus.ConsensusStatus;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code /v2/keys}, as etcd 3.4's keys handler: GET (local, or through the log with
 * {@code quorum=true}; {@code wait=true} watches), HEAD, PUT, POST and DELETE through the log;
 * answered with the event and the {@code X-Etcd-Index}, {@code X-Raft-Index}, {@code X-Raft-Term}
 * and {@code X-Etcd-Cluster-ID} headers, or with etcd's error body and status.
 *
 * <p>A watch answers its headers at once and the event when it comes (long poll), or every event
 * while the client stays ({@code stream=true}); a client that goes ends the watch.
 */
final class KeysService implements HttpService {
    /** etcd's {@code writeKeyNoAuth}. */
    private static final V2Error NO_AUTH = V2Error.request(V2Error.UNAUTHORIZED, "Insufficient credentials");

    private final V2Requests server;
    private final V2Access access;

    KeysService(V2Requests server, V2Access access) {
        this.server = server;
        this.access = access;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        String method = req.method().name();
        if (!V2Http.allow(method, "HEAD", "GET", "PUT", "POST", "DELETE")) {
            return V2Http.methodNotAllowed("HEAD,GET,PUT,POST,DELETE");
        }
        String clusterId = V2Http.clusterId(server.status());
        String path = ctx.decodedPath();
        String query = ctx.query();
        String contentType = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        CompletableFuture<HttpResponse> answer = FormBody.read(ctx, req).handle((body, failure) -> {
            if (failure != null) {
                return HttpResponse.ofFailure(failure);
            }
            try {
                GoForm form = GoForm.parse(method, contentType, body.orElse(null), query);
                KeyRequest parsed = KeyRequest.parse(method, path, form, V2Http::unixNanos);
                // as etcd: the key as the URL names it, checked once the form is read
                String key = path.substring(KeyRequest.PREFIX.length());
                return HttpResponse.of(access.key(ctx, method, key, parsed.request().getRecursive())
                        .thenApply(allowed -> allowed ? serve(ctx, parsed, clusterId) : error(NO_AUTH, clusterId)));
            } catch (V2Error e) {
                return error(e, clusterId);
            }
        });
        return HttpResponse.of(answer);
    }

    private HttpResponse serve(ServiceRequestContext ctx, KeyRequest parsed, String clusterId) {
        Request r = parsed.request();
        if (r.getWait()) {
            return watch(ctx, r, clusterId);
        }
        CompletableFuture<V2Event> event;
        String method = r.getMethod();
        if ((method.equals("GET") || method.equals("HEAD")) && !r.getQuorum()) {
            event = server.get(r.getPath(), r.getRecursive(), r.getSorted());
        } else {
            Request proposed = method.equals("GET") ? r.toBuilder().setMethod("QGET").build() : r;
            event = server.propose(proposed);
        }
        return HttpResponse.of(event.handle((e, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                return error(cause instanceof V2Error v ? v
                        : new V2Error(V2Error.RAFT_INTERNAL, String.valueOf(cause.getMessage()), 0), clusterId);
            }
            if (e == null) {
                return error(new V2Error(V2Error.RAFT_INTERNAL, "received response with no Event/Watcher", 0),
                        clusterId);
            }
            ConsensusStatus status = server.status();
            ResponseHeaders headers = V2Http.json(e.isCreated() ? HttpStatus.CREATED : HttpStatus.OK, clusterId)
                    .add("x-etcd-index", Long.toUnsignedString(e.etcdIndex()))
                    .add("x-raft-index", Long.toString(status.commitIndex()))
                    .add("x-raft-term", Long.toString(status.term()))
                    .build();
            boolean bare = parsed.noValueOnSuccess() && (e.action().equals(V2Event.SET)
                    || e.action().equals(V2Event.COMPARE_AND_SWAP) || e.action().equals(V2Event.CREATE)
                    || e.action().equals(V2Event.UPDATE));
            return HttpResponse.of(headers, HttpData.ofUtf8(bare ? V2Json.bareEvent(e) : V2Json.event(e)));
        }));
    }

    private HttpResponse watch(ServiceRequestContext ctx, Request r, String clusterId) {
        V2Watcher w;
        try {
            w = server.watch(r.getPath(), r.getRecursive(), r.getStream(), r.getSince());
        } catch (V2Error e) {
            return error(e, clusterId);
        }
        ctx.clearRequestTimeout();
        ConsensusStatus status = server.status();
        HttpResponseWriter out = HttpResponse.streaming();
        out.write(V2Http.json(HttpStatus.OK, clusterId)
                .add("x-etcd-index", Long.toUnsignedString(w.startIndex()))
                .add("x-raft-index", Long.toString(status.commitIndex()))
                .add("x-raft-term", Long.toString(status.term()))
                .build());
        out.whenComplete().handle((ok, failure) -> {
            server.store().unwatch(w);
            return null;
        });
        next(out, w, r.getStream());
        return out;
    }

    private void next(HttpResponseWriter out, V2Watcher w, boolean stream) {
        w.next().thenAccept((Optional<V2Event> e) -> {
            if (e.isEmpty()) {
                out.close();
                return;
            }
            if (!out.tryWrite(HttpData.ofUtf8(V2Json.event(e.get())))) {
                return;
            }
            if (stream) {
                next(out, w, true);
            } else {
                out.close();
            }
        });
    }

    /** etcd's {@code v2error.WriteTo}: the error body, its status and the store index. */
    static HttpResponse error(V2Error e, String clusterId) {
        ResponseHeaders headers = V2Http.json(HttpStatus.valueOf(e.httpStatus()), clusterId)
                .add("x-etcd-index", Long.toUnsignedString(e.index()))
                .build();
        return HttpResponse.of(headers, HttpData.ofUtf8(V2Json.error(e)));
    }
}
