package io.kvorum.it.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A real Prometheus (Debian's {@code prometheus}) on a free loopback port, with its own config and
 * storage in a work folder, scraping the given targets every second as job {@code etcd}. Closing
 * it stops the process it started, by handle.
 */
final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ManagedProcess process;
    private final URI api;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One instant-vector element: its labels and value. */
    record Sample(Map<String, String> labels, double value) {
    }

    private PrometheusServer(ManagedProcess process, URI api) {
        this.process = process;
        this.api = api;
    }

    static PrometheusServer start(Path binary, Path workDir, List<URI> targets) {
        try {
            Files.createDirectories(workDir);
            Path config = workDir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                      - job_name: etcd
                        static_configs:
                          - targets: [%s]
                    """.formatted(targets.stream().map(u -> "'" + u.getHost() + ":" + u.getPort() + "'")
                    .collect(Collectors.joining(", "))));
            int port = FreePorts.pick();
            ManagedProcess process = ManagedProcess.start("prometheus", List.of(binary.toString(),
                    "--config.file=" + config, "--storage.tsdb.path=" + workDir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port, "--log.level=warn"), workDir.resolve("logs"), Map.of());
            PrometheusServer server = new PrometheusServer(process, URI.create("http://127.0.0.1:" + port));
            try {
                server.awaitReady(Duration.ofSeconds(60));
            } catch (RuntimeException | Error e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                throw new AssertionError("prometheus exited: " + process.tail(30));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(api.resolve("/-/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            ManagedProcess.pause(200);
        }
        throw new AssertionError("prometheus not ready after " + timeout + ": " + process.tail(30));
    }

    /** An instant query through the HTTP API; fails on an error answer (a query that does not parse). */
    List<Sample> query(String promql) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(api.resolve("/api/v1/query?query="
                    + URLEncoder.encode(promql, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(r.body());
            if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
                throw new AssertionError(promql + ": " + r.statusCode() + " " + r.body());
            }
            JsonNode data = body.path("data");
            List<Sample> out = new ArrayList<>();
            if ("vector".equals(data.path("resultType").asText())) {
                for (JsonNode e : data.path("result")) {
                    Map<String, String> labels = new java.util.TreeMap<>();
                    e.path("metric").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
                    out.add(new Sample(labels, Double.parseDouble(e.path("value").get(1).asText())));
                }
            } else if ("scalar".equals(data.path("resultType").asText())) {
                out.add(new Sample(Map.of(), Double.parseDouble(data.path("result").get(1).asText())));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Queries until the answer satisfies {@code until}; fails with the last answer after {@code timeout}. */
    List<Sample> await(String promql, Predicate<List<Sample>> until, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Sample> last = query(promql);
        while (!until.test(last)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(promql + " still answers " + last + " after " + timeout);
            }
            ManagedProcess.pause(250);
            last = query(promql);
        }
        return last;
    }

    /** The single value of a query that aggregates to one element; NaN when it has none. */
    double value(String promql) {
        List<Sample> r = query(promql);
        return r.isEmpty() ? Double.NaN : r.get(0).value();
    }

    @Override
    public void close() {
        process.terminate(Duration.ofSeconds(10));
    }
}
