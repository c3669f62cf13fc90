package io.kvorum.metrics.log;

import io.kvorum.spi.metrics.MetricsExporter;
import io.kvorum.spi.metrics.MetricsExporterContext;
import io.kvorum.spi.metrics.MetricsExporterProvider;
import java.util.Map;

/** {@code --metrics-exporter log}: a periodic log line of the member's key figures. */
public final class LogExporterProvider implements MetricsExporterProvider {
    static final String INTERVAL_OPTION = "log-interval-seconds";
    static final long DEFAULT_INTERVAL_SECONDS = 60;

    @Override
    public String name() {
        return "log";
    }

    @Override
    public String description() {
        return "a log line of the member's key figures (leader, proposals, db size, keys, watchers, requests) at intervals";
    }

    @Override
    public Map<String, String> options() {
        return Map.of(INTERVAL_OPTION, "Seconds between two lines (default " + DEFAULT_INTERVAL_SECONDS + ")");
    }

    @Override
    public MetricsExporter open(MetricsExporterContext context) {
        long seconds = context.options().getLong(INTERVAL_OPTION, DEFAULT_INTERVAL_SECONDS);
        if (seconds < 1) {
            throw new IllegalArgumentException("option " + INTERVAL_OPTION + ": must be at least 1, got " + seconds);
        }
        return LogExporter.start(context.source(), context.memberName(), seconds * 1000);
    }
}
