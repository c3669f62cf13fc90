package io.kvorum.server;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.kvorum.api.etcdserverpb.AlarmMember;
import io.kvorum.api.etcdserverpb.AlarmType;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.server.apply.Applier;
import io.kvorum.server.request.KvRequests;
import io.kvorum.server.metrics.ServerMetrics;
import io.kvorum.spi.consensus.Consensus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * etcd's (3.5.11+) {@code /livez} and {@code /readyz}: named checks, each {@code ok} or failed
 * with a reason. {@code GET /livez} runs {@code serializable_read}; {@code GET /readyz} runs
 * {@code data_corruption}, {@code serializable_read}, {@code linearizable_read} and
 * {@code non_learner}. {@code ?exclude=<check>} skips one, {@code /livez/<check>} runs one,
 * {@code ?verbose} lists each. All pass: 200 {@code ok}; else 503 with a line per check. Each check
 * run is recorded in {@code etcd_server_healthcheck} and {@code etcd_server_healthchecks_total}, as etcd's.
 */
final class Probes {
    private static final long TIMEOUT_MS = 7000;
    private static final RangeRequest PROBE = RangeRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("health")).setKeysOnly(true).setLimit(1).build();

    /** A check: empty when it passes, else why it failed. */
    private interface Check extends Supplier<CompletableFuture<Optional<String>>> {
    }

    private final Map<String, Check> livez = new LinkedHashMap<>();
    private final Map<String, Check> readyz = new LinkedHashMap<>();
    private final ServerMetrics metrics;

    Probes(KvRequests kv, Applier applier, Consensus consensus, ServerMetrics metrics) {
        this.metrics = metrics;
        Check serializableRead = () -> read(kv, true);
        livez.put("serializable_read", serializableRead);
        readyz.put("data_corruption", () -> CompletableFuture.completedFuture(applier.alarms().all().stream()
                .map(AlarmMember::getAlarm)
                .filter(alarm -> alarm == AlarmType.CORRUPT)
                .findFirst()
                .map(alarm -> "alarm activated: " + alarm.name())));
        readyz.put("serializable_read", serializableRead);
        readyz.put("linearizable_read", () -> read(kv, false));
        readyz.put("non_learner", () -> CompletableFuture.completedFuture(consensus.status().learner()
                ? Optional.of("not supported for learner") : Optional.empty()));
    }

    private static CompletableFuture<Optional<String>> read(KvRequests kv, boolean serializable) {
        return kv.range(PROBE.toBuilder().setSerializable(serializable).build())
                .orTimeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .handle((ok, failure) -> failure == null ? Optional.empty() : Optional.of(message(failure)));
    }

    /** The paths to serve, each with its handler. */
    Map<String, HttpService> routes() {
        Map<String, HttpService> routes = new LinkedHashMap<>();
        addRoutes(routes, "livez", livez);
        addRoutes(routes, "readyz", readyz);
        return routes;
    }

    private void addRoutes(Map<String, HttpService> routes, String type, Map<String, Check> checks) {
        routes.put("/" + type, (ctx, req) -> serve(ctx, req, type, checks, true));
        checks.forEach((name, check) -> routes.put("/" + type + "/" + name,
                (ctx, req) -> serve(ctx, req, type, Map.of(name, check), false)));
    }

    private HttpResponse serve(ServiceRequestContext ctx, HttpRequest req, String type, Map<String, Check> checks,
                               boolean excludable) {
        if (req.method() != HttpMethod.GET) {
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.METHOD_NOT_ALLOWED)
                    .contentType(MediaType.PLAIN_TEXT_UTF_8).add("x-content-type-options", "nosniff")
                    .add("allow", "GET").build(), HttpData.ofUtf8("Method Not Allowed\n"));
        }
        List<String> excluded = excludable ? ctx.queryParams("exclude") : List.of();
        List<String> names = new ArrayList<>();
        List<CompletableFuture<Optional<String>>> results = new ArrayList<>();
        checks.forEach((name, check) -> {
            if (!excluded.contains(name)) {
                names.add(name);
                results.add(check.get());
            }
        });
        boolean verbose = ctx.query() != null && hasFlag(ctx.query(), "verbose");
        return HttpResponse.of(CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            StringBuilder lines = new StringBuilder();
            boolean failed = false;
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                Optional<String> failure = results.get(i).join();
                failed |= failure.isPresent();
                metrics.healthChecked(type, name, failure.isEmpty());
                lines.append(failure.map(reason -> "[-]" + name + " failed: " + reason).orElse("[+]" + name + " ok"))
                        .append('\n');
            }
            ResponseHeadersBuilder headers = ResponseHeaders.builder(failed ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.OK)
                    .contentType(MediaType.PLAIN_TEXT_UTF_8).add("x-content-type-options", "nosniff");
            // a failure always says why (written as Go's http.Error writes it); success only when asked
            String body = failed ? lines + "\n" : (verbose ? lines.toString() : "") + "ok\n";
            return HttpResponse.of(headers.build(), HttpData.ofUtf8(body));
        }));
    }

    /** Whether a query names {@code flag}, with or without a value ({@code ?verbose}). */
    private static boolean hasFlag(String query, String flag) {
        for (String part : query.split("&")) {
            if (part.equals(flag) || part.startsWith(flag + "=")) {
                return true;
            }
        }
        return false;
    }

    private static String message(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t instanceof TimeoutException ? "context deadline exceeded" : String.valueOf(t.getMessage());
    }
}
