package io.kvorum.metrics.prometheus;

import io.kvorum.spi.metrics.Exposition;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.MetricSource;
import io.kvorum.spi.metrics.MetricsExporter;
import io.kvorum.spi.metrics.ScrapeEndpoint;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Answers scrapes of {@code /metrics}. The format follows {@code Accept} as Prometheus' own
 * handler picks it: OpenMetrics or protobuf when asked for, else text 0.0.4. Text 0.0.4 is what
 * etcd serves (always); the member's families are written then exactly as etcd writes them
 * ({@link EtcdTextFormat}), followed by the JVM's and the process' metrics
 * ({@code process_resident_memory_bytes}, {@code process_cpu_seconds_total}, {@code process_open_fds},
 * {@code process_start_time_seconds}, read from {@code /proc} on Linux as Go's collector reads them).
 */
final class PrometheusExporter implements MetricsExporter, ScrapeEndpoint {
    private final MetricSource source;
    /** The JVM's and process' collectors; this exporter's own, not the library's default registry. */
    private final PrometheusRegistry runtime = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();

    PrometheusExporter(MetricSource source, boolean jvm) {
        this.source = source;
        if (jvm) {
            JvmMetrics.builder().register(runtime);
        } else {
            ProcessMetrics.builder().register(runtime);
        }
    }

    @Override
    public Optional<ScrapeEndpoint> scrapeEndpoint() {
        return Optional.of(this);
    }

    @Override
    public Exposition scrape(String accept) {
        List<MetricFamily> families = source.collect();
        MetricSnapshots runtimeMetrics = runtime.scrape();
        ExpositionFormatWriter writer = formats.findWriter(accept == null ? "" : accept);
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
        try {
            if (writer instanceof PrometheusTextFormatWriter) {
                Writer out = new OutputStreamWriter(body, StandardCharsets.UTF_8);
                EtcdTextFormat.write(out, families);
                out.flush();
                text.write(body, runtimeMetrics);
                return new Exposition(EtcdTextFormat.CONTENT_TYPE, body.toByteArray());
            }
            List<MetricSnapshot> all = new ArrayList<>(Snapshots.of(families));
            runtimeMetrics.forEach(all::add);
            writer.write(body, new MetricSnapshots(all));
            return new Exposition(writer.getContentType(), body.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
    }

    @Override
    public void close() {
        // nothing runs between scrapes
    }
}
