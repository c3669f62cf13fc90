package io.kvorum.server;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Holds the requests that arrive while the member starts, and serves them once it is ready.
 * etcd opens its client port early but serves nothing before its member is ready: a client
 * that connects during the start waits and is then answered, never refused. The gate does the
 * same behind the port, which listens from the start (its URLs must be known before consensus
 * starts): every request, gRPC or {@code /health} and {@code /version}, waits until
 * {@link #open} and is then handed to the service that serves its path.
 *
 * <p>A request waits at most until its gRPC deadline ({@code grpc-timeout}), or
 * {@link #MAX_WAIT} without one, and then gets the answer it would get from etcd after as long:
 * {@code DEADLINE_EXCEEDED}, or etcd's request timeout. At most {@link #MAX_WAITING} wait; those
 * beyond are told {@code etcdserver: too many requests}, as etcd tells a client it cannot keep up
 * with. A member that stops before it was ready answers the waiting ones {@code etcdserver: server
 * stopped}.
 *
 * <p><b>Threads.</b> Requests arrive on event loops; {@link #open} and {@link #close} come from
 * the thread starting or stopping the member. A held request is served on its own event loop.
 */
final class StartGate implements HttpService {
    static final Duration MAX_WAIT = Duration.ofMinutes(1);
    static final int MAX_WAITING = 10_000;
    /** gRPC's timeout header: up to 8 digits and a unit. */
    private static final Pattern GRPC_TIMEOUT = Pattern.compile("([0-9]{1,8})([HMSmun])");
    // gRPC status codes (grpc-java's Status is not on this room's path) and etcd's messages.
    private static final int DEADLINE_EXCEEDED = 4;
    private static final int RESOURCE_EXHAUSTED = 8;
    private static final int UNAVAILABLE = 14;

    /** The service for a path once the member is ready: by exact path, else by a {@code prefix:} pattern, else the gRPC service. */
    record Routes(Map<String, HttpService> byPath, HttpService grpc) {
        HttpService serviceFor(String path) {
            HttpService exact = byPath.get(path);
            if (exact != null) {
                return exact;
            }
            for (Map.Entry<String, HttpService> e : byPath.entrySet()) {
                if (e.getKey().startsWith("prefix:") && path.startsWith(e.getKey().substring("prefix:".length()))) {
                    return e.getValue();
                }
            }
            return grpc;
        }
    }

    private final CompletableFuture<Routes> ready = new CompletableFuture<>();
    private final AtomicInteger waiting = new AtomicInteger();

    /** Serves the waiting requests, and any that still reach the gate, with {@code routes}. */
    void open(Routes routes) {
        ready.complete(routes);
    }

    /** The member stops without having been ready: the waiting requests are told so. */
    void close() {
        ready.completeExceptionally(new IllegalStateException("server stopped"));
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        if (ready.isDone() && !ready.isCompletedExceptionally()) {
            return ready.join().serviceFor(ctx.path()).serve(ctx, req);
        }
        boolean grpc = isGrpc(req);
        if (waiting.incrementAndGet() > MAX_WAITING) {
            waiting.decrementAndGet();
            return refusal(grpc, RESOURCE_EXHAUSTED, "etcdserver: too many requests");
        }
        CompletableFuture<HttpResponse> answer = new CompletableFuture<>();
        ScheduledFuture<?> timer = ctx.eventLoop().schedule(() -> answer.complete(grpcTimeoutNanos(req) >= 0
                        ? refusal(grpc, DEADLINE_EXCEEDED, "context deadline exceeded")
                        : refusal(grpc, UNAVAILABLE, "etcdserver: request timed out")),
                waitNanos(req), TimeUnit.NANOSECONDS);
        ready.whenCompleteAsync((routes, failure) -> {
            timer.cancel(false);
            if (answer.isDone()) {
                return;
            }
            if (failure != null) {
                answer.complete(refusal(grpc, UNAVAILABLE, "etcdserver: server stopped"));
                return;
            }
            try {
                answer.complete(routes.serviceFor(ctx.path()).serve(ctx, req));
            } catch (Exception e) {
                answer.complete(HttpResponse.ofFailure(e));
            }
        }, ctx.eventLoop());
        answer.whenComplete((r, e) -> waiting.decrementAndGet());
        return HttpResponse.of(answer);
    }

    private static boolean isGrpc(HttpRequest req) {
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.startsWith("application/grpc");
    }

    /** How long a request may wait: its gRPC deadline, else {@link #MAX_WAIT}. */
    private static long waitNanos(HttpRequest req) {
        long deadline = grpcTimeoutNanos(req);
        return deadline >= 0 ? Math.min(deadline, MAX_WAIT.toNanos()) : MAX_WAIT.toNanos();
    }

    /** The {@code grpc-timeout} header in nanoseconds, or -1 when there is none (or it is malformed). */
    static long grpcTimeoutNanos(HttpRequest req) {
        String value = req.headers().get("grpc-timeout");
        if (value == null) {
            return -1;
        }
        Matcher m = GRPC_TIMEOUT.matcher(value.trim());
        if (!m.matches()) {
            return -1;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "H" -> TimeUnit.HOURS.toNanos(n);
            case "M" -> TimeUnit.MINUTES.toNanos(n);
            case "S" -> TimeUnit.SECONDS.toNanos(n);
            case "m" -> TimeUnit.MILLISECONDS.toNanos(n);
            case "u" -> TimeUnit.MICROSECONDS.toNanos(n);
            default -> n;
        };
    }

    /** A gRPC status in a trailers-only response, or for plain HTTP a 503 as etcd's unhealthy /health. */
    private static HttpResponse refusal(boolean grpc, int status, String message) {
        if (!grpc) {
            return HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE);
        }
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                .contentType(com.linecorp.armeria.common.MediaType.parse("application/grpc"))
                .add("grpc-status", Integer.toString(status))
                .add("grpc-message", message)
                .endOfStream(true)
                .build());
    }
}
