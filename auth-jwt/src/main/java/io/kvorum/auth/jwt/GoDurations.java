package io.kvorum.auth.jwt;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's {@code time.ParseDuration}, the syntax of etcd's {@code ttl} option ({@code 5m}, {@code 1h30m},
 * {@code 1.5s}, {@code 0}). A plugin sees only the SPI, so it reads the syntax itself.
 */
final class GoDurations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Map<String, Long> NANOS = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L,
            "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    private GoDurations() {
    }

    /** @throws IllegalArgumentException with Go's message ({@code time: invalid duration "…"}) */
    static Duration parse(String text) {
        String s = text;
        boolean negative = false;
        if (s.startsWith("-") || s.startsWith("+")) {
            negative = s.startsWith("-");
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        BigDecimal nanos = BigDecimal.ZERO;
        Matcher part = PART.matcher(s);
        int at = 0;
        while (at < s.length()) {
            if (!part.find(at) || part.start() != at) {
                boolean unitMissing = s.substring(at).matches("\\d+(\\.\\d*)?|\\.\\d+");
                throw new IllegalArgumentException("time: " + (unitMissing ? "missing unit in" : "invalid")
                        + " duration \"" + text + "\"");
            }
            nanos = nanos.add(new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(NANOS.get(part.group(2)))));
            at = part.end();
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("time: invalid duration \"" + text + "\"");
        }
        try {
            long n = nanos.setScale(0, RoundingMode.DOWN).longValueExact();
            return Duration.ofNanos(negative ? -n : n);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("time: invalid duration \"" + text + "\"", e);
        }
    }
}
