/**
 * The {@code log} metrics exporter: every interval, one log line with a member's key figures
 * (leader, proposals, database size, keys, watchers, request counts, fsync latency). Needs nothing
 * but the SPI; logs through {@link java.lang.System.Logger}.
 */
module io.kvorum.metrics.log {
    requires io.kvorum.spi;

    provides io.kvorum.spi.metrics.MetricsExporterProvider with io.kvorum.metrics.log.LogExporterProvider;
}
