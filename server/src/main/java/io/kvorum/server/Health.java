package io.kvorum.server;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.kvorum.api.etcdserverpb.AlarmMember;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.server.apply.Applier;
import io.kvorum.server.request.KvRequests;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.server.metrics.ServerMetrics;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd's {@code /health}: healthy when no alarm is raised (but those given as {@code ?exclude=}), the member knows a leader, a linearizable read of key
 * {@code health} succeeds in time and the apply loop is running. Failure is HTTP 503 with the same JSON body, sent as
 * plain text with a trailing newline, as etcd sends it.
 */
final class Health implements HttpService {
    private static final long TIMEOUT_MS = 7000;
    private static final RangeRequest PROBE = RangeRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("health")).setKeysOnly(true).setLimit(1).build();

    private final KvRequests kv;
    private final Applier applier;
    private final Consensus consensus;
    private final ServerMetrics metrics;

    Health(KvRequests kv, Applier applier, Consensus consensus, ServerMetrics metrics) {
        this.metrics = metrics;
        this.kv = kv;
        this.applier = applier;
        this.consensus = consensus;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        if (req.method() != HttpMethod.GET) {
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.METHOD_NOT_ALLOWED).add("allow", "GET").build());
        }
        if (applier.failure().isPresent()) {
            return unhealthy("APPLY STOPPED");
        }
        // Any raised alarm but those named in ?exclude=, as etcd.
        List<String> excluded = ctx.queryParams("exclude");
        for (AlarmMember alarm : applier.alarms().all()) {
            if (!excluded.contains(alarm.getAlarm().name())) {
                return unhealthy("ALARM " + alarm.getAlarm().name());
            }
        }
        // etcd 3.4 is unhealthy without a leader, serializable or not.
        if (consensus.status().leaderId() == 0) {
            return unhealthy("RAFT NO LEADER");
        }
        boolean serializable = "true".equals(ctx.queryParam("serializable"));
        return HttpResponse.of(kv.range(PROBE.toBuilder().setSerializable(serializable).build())
                .orTimeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .handle((ok, failure) -> failure == null
                        ? healthy()
                        : unhealthy("RANGE ERROR:" + String.valueOf(rootCause(failure).getMessage()).replace("\"", "'"))));
    }

    private HttpResponse healthy() {
        metrics.healthSuccess.inc();
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON, "{\"health\":\"true\",\"reason\":\"\"}");
    }

    private HttpResponse unhealthy(String reason) {
        metrics.healthFailures.inc();
        return HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8,
                "{\"health\":\"false\",\"reason\":\"" + reason + "\"}\n");
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
