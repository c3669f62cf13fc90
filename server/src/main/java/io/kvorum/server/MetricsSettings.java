package io.kvorum.server;

import io.kvorum.spi.metrics.MetricsLevel;
import io.kvorum.spi.plugin.PluginOptions;
import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * How a member exposes its metrics.
 *
 * @param exporters         {@code --metrics-exporter}: the exporter plugins to open, by name, in order;
 *                          the first that serves scrapes answers {@code /metrics}. Empty: none (the
 *                          embedding default; the command line's default is {@code prometheus})
 * @param exporterOptions   {@code --metrics-exporter-opt}: options given to every exporter
 * @param level             {@code --metrics}: {@code basic} or {@code extensive}
 * @param listenMetricsUrls {@code --listen-metrics-urls}: extra listeners serving {@code /metrics} and
 *                          {@code /health} only; {@code https} ones use the client port's TLS
 */
public record MetricsSettings(List<String> exporters, PluginOptions exporterOptions, MetricsLevel level,
                              List<URI> listenMetricsUrls) {
    public MetricsSettings {
        exporters = List.copyOf(exporters);
        Objects.requireNonNull(exporterOptions, "exporterOptions");
        Objects.requireNonNull(level, "level");
        listenMetricsUrls = List.copyOf(listenMetricsUrls);
        for (URI url : listenMetricsUrls) {
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                throw new IllegalArgumentException("--listen-metrics-urls: URL scheme must be http or https: " + url);
            }
        }
    }

    /** No exporter, basic metrics, no metrics listener. */
    public static MetricsSettings none() {
        return new MetricsSettings(List.of(), PluginOptions.empty(), MetricsLevel.BASIC, List.of());
    }
}
