package io.kvorum.server;

import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.auth.TokenProvider;
import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.spi.metrics.MetricsExporterProvider;
import io.kvorum.spi.tls.TlsProvider;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One kvorum member: the embedding API. Build it, {@link #start()} it, {@link #close()} it.
 *
 * <pre>{@code
 * try (KvorumServer server = KvorumServer.builder()
 *         .config(ServerConfig.builder().dataDir(dir).listenClientUrls(List.of(URI.create("http://127.0.0.1:0"))).build())
 *         .build()) {
 *     server.start();
 *     URI endpoint = server.clientUrls().get(0);
 * }
 * }</pre>
 *
 * <p>Plugins not given as instances are looked up by the names in the config through
 * {@link java.util.ServiceLoader}; an unknown name fails {@link Builder#build()} with the list of
 * installed plugins of that kind.
 */
public final class KvorumServer implements AutoCloseable {

    private final ServerConfig config;
    private final BackendProvider backendProvider;
    private final ConsensusProvider consensusProvider;
    private final TokenProvider tokenProvider;
    private final Optional<TlsProvider> tlsProvider;
    private final List<MetricsExporterProvider> metricsExporters;
    private volatile ServerRuntime member;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private KvorumServer(ServerConfig config, BackendProvider backendProvider, ConsensusProvider consensusProvider,
                         TokenProvider tokenProvider, Optional<TlsProvider> tlsProvider,
                         List<MetricsExporterProvider> metricsExporters) {
        this.metricsExporters = List.copyOf(metricsExporters);
        this.config = config;
        this.backendProvider = backendProvider;
        this.consensusProvider = consensusProvider;
        this.tokenProvider = tokenProvider;
        this.tlsProvider = tlsProvider;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ServerConfig config() {
        return config;
    }

    /** Opens the data, recovers, and starts serving clients. */
    public synchronized void start() throws IOException {
        if (member != null) {
            throw new IllegalStateException("already started");
        }
        member = ServerRuntime.start(config, backendProvider, consensusProvider, tokenProvider, tlsProvider, metricsExporters);
        // Removed from the cluster: stop, as etcd does (its process then exits 0).
        member.removal().thenRunAsync(this::close);
        // A committed entry it cannot apply: stop rather than diverge (etcd panics; its process exits non-zero).
        member.halted().thenAcceptAsync(this::halt);
    }

    /**
     * Completes when the member has stopped: normally when it was closed, or when it stopped by
     * itself because it was removed from the cluster; exceptionally, with the reason, when it
     * stopped because it could not apply a committed entry (it must not go on with a state that
     * differs from the other members'; a restart applies the entry again).
     */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** The client URLs being served, with the ports actually bound. Empty before {@link #start()}. */
    public List<URI> clientUrls() {
        ServerRuntime m = member;
        return m == null ? List.of() : m.clientUrls();
    }

    /** The {@code --listen-metrics-urls} being served, with the ports actually bound. Empty before {@link #start()}. */
    public List<URI> metricsUrls() {
        ServerRuntime m = member;
        return m == null ? List.of() : m.metricsUrls();
    }

    /**
     * The HTTP-only client URLs being served ({@code --listen-client-http-urls}), with the ports
     * actually bound; empty when none are configured, or before {@link #start()}.
     */
    public List<URI> clientHttpUrls() {
        ServerRuntime m = member;
        return m == null ? List.of() : m.clientHttpUrls();
    }

    /** The running member's watch hub, for tests of this package. */
    io.kvorum.server.watch.WatchHub watchHub() {
        ServerRuntime m = member;
        return m == null ? null : m.watchHub();
    }

    /** Stops serving and closes the data. Idempotent. */
    @Override
    public synchronized void close() {
        stopMember();
        stopped.complete(null);
    }

    /** Stops, then reports why: whoever waits on {@link #stopped()} may reuse the data directory at once. */
    private synchronized void halt(Throwable cause) {
        stopMember();
        stopped.completeExceptionally(cause);
    }

    private void stopMember() {
        ServerRuntime m = member;
        if (m != null) {
            m.close();
        }
    }

    /** Builds a {@link KvorumServer}. */
    public static final class Builder {
        private ServerConfig config;
        private BackendProvider backend;
        private ConsensusProvider consensus;
        private TokenProvider tokens;
        private TlsProvider tls;
        private List<MetricsExporterProvider> metricsExporters;

        private Builder() {
        }

        public Builder config(ServerConfig config) {
            this.config = Objects.requireNonNull(config);
            return this;
        }

        /** Uses this backend instead of looking up {@link ServerConfig#backend()}. */
        public Builder backend(BackendProvider backend) {
            this.backend = Objects.requireNonNull(backend);
            return this;
        }

        /** Uses this consensus instead of looking up {@link ServerConfig#consensus()}. */
        public Builder consensus(ConsensusProvider consensus) {
            this.consensus = Objects.requireNonNull(consensus);
            return this;
        }

        /** Uses this token provider instead of looking up the one {@link ServerConfig#authToken()} names. */
        public Builder tokenProvider(TokenProvider tokens) {
            this.tokens = Objects.requireNonNull(tokens);
            return this;
        }

        /** Uses this TLS provider instead of looking up {@link ServerConfig#tls()} when TLS is configured. */
        public Builder tls(TlsProvider tls) {
            this.tls = Objects.requireNonNull(tls);
            return this;
        }

        /** Uses these metrics exporters instead of looking up those {@link MetricsSettings#exporters()} names. */
        public Builder metricsExporters(List<MetricsExporterProvider> exporters) {
            this.metricsExporters = List.copyOf(exporters);
            return this;
        }

        public KvorumServer build() {
            ServerConfig c = config != null ? config : ServerConfig.builder().build();
            BackendProvider b = Optional.ofNullable(backend)
                    .orElseGet(() -> Plugins.find(BackendProvider.class, "backend", c.backend()));
            ConsensusProvider s = Optional.ofNullable(consensus)
                    .orElseGet(() -> Plugins.find(ConsensusProvider.class, "consensus", c.consensus()));
            TokenProvider t = Optional.ofNullable(tokens)
                    .orElseGet(() -> Plugins.find(TokenProvider.class, "auth-token", c.authTokenProvider()));
            // Looked up only when some URL asks for TLS: a member without TLS needs no TLS plugin.
            Optional<TlsProvider> tlsp = Optional.ofNullable(tls).or(() -> c.servesClientTls() || c.servesPeerTls()
                    ? Optional.of(Plugins.find(TlsProvider.class, "tls", c.tls())) : Optional.empty());
            List<MetricsExporterProvider> m = metricsExporters != null ? metricsExporters
                    : c.metrics().exporters().stream()
                    .map(name -> Plugins.find(MetricsExporterProvider.class, "metrics-exporter", name)).toList();
            return new KvorumServer(c, b, s, t, tlsp, m);
        }
    }
}
