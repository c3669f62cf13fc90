package io.kvorum.spi.metrics;

import io.kvorum.spi.plugin.PluginProvider;

/**
 * Found by {@link java.util.ServiceLoader}; selected by {@link #name()}
 * ({@code --metrics-exporter prometheus,log}, several at once). Opened once per member, after
 * the member's metrics are registered.
 */
public interface MetricsExporterProvider extends PluginProvider {

    /**
     * Starts exporting.
     *
     * @throws IllegalArgumentException when an option cannot be used, naming it
     */
    MetricsExporter open(MetricsExporterContext context);
}
