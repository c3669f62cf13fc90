package io.kvorum.server.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ExpiryQueueTest {

    private final ExpiryQueue queue = new ExpiryQueue();

    @Test
    void dueLeasesComeSoonestFirstAndOnlyOnceDue() {
        queue.schedule(1, 300);
        queue.schedule(2, 100);
        queue.schedule(-3, 200); // ids are any int64 but 0

        assertTrue(queue.pollDue(99).isEmpty());
        assertEquals(OptionalLong.of(2), queue.pollDue(250));
        assertEquals(OptionalLong.of(-3), queue.pollDue(250));
        assertTrue(queue.pollDue(250).isEmpty());
        assertEquals(OptionalLong.of(1), queue.pollDue(300));
        assertEquals(0, queue.size());
    }

    @Test
    void reschedulingMovesTheOneEntryOfALease() {
        for (long at = 1; at <= 10_000; at++) {
            queue.schedule(7, at);
        }
        queue.schedule(8, 5_000);

        assertEquals(2, queue.size());
        assertEquals(OptionalLong.of(8), queue.pollDue(9_999));
        assertTrue(queue.pollDue(9_999).isEmpty(), "lease 7 moved to 10000");
        assertEquals(OptionalLong.of(7), queue.pollDue(10_000));
    }

    @Test
    void removedAndClearedLeasesAreNeverDue() {
        queue.schedule(1, 10);
        queue.schedule(2, 10);
        queue.remove(1);
        assertEquals(OptionalLong.of(2), queue.pollDue(10));
        queue.schedule(3, 10);
        queue.clear();
        assertTrue(queue.pollDue(Long.MAX_VALUE).isEmpty());
    }
}
