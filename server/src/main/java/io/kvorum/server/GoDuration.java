package io.kvorum.server;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's {@code time.ParseDuration}, the syntax of etcd's duration flags and of the settings that
 * take one ({@link ServerConfig#autoCompactionRetention()}): {@code 10m}, {@code 1h30m},
 * {@code 1.5s}, {@code 100ms}, a sign in front, {@code 0} alone without a unit.
 */
public final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Pattern NUMBER = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)");
    private static final Map<String, Long> NANOS = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L,
            "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    /** Text that is not a Go duration; the message is Go's ({@code time: invalid duration "…"}). */
    public static final class InvalidDurationException extends IllegalArgumentException {
        /** What is wrong with the text. */
        public enum Reason { EMPTY, MISSING_UNIT, SYNTAX, OUT_OF_RANGE }

        private final Reason reason;

        InvalidDurationException(String text, Reason reason) {
            super("time: " + (reason == Reason.MISSING_UNIT ? "missing unit in" : "invalid") + " duration \""
                    + text + "\"");
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    private GoDuration() {
    }

    /**
     * The duration {@code text} gives, in nanoseconds (negative for a leading {@code -}).
     *
     * @throws InvalidDurationException when Go's parser would refuse it, with Go's message
     */
    public static long parseNanos(String text) {
        String s = text;
        boolean negative = false;
        if (s.startsWith("-") || s.startsWith("+")) {
            negative = s.startsWith("-");
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return 0;
        }
        if (s.isEmpty()) {
            throw new InvalidDurationException(text, InvalidDurationException.Reason.EMPTY);
        }
        Matcher part = PART.matcher(s);
        BigDecimal nanos = BigDecimal.ZERO;
        int at = 0;
        while (at < s.length()) {
            if (!part.find(at) || part.start() != at) {
                Matcher number = NUMBER.matcher(s);
                boolean unitMissing = number.find(at) && number.start() == at && number.end() == s.length();
                throw new InvalidDurationException(text, unitMissing ? InvalidDurationException.Reason.MISSING_UNIT
                        : InvalidDurationException.Reason.SYNTAX);
            }
            nanos = nanos.add(new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(NANOS.get(part.group(2)))));
            at = part.end();
        }
        try {
            long n = nanos.setScale(0, RoundingMode.DOWN).longValueExact();
            return negative ? -n : n;
        } catch (ArithmeticException e) {
            throw new InvalidDurationException(text, InvalidDurationException.Reason.OUT_OF_RANGE);
        }
    }
}
