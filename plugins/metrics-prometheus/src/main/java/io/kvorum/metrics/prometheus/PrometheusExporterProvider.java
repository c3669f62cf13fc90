package io.kvorum.metrics.prometheus;

import io.kvorum.spi.metrics.MetricsExporter;
import io.kvorum.spi.metrics.MetricsExporterContext;
import io.kvorum.spi.metrics.MetricsExporterProvider;
import java.util.Map;

/** {@code --metrics-exporter prometheus}: the default exporter. */
public final class PrometheusExporterProvider implements MetricsExporterProvider {
    static final String JVM_OPTION = "jvm";

    @Override
    public String name() {
        return "prometheus";
    }

    @Override
    public String description() {
        return "/metrics in Prometheus text 0.0.4, OpenMetrics or protobuf, with JVM and process metrics";
    }

    @Override
    public Map<String, String> options() {
        return Map.of(JVM_OPTION, "true (default) or false: also expose the JVM's metrics (process_* are always exposed)");
    }

    @Override
    public MetricsExporter open(MetricsExporterContext context) {
        return new PrometheusExporter(context.source(), context.options().getBoolean(JVM_OPTION, true));
    }
}
