package io.kvorum.server;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.metric.NoopMeterRegistry;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import io.kvorum.spi.metrics.Exposition;
import io.kvorum.spi.metrics.MetricSource;
import io.kvorum.spi.metrics.MetricsExporter;
import io.kvorum.spi.metrics.MetricsExporterContext;
import io.kvorum.spi.metrics.MetricsExporterProvider;
import io.kvorum.spi.metrics.ScrapeEndpoint;
import io.kvorum.spi.tls.TlsMaterial;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's metrics exporters and where scrapes reach them: {@code /metrics} on the client
 * port, and etcd's {@code --listen-metrics-urls} listeners, which serve {@code /metrics} and
 * {@code /health} only. The first exporter that serves scrapes answers them; without one,
 * {@code /metrics} is not served.
 */
final class MetricsEndpoints implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoints.class);

    private final List<MetricsExporter> exporters = new ArrayList<>();
    private final List<Server> listeners = new ArrayList<>();
    private Optional<ScrapeEndpoint> scrape = Optional.empty();

    /** Opens each exporter, in order; one that fails to open fails the start, naming it. */
    static MetricsEndpoints open(List<MetricsExporterProvider> providers, MetricSource source, String memberName,
                                 MetricsSettings settings) {
        MetricsEndpoints endpoints = new MetricsEndpoints();
        try {
            for (MetricsExporterProvider provider : providers) {
                MetricsExporter exporter;
                try {
                    exporter = provider.open(new MetricsExporterContext(source, memberName, settings.level(),
                            settings.exporterOptions()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--metrics-exporter " + provider.name() + " (--metrics-exporter-opt): "
                            + e.getMessage(), e);
                }
                endpoints.exporters.add(exporter);
                if (endpoints.scrape.isEmpty()) {
                    endpoints.scrape = exporter.scrapeEndpoint();
                }
                LOG.info("metrics exporter {} started", provider.name());
            }
            return endpoints;
        } catch (RuntimeException e) {
            endpoints.close();
            throw e;
        }
    }

    /** {@code GET /metrics}, when some exporter serves scrapes. */
    Optional<HttpService> service() {
        return scrape.map(endpoint -> (ctx, req) -> {
            if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
                return HttpResponse.of(ResponseHeaders.builder(HttpStatus.METHOD_NOT_ALLOWED).add("allow", "GET").build());
            }
            String accept = req.headers().get(HttpHeaderNames.ACCEPT, "");
            Exposition exposition = endpoint.scrape(accept);
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                    .contentType(MediaType.parse(exposition.contentType())).build(), HttpData.wrap(exposition.body()));
        });
    }

    /**
     * Starts a listener for each of {@code urls} serving {@code routes} ({@code /metrics},
     * {@code /health}); {@code https} ones with the client port's TLS.
     *
     * @return the URLs with the ports actually bound
     */
    List<URI> listen(List<URI> urls, Map<String, HttpService> routes, Optional<TlsMaterial> clientTls,
                     ListenerSockets sockets) {
        List<URI> bound = new ArrayList<>();
        for (URI url : urls) {
            boolean https = "https".equals(url.getScheme());
            if (https && clientTls.isEmpty()) {
                throw new IllegalArgumentException("--listen-metrics-urls " + url
                        + ": https needs the client TLS flags (--cert-file, --key-file or --auto-tls)");
            }
            var sb = Server.builder();
            int port = url.getPort() < 0 ? (https ? 443 : 80) : url.getPort();
            sb.port(new InetSocketAddress(url.getHost(), port), https ? SessionProtocol.HTTPS : SessionProtocol.HTTP);
            if (https) {
                ClientPortTls.configure(sb, clientTls.get());
            }
            sockets.configure(sb);
            sb.meterRegistry(NoopMeterRegistry.get());
            sb.gracefulShutdownTimeoutMillis(0, 1000);
            QuickStopBossGroup.install(sb);
            routes.forEach(sb::service);
            Server server = sb.build();
            listeners.add(server);
            try {
                server.start().join();
            } catch (java.util.concurrent.CompletionException e) {
                throw new IllegalStateException("--listen-metrics-urls " + url + ": cannot listen: "
                        + String.valueOf(e.getCause() == null ? e.getMessage() : e.getCause().getMessage()), e);
            }
            int actual = server.activeLocalPort();
            bound.add(URI.create(url.getScheme() + "://" + url.getHost() + ":" + actual));
            LOG.info("serving metrics on {}", bound.get(bound.size() - 1));
        }
        return bound;
    }

    @Override
    public void close() {
        for (Server server : listeners) {
            server.stop().join();
        }
        listeners.clear();
        for (MetricsExporter exporter : exporters) {
            try {
                exporter.close();
            } catch (RuntimeException e) {
                LOG.warn("error while stopping a metrics exporter", e);
            }
        }
        exporters.clear();
    }
}
