package io.kvorum.metrics.log;

import io.kvorum.spi.metrics.MetricSource;
import io.kvorum.spi.metrics.MetricsExporter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Logs the key figures at INFO every interval, from a daemon thread of its own, and once more when
 * closed. A collection that fails is logged as a warning and the timer goes on.
 */
final class LogExporter implements MetricsExporter {
    private static final System.Logger LOG = System.getLogger(LogExporter.class.getName());

    private final MetricSource source;
    private final String member;
    private final ScheduledExecutorService timer;

    private LogExporter(MetricSource source, String member) {
        this.source = source;
        this.member = member;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvorum-metrics-log");
            t.setDaemon(true);
            return t;
        });
    }

    static LogExporter start(MetricSource source, String member, long intervalMillis) {
        LogExporter exporter = new LogExporter(source, member);
        exporter.timer.scheduleAtFixedRate(exporter::logLine, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        return exporter;
    }

    void logLine() {
        try {
            LOG.log(System.Logger.Level.INFO, "metrics of member {0}: {1}", member, KeyFigures.line(source.collect()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot collect the metrics", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        logLine();
    }
}
