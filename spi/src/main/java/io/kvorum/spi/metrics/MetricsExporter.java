package io.kvorum.spi.metrics;

import java.util.Optional;

/**
 * One exporter, opened for a member: it reads {@link MetricsExporterContext#source()} and
 * exposes what it finds its own way (an endpoint to scrape, a push, a log line).
 * Closed when the member stops.
 */
public interface MetricsExporter extends AutoCloseable {

    /** The exporter's answer to {@code GET /metrics}, when it exposes metrics for scraping. */
    default Optional<ScrapeEndpoint> scrapeEndpoint() {
        return Optional.empty();
    }

    /** Stops exporting (a final push, a last log line). */
    @Override
    void close();
}
