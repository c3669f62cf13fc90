package io.kvorum.launcher.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class LineEncoderTest {
    private static final Instant TIME = Instant.parse("2026-12-06T14:35:15.123456Z");
    private static final String ZAP_TS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXX")
            .withZone(ZoneId.systemDefault()).format(TIME);

    private static LogLine line(Throwable error, KeyValuePair... fields) {
        return new LogLine(TIME, LogSettings.Level.INFO, "io.kvorum.server.ServerRuntime", "server/ServerRuntime.java:299",
                "serving client traffic insecurely; this is strongly discouraged!", List.of(fields), error);
    }

    private static String encode(LineEncoder encoder, LogLine line) {
        return new String(encoder.encode(line), StandardCharsets.UTF_8);
    }

    @Test
    void zapJsonHasEtcdsKeysInEtcdsOrder() {
        String json = encode(new LineEncoder.ZapJson(), line(null, new KeyValuePair("address", "127.0.0.1:2379"),
                new KeyValuePair("urls", List.of("http://a", "http://b")), new KeyValuePair("count", 3),
                new KeyValuePair("took", Duration.ofNanos(1_386_923)), new KeyValuePair("ok", true),
                new KeyValuePair("quote", "a \"b\"\n")));
        assertEquals("{\"level\":\"info\",\"ts\":\"" + ZAP_TS + "\",\"caller\":\"server/ServerRuntime.java:299\","
                + "\"msg\":\"serving client traffic insecurely; this is strongly discouraged!\",\"address\":\"127.0.0.1:2379\","
                + "\"urls\":[\"http://a\",\"http://b\"],\"count\":3,\"took\":\"1.386923ms\",\"ok\":true,"
                + "\"quote\":\"a \\\"b\\\"\\n\"}\n", json);
    }

    @Test
    void zapTimeIsIso8601WithMillisecondsAndZForUtc() {
        assertTrue(ZAP_TS.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d{4})"), ZAP_TS);
        if (ZoneId.systemDefault().getRules().getOffset(TIME).getTotalSeconds() == 0) {
            assertEquals("2026-12-06T14:35:15.123Z", ZAP_TS);
        }
    }

    @Test
    void aThrowableIsTheErrorFieldAndAStackTrace() {
        String json = encode(new LineEncoder.ZapJson(), line(new IllegalStateException("boom")));
        assertTrue(json.contains(",\"error\":\"java.lang.IllegalStateException: boom\",\"stacktrace\":\"java.lang.IllegalStateException: boom\\n\\tat "),
                json);
        assertEquals(1, json.lines().count());
    }

    @Test
    void zapConsoleIsTabSeparatedWithSpacedFields() {
        String text = encode(new LineEncoder.ZapConsole(), line(null, new KeyValuePair("address", "127.0.0.1:2379"),
                new KeyValuePair("urls", List.of("a", "b")), new KeyValuePair("m", Map.of("k", 1))));
        assertEquals(ZAP_TS + "\tinfo\tserver/ServerRuntime.java:299\tserving client traffic insecurely; this is strongly"
                + " discouraged!\t{\"address\": \"127.0.0.1:2379\", \"urls\": [\"a\", \"b\"], \"m\": {\"k\": 1}}\n", text);
    }

    @Test
    void capnslogIsTimeLevelLetterAndPackage() {
        String time = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneId.systemDefault()).format(TIME);
        assertEquals(time + " I | server: serving client traffic insecurely; this is strongly discouraged!\n",
                encode(new LineEncoder.Capnslog(), line(null)));
    }

    @Test
    void goDurations() {
        assertEquals("0s", FieldValues.goDuration(Duration.ZERO));
        assertEquals("900ms", FieldValues.goDuration(Duration.ofMillis(900)));
        assertEquals("7s", FieldValues.goDuration(Duration.ofSeconds(7)));
        assertEquals("1m30s", FieldValues.goDuration(Duration.ofSeconds(90)));
        assertEquals("2h0m0s", FieldValues.goDuration(Duration.ofHours(2)));
        assertEquals("1.5µs", FieldValues.goDuration(Duration.ofNanos(1500)));
        assertEquals("1.000000001s", FieldValues.goDuration(Duration.ofNanos(1_000_000_001)));
    }
}
