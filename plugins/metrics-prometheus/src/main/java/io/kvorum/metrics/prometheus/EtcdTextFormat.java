package io.kvorum.metrics.prometheus;

import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.Series;
import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Prometheus' text format 0.0.4 as etcd's Go client writes it: families by name, label pairs by
 * label name, series by their labels, counters under etcd's own names (with or without
 * {@code _total}), and numbers as Go's {@code strconv.FormatFloat(v, 'g', -1, 64)} prints them,
 * so that bucket bounds read exactly as etcd's ({@code 0.001}, {@code 1.048576e+06}).
 */
final class EtcdTextFormat {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private EtcdTextFormat() {
    }

    static void write(Writer out, List<MetricFamily> families) throws IOException {
        for (MetricFamily f : families) {
            if (f.series().isEmpty()) {
                continue; // as Go's client: a family without children is not written
            }
            out.write("# HELP ");
            out.write(f.name());
            out.write(' ');
            out.write(escapeHelp(f.help()));
            out.write("\n# TYPE ");
            out.write(f.name());
            out.write(' ');
            out.write(f.type().name().toLowerCase(Locale.ROOT));
            out.write('\n');
            Integer[] order = labelOrder(f.labelNames());
            List<String[]> sortedNames = List.<String[]>of(sorted(f.labelNames(), order));
            List<Series> series = new ArrayList<>(f.series());
            series.sort(Comparator.comparing(s -> String.join("\u0000", sorted(s.labelValues(), order))));
            for (Series s : series) {
                String[] values = sorted(s.labelValues(), order);
                String[] names = sortedNames.get(0);
                if (s instanceof Series.Value v) {
                    sample(out, f.name(), names, values, null, v.value());
                } else {
                    Series.Distribution d = (Series.Distribution) s;
                    Buckets buckets = f.buckets().orElseThrow();
                    for (int i = 0; i < buckets.size(); i++) {
                        sample(out, f.name() + "_bucket", names, values, goFloat(buckets.bound(i)), d.bucketCount(i));
                    }
                    sample(out, f.name() + "_bucket", names, values, "+Inf", d.count());
                    sample(out, f.name() + "_sum", names, values, null, d.sum());
                    sample(out, f.name() + "_count", names, values, null, d.count());
                }
            }
        }
    }

    private static void sample(Writer out, String name, String[] names, String[] values, String le, double value)
            throws IOException {
        out.write(name);
        if (names.length > 0 || le != null) {
            out.write('{');
            for (int i = 0; i < names.length; i++) {
                if (i > 0) {
                    out.write(',');
                }
                out.write(names[i]);
                out.write("=\"");
                out.write(escapeLabel(values[i]));
                out.write('"');
            }
            if (le != null) {
                if (names.length > 0) {
                    out.write(',');
                }
                out.write("le=\"");
                out.write(le);
                out.write('"');
            }
            out.write('}');
        }
        out.write(' ');
        out.write(goFloat(value));
        out.write('\n');
    }

    /** The indexes of {@code names} in name order. */
    private static Integer[] labelOrder(List<String> names) {
        Integer[] order = new Integer[names.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparing(names::get));
        return order;
    }

    private static String[] sorted(List<String> values, Integer[] order) {
        String[] out = new String[order.length];
        for (int i = 0; i < order.length; i++) {
            out[i] = values.get(order[i]);
        }
        return out;
    }

    /** Go's {@code strconv.FormatFloat(v, 'g', -1, 64)}: the shortest digits, in exponent form below 1e-4 and from 1e6. */
    static String goFloat(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == 0) {
            return 1 / v < 0 ? "-0" : "0";
        }
        BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
        String digits = d.unscaledValue().abs().toString();
        int exp = digits.length() - d.scale() - 1;
        // Go's 'g' with the shortest precision uses an exponent when exp < -4 or exp >= 6
        if (exp < -4 || exp >= 6) {
            StringBuilder s = new StringBuilder();
            if (d.signum() < 0) {
                s.append('-');
            }
            s.append(digits.charAt(0));
            if (digits.length() > 1) {
                s.append('.').append(digits, 1, digits.length());
            }
            s.append('e').append(exp < 0 ? '-' : '+');
            int e = Math.abs(exp);
            if (e < 10) {
                s.append('0');
            }
            return s.append(e).toString();
        }
        return d.toPlainString();
    }

    private static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static String escapeLabel(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
