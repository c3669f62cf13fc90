/**
 * The {@code prometheus} metrics exporter: the member's metrics on {@code /metrics} in
 * Prometheus' text format 0.0.4 (as etcd writes it), OpenMetrics or protobuf, chosen by the
 * request's {@code Accept}, with the JVM's and the process' metrics. Reached only through
 * {@link io.kvorum.spi.metrics.MetricsExporterProvider}, so nothing is exported.
 */
module io.kvorum.metrics.prometheus {
    requires io.kvorum.spi;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.metrics.config;
    requires io.prometheus.writer.text;
    requires io.prometheus.metrics.expositionformats;
    requires io.prometheus.metrics.instrumentation.jvm;
    // the JVM metrics read the platform's MXBeans
    requires java.management;
    requires jdk.management;

    provides io.kvorum.spi.metrics.MetricsExporterProvider
            with io.kvorum.metrics.prometheus.PrometheusExporterProvider;
}
