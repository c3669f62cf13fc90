package io.kvorum.server;

import com.linecorp.armeria.client.grpc.GrpcClients;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.StatusRequest;
import io.kvorum.spi.metrics.MetricSource;
import io.kvorum.spi.metrics.MetricsExporter;
import io.kvorum.spi.metrics.MetricsExporterContext;
import io.kvorum.spi.metrics.MetricsExporterProvider;
import io.kvorum.spi.metrics.Series;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import io.kvorum.spi.backend.BackendProvider;

/**
 * Several embedded members in one JVM over one {@link SharedLog}, each with its own in-memory
 * backend and client port (port 0). Member {@code i} is named {@code m<i>}; no one leads until
 * the test elects a member.
 */
final class SharedLogCluster implements AutoCloseable {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");

    final SharedLog log = new SharedLog();
    private final List<KvorumServer> members = new ArrayList<>();
    /** Each member's metrics, as its exporters see them. */
    private final List<MetricSource> metrics = new ArrayList<>();

    SharedLogCluster(Path dir, int size) throws IOException {
        this(dir, size, i -> new KvorumServerTest.MemoryBackendProvider(), UnaryOperator.identity());
    }

    /** With member {@code i}'s backend from {@code backends} and its config as {@code configure} makes it. */
    SharedLogCluster(Path dir, int size, IntFunction<BackendProvider> backends,
                     UnaryOperator<ServerConfig.Builder> configure) throws IOException {
        Map<String, List<URI>> initial = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            // Peer URLs only name members (they derive the ids); nothing listens on them.
            initial.put("m" + i, List.of(URI.create("http://127.0.0.1:" + (12380 + i))));
        }
        MetricSource[] sources = new MetricSource[size];
        for (int i = 0; i < size; i++) {
            String name = "m" + i;
            int member = i;
            members.add(KvorumServer.builder()
                    .config(configure.apply(ServerConfig.builder().name(name).dataDir(dir.resolve(name))
                            .initialCluster(initial).initialAdvertisePeerUrls(initial.get(name))
                            .listenClientUrls(List.of(ANY_PORT)).advertiseClientUrls(List.of(ANY_PORT))).build())
                    .backend(backends.apply(i))
                    .consensus(log.provider())
                    .metricsExporters(List.of(new MetricsExporterProvider() {
                        public String name() {
                            return "test";
                        }

                        public MetricsExporter open(MetricsExporterContext context) {
                            sources[member] = context.source();
                            return () -> { };
                        }
                    }))
                    .build());
        }
        // Every member at once: with no one elected, each start gives the first election three
        // election timeouts (3 s) before it serves, which one member after another added up.
        try {
            CompletableFuture.allOf(onEachMember("start", m -> {
                try {
                    m.start();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            })).join();
        } catch (CompletionException e) {
            close();
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        metrics.addAll(List.of(sources));
    }

    /**
     * The value of member {@code member}'s series of {@code family} with these label values (a
     * histogram's count of observations), or empty.
     */
    java.util.OptionalDouble metric(int member, String family, String... labelValues) {
        return metrics.get(member).collect().stream().filter(f -> f.name().equals(family))
                .flatMap(f -> f.series().stream())
                .filter(s -> s.labelValues().equals(List.of(labelValues)))
                .mapToDouble(s -> s instanceof Series.Distribution d ? d.count() : ((Series.Value) s).value()).findFirst();
    }

    int size() {
        return members.size();
    }

    String endpoint(int member) {
        return members.get(member).clientUrls().get(0).toString();
    }

    /** The member id, as the member itself reports it. */
    long id(int member) {
        return GrpcClients.newClient(endpoint(member), MaintenanceGrpc.MaintenanceBlockingStub.class)
                .status(StatusRequest.getDefaultInstance()).getHeader().getMemberId();
    }

    <T> T client(int member, Class<T> stubType) {
        return GrpcClients.newClient(endpoint(member), stubType);
    }

    /** The watch streams and watchers a member's hub holds now. */
    io.kvorum.server.watch.WatchHub.Stats watchStats(int member) {
        return members.get(member).watchHub().stats().join();
    }

    /** A client for long-lived streams: no response timeout (Armeria's default is 10 s). */
    <T> T streamClient(int member, Class<T> stubType) {
        return GrpcClients.builder(endpoint(member)).responseTimeoutMillis(0).build(stubType);
    }

    void elect(int member) {
        log.elect(id(member));
    }

    /** Stops one member (its consensus node leaves the log); the others go on. */
    void stop(int member) {
        members.get(member).close();
    }

    /**
     * Stops every member, all at once: each member's client listener may wait up to a second for
     * requests in flight, which would add up one member after another.
     */
    @Override
    public void close() {
        CompletableFuture.allOf(onEachMember("close", KvorumServer::close)).join();
    }

    /** Runs {@code action} on every member, each on a thread of its own; the futures complete when they are done. */
    private CompletableFuture<?>[] onEachMember(String what, Consumer<KvorumServer> action) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (KvorumServer m : members) {
            CompletableFuture<Void> finished = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    action.accept(m);
                    finished.complete(null);
                } catch (Throwable e) {
                    finished.completeExceptionally(e);
                }
            }, what + "-" + done.size());
            t.start();
            done.add(finished);
        }
        return done.toArray(CompletableFuture[]::new);
    }
}
