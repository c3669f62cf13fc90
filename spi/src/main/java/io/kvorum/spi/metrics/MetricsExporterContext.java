package io.kvorum.spi.metrics;

import io.kvorum.spi.plugin.PluginOptions;
import java.util.Objects;

/**
 * What a {@link MetricsExporterProvider} builds its exporter from.
 *
 * @param source     the member's metrics, collected on each call
 * @param memberName {@code --name}, for exporters that label what they send
 * @param level      {@code --metrics}
 * @param options    the options given to the metrics exporters ({@code --metrics-exporter-opt})
 */
public record MetricsExporterContext(MetricSource source, String memberName, MetricsLevel level, PluginOptions options) {
    public MetricsExporterContext {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(memberName, "memberName");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(options, "options");
    }
}
