package io.kvorum.spi.metrics;

/** etcd's {@code --metrics}: {@code basic}, or {@code extensive}, which adds per-method gRPC latency histograms. */
public enum MetricsLevel {
    BASIC, EXTENSIVE;

    /** The flag's value, e.g. {@code basic}. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses the flag's value. */
    public static MetricsLevel parse(String word) {
        for (MetricsLevel l : values()) {
            if (l.word().equals(word)) {
                return l;
            }
        }
        throw new IllegalArgumentException("--metrics: unknown metrics level \"" + word + "\" (basic or extensive)");
    }
}
