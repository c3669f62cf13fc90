package io.kvorum.consensus.raft.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A flood of warnings writes a bounded number of lines per window, and says how many it left out. */
class RateLimitedLogTest {

    @Test
    void aFloodWritesAtMostABurstPerWindowAndCountsTheRest() {
        Lines lines = new Lines();
        AtomicLong now = new AtomicLong();
        RateLimitedLog log = new RateLimitedLog(lines, now::get);

        int written = 0;
        for (int i = 0; i < 10_000; i++) {
            written += log.warn("refused " + i) ? 1 : 0;
        }
        assertEquals(RateLimitedLog.BURST, written);
        assertEquals(RateLimitedLog.BURST, lines.lines.size());
        assertFalse(log.warn("still flooding"));

        now.addAndGet(TimeUnit.SECONDS.toNanos(RateLimitedLog.WINDOW_SECONDS));
        assertTrue(log.warn("a new window"));
        assertEquals("a new window (" + (10_000 - RateLimitedLog.BURST + 1) + " like it left out before)",
                lines.lines.get(lines.lines.size() - 1));
    }

    /** Keeps what is logged. */
    private static final class Lines implements System.Logger {
        final List<String> lines = new ArrayList<>();

        @Override
        public String getName() {
            return "lines";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(format);
        }
    }
}
