package io.kvorum.launcher.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.slf4j.event.KeyValuePair;

/**
 * Turns a {@link LogLine} into the bytes of one line (a throwable's stack trace may add lines to
 * the console forms), in one of etcd's formats:
 * <ul>
 * <li>zap JSON, etcd's default: {@code {"level":"info","ts":"2026-12-06T14:35:15.123Z",
 *     "caller":"server/ServerRuntime.java:299","msg":"...", <fields>}}, a throwable as
 *     {@code "error"} and {@code "stacktrace"};</li>
 * <li>zap console: the same, tab-separated, the fields as one JSON object at the end;</li>
 * <li>capnslog: {@code 2026-12-06 14:35:15.123456 I | server: msg}, the fields as a JSON object
 *     after the message.</li>
 * </ul>
 * The time is in the local zone, as zap and capnslog write it.
 */
abstract class LineEncoder {
    private static final JsonFactory JSON = new JsonFactory();
    // zap's ISO8601TimeEncoder: 2006-01-02T15:04:05.000Z0700 (Z for UTC)
    private static final DateTimeFormatter ZAP_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXX", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter CAPNSLOG_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT).withZone(ZoneId.systemDefault());

    abstract byte[] encode(LogLine line);

    static LineEncoder of(LogSettings settings) {
        if (settings.logger() == LogSettings.Logger.CAPNSLOG) {
            return new Capnslog();
        }
        return settings.format() == LogSettings.Format.CONSOLE ? new ZapConsole() : new ZapJson();
    }

    private interface Body {
        void writeTo(JsonGenerator g) throws IOException;
    }

    private static void json(ByteArrayOutputStream out, boolean spaced, Body body) {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            if (spaced) {
                g.setPrettyPrinter(new Spaced());
            }
            body.writeTo(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void fields(JsonGenerator g, LogLine line) throws IOException {
        for (KeyValuePair field : line.fields()) {
            g.writeFieldName(field.key);
            FieldValues.write(g, field.value);
        }
    }

    private static boolean hasFields(LogLine line) {
        return !line.fields().isEmpty() || line.error() != null;
    }

    private static void error(JsonGenerator g, LogLine line) throws IOException {
        if (line.error() != null) {
            g.writeStringField("error", String.valueOf(line.error()));
        }
    }

    private static String stackTrace(Throwable error) {
        StringWriter text = new StringWriter();
        error.printStackTrace(new PrintWriter(text));
        return text.toString().stripTrailing();
    }

    private static void text(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** zap's JSON encoder with etcd's configuration. */
    static final class ZapJson extends LineEncoder {
        @Override
        byte[] encode(LogLine line) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            json(out, false, g -> {
                g.writeStartObject();
                g.writeStringField("level", line.level().zapName());
                g.writeStringField("ts", ZAP_TIME.format(line.time()));
                g.writeStringField("caller", line.caller());
                g.writeStringField("msg", line.message());
                fields(g, line);
                error(g, line);
                if (line.error() != null) {
                    g.writeStringField("stacktrace", stackTrace(line.error()));
                }
                g.writeEndObject();
            });
            out.write('\n');
            return out.toByteArray();
        }
    }

    /**
     * A text line: {@code head}, then the fields (and error) as spaced JSON after {@code separator}
     * when there are any, then the stack trace on lines of its own.
     */
    private static byte[] textLine(String head, char separator, LogLine line) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        text(out, head);
        if (hasFields(line)) {
            out.write(separator);
            json(out, true, g -> {
                g.writeStartObject();
                fields(g, line);
                error(g, line);
                g.writeEndObject();
            });
        }
        if (line.error() != null) {
            text(out, "\n" + stackTrace(line.error()));
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** zap's console encoder with etcd's configuration: tab-separated, fields as spaced JSON. */
    static final class ZapConsole extends LineEncoder {
        @Override
        byte[] encode(LogLine line) {
            return textLine(ZAP_TIME.format(line.time()) + "\t" + line.level().zapName() + "\t" + line.caller() + "\t"
                    + line.message(), '\t', line);
        }
    }

    /** capnslog's pretty formatter, which etcd 3.4 uses with {@code --logger capnslog}. */
    static final class Capnslog extends LineEncoder {
        @Override
        byte[] encode(LogLine line) {
            return textLine(CAPNSLOG_TIME.format(line.time()) + " " + levelLetter(line.level()) + " | "
                    + packageOf(line.logger()) + ": " + line.message(), ' ', line);
        }

        private static char levelLetter(LogSettings.Level level) {
            return switch (level) {
                case DEBUG -> 'D';
                case INFO -> 'I';
                case WARN -> 'W';
                case ERROR -> 'E';
                case DPANIC, PANIC, FATAL -> 'C';
            };
        }
    }

    /** The last part of a class's package: {@code io.kvorum.server.ServerRuntime} is {@code server}. */
    static String packageOf(String className) {
        int end = className.lastIndexOf('.');
        if (end < 0) {
            return className;
        }
        int start = className.lastIndexOf('.', end - 1);
        return className.substring(start + 1, end);
    }

    /** zap's spaced JSON (console encoder): {@code {"k": "v", "n": [1, 2]}}. */
    private static final class Spaced extends MinimalPrettyPrinter {
        Spaced() {
            setSeparators(Separators.createDefaultInstance());
        }

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }
    }
}
