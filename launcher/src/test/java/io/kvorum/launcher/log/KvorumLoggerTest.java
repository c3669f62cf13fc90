package io.kvorum.launcher.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.event.DefaultLoggingEvent;
import org.slf4j.event.Level;

class KvorumLoggerTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final KvorumLogger logger = new KvorumLogger("io.kvorum.server.Example", LogSettings.Level.INFO,
            new LogWriter(new LineEncoder.ZapJson(), List.of(out)));

    private List<String> lines() {
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void fluentKeyValuesAreFieldsAndTheCallerIsTheCallingLine() {
        logger.atInfo().setMessage("serving client traffic securely").addKeyValue("address", "127.0.0.1:2379")
                .addKeyValue("count", 2).log();
        String line = lines().get(0);
        assertTrue(line.matches("\\{\"level\":\"info\",\"ts\":\"[^\"]+\",\"caller\":\"log/KvorumLoggerTest\\.java:\\d+\","
                + "\"msg\":\"serving client traffic securely\",\"address\":\"127\\.0\\.0\\.1:2379\",\"count\":2}"), line);
    }

    @Test
    void placeholdersAreFilledAndAThrowableIsTheError() {
        logger.warn("member {} of {}", "a", 3, new IllegalStateException("boom"));
        String line = lines().get(0);
        assertTrue(line.startsWith("{\"level\":\"warn\","), line);
        assertTrue(line.contains(",\"msg\":\"member a of 3\",\"error\":\"java.lang.IllegalStateException: boom\","
                + "\"stacktrace\":\"java.lang.IllegalStateException: boom\\n\\tat "), line);
    }

    @Test
    void belowTheThresholdNothingIsWritten() {
        logger.debug("hidden {}", 1);
        logger.atDebug().setMessage("hidden too").log();
        assertFalse(logger.isDebugEnabled());
        assertEquals(List.of(), lines());
    }

    @Test
    void aBridgedCallsMapEntriesAreFieldsAndItsMessageIsKept() {
        DefaultLoggingEvent event = new DefaultLoggingEvent(Level.INFO, logger);
        event.setMessage("serving peer traffic {}");
        event.addArgument(Map.entry("address", "127.0.0.1:2380"));
        event.addArgument("not a field");
        event.setCallerBoundary("java.lang.System$Logger");
        logger.log(event);
        String line = lines().get(0);
        // the message is the bridge's, formatted already; the entry is a field, the other parameter nothing
        assertTrue(line.endsWith(",\"msg\":\"serving peer traffic {}\",\"address\":\"127.0.0.1:2380\"}"), line);
    }
}
