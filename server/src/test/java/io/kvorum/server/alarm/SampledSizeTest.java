package io.kvorum.server.alarm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The quota's size is measured at most once per interval, then kept. */
class SampledSizeTest {

    @Test
    void aSampleIsKeptForTheIntervalThenMeasuredAgain() {
        AtomicLong now = new AtomicLong();
        AtomicLong bytes = new AtomicLong(100);
        AtomicInteger measured = new AtomicInteger();
        SampledSize size = new SampledSize(() -> {
            measured.incrementAndGet();
            return bytes.get();
        }, Duration.ofMillis(100), now::get);

        assertEquals(100, size.getAsLong());
        bytes.set(500);
        now.addAndGet(Duration.ofMillis(99).toNanos());
        assertEquals(100, size.getAsLong());
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertEquals(500, size.getAsLong());
        assertEquals(2, measured.get());
    }
}
