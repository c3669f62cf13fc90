package io.kvorum.server.v2http;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * Values written as Go writes them in etcd's v2 statistics: a {@code time.Time} in JSON
 * (RFC 3339 with nanoseconds, trailing zeros dropped, in the local zone), a
 * {@code time.Duration}'s {@code String()} and a {@code float64} in JSON.
 */
final class GoText {
    private GoText() {
    }

    /** Go's {@code time.RFC3339Nano} of {@code instant} in this process' zone ({@code Z} when the offset is 0). */
    static String time(Instant instant) {
        ZonedDateTime t = instant.atZone(ZoneId.systemDefault());
        StringBuilder out = new StringBuilder(String.format("%04d-%02d-%02dT%02d:%02d:%02d", t.getYear(),
                t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()));
        int nanos = t.getNano();
        if (nanos != 0) {
            String fraction = String.format("%09d", nanos).replaceAll("0+$", "");
            out.append('.').append(fraction);
        }
        ZoneOffset offset = t.getOffset();
        out.append(offset.getTotalSeconds() == 0 ? "Z" : offset.getId());
        return out.toString();
    }

    /** Go's {@code time.Duration.String()}: {@code 1h2m3.5s}, {@code 2.949566363s}, {@code 12.5ms}, {@code 0s}. */
    static String duration(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        String sign = nanos < 0 ? "-" : "";
        long n = Math.abs(nanos);
        if (n < 1_000L) {
            return sign + n + "ns";
        }
        if (n < 1_000_000L) {
            return sign + fraction(n, 1_000L, 3) + "µs";
        }
        if (n < 1_000_000_000L) {
            return sign + fraction(n, 1_000_000L, 6) + "ms";
        }
        long seconds = n / 1_000_000_000L;
        String s = fraction(n % 60_000_000_000L, 1_000_000_000L, 9) + "s";
        long minutes = seconds / 60;
        if (minutes == 0) {
            return sign + s;
        }
        long hours = minutes / 60;
        String m = (minutes % 60) + "m" + s;
        return sign + (hours == 0 ? m : hours + "h" + m);
    }

    /** {@code value / unit} with up to {@code digits} decimals, trailing zeros dropped. */
    private static String fraction(long value, long unit, int digits) {
        long whole = value / unit;
        long rest = value % unit;
        if (rest == 0) {
            return Long.toString(whole);
        }
        String decimals = String.format("%0" + digits + "d", rest).replaceAll("0+$", "");
        return whole + "." + decimals;
    }

    /** Go's JSON of a finite {@code float64}: plain digits, exponent form below 1e-6 or from 1e21 on. */
    static String number(double value) {
        double abs = Math.abs(value);
        if (abs == 0) {
            return "0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        if (abs < 1e-6 || abs >= 1e21) {
            String text = String.format("%s", exact).replace("E", "e");
            return text.replaceAll("e\\+?(-?)0*(\\d)", "e$1$2").replaceAll("e(\\d)", "e+$1");
        }
        return exact.toPlainString();
    }
}
