package io.kvorum.launcher.log;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a log field's value as zap would: numbers and booleans as JSON numbers and booleans,
 * collections and arrays as arrays, maps as objects, durations in Go's form ({@code 1.5s}),
 * anything else as its {@code toString()}.
 */
final class FieldValues {

    private FieldValues() {
    }

    static void write(JsonGenerator g, Object value) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof String s) {
            g.writeString(s);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            g.writeNumber(((Number) value).longValue());
        } else if (value instanceof BigInteger n) {
            g.writeNumber(n);
        } else if (value instanceof BigDecimal n) {
            g.writeNumber(n);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isFinite(d)) {
                g.writeNumber(d);
            } else {
                g.writeString(Double.isNaN(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf"); // as zap writes them
            }
        } else if (value instanceof Duration d) {
            g.writeString(goDuration(d));
        } else if (value instanceof Optional<?> o) {
            write(g, o.orElse(null));
        } else if (value instanceof Iterable<?> items) {
            g.writeStartArray();
            for (Object item : items) {
                write(g, item);
            }
            g.writeEndArray();
        } else if (value instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (value.getClass().isArray() && !(value instanceof byte[]) && !(value instanceof char[])) {
            g.writeStartArray();
            for (int i = 0; i < Array.getLength(value); i++) {
                write(g, Array.get(value, i));
            }
            g.writeEndArray();
        } else if (value instanceof char[] chars) {
            g.writeString(new String(chars));
        } else {
            g.writeString(String.valueOf(value));
        }
    }

    /** Go's {@code time.Duration.String()}: {@code 0s}, {@code 900ms}, {@code 1.386923ms}, {@code 1m30s}, {@code 2h0m0s}. */
    static String goDuration(Duration d) {
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException tooLong) {
            return d.toString();
        }
        if (nanos == 0) {
            return "0s";
        }
        String sign = nanos < 0 ? "-" : "";
        long u = Math.abs(nanos);
        if (u < 1_000L) {
            return sign + u + "ns";
        }
        if (u < 1_000_000L) {
            return sign + decimal(u, 3) + "µs";
        }
        if (u < 1_000_000_000L) {
            return sign + decimal(u, 6) + "ms";
        }
        long hours = u / 3_600_000_000_000L;
        long minutes = u / 60_000_000_000L % 60;
        String seconds = decimal(u % 60_000_000_000L, 9) + "s";
        if (hours > 0) {
            return sign + hours + "h" + minutes + "m" + seconds;
        }
        return sign + (minutes > 0 ? minutes + "m" : "") + seconds;
    }

    /** {@code value / 10^digits} with its fraction, trailing zeros dropped. */
    private static String decimal(long value, int digits) {
        long scale = (long) Math.pow(10, digits);
        long fraction = value % scale;
        if (fraction == 0) {
            return String.valueOf(value / scale);
        }
        String f = String.format("%0" + digits + "d", fraction).replaceAll("0+$", "");
        return value / scale + "." + f;
    }
}
