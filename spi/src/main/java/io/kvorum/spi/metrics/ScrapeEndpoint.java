package io.kvorum.spi.metrics;

/**
 * What an exporter answers on {@code /metrics} of the client port and of the metrics URLs
 * ({@code --listen-metrics-urls}). The server serves the HTTP; the exporter renders.
 */
@FunctionalInterface
public interface ScrapeEndpoint {

    /**
     * Renders the metrics in the format the request's {@code Accept} header asks for (empty when
     * absent), falling back to the exporter's default format. Called on an I/O thread: it must not
     * block beyond collecting.
     */
    Exposition scrape(String accept);
}
