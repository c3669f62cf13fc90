package io.kvorum.server.compaction;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The loop ticks the compactor on its own thread and compacts only while this member leads. */
class CompactionLoopTest {

    @Test
    void aMemberCompactsOnlyWhileItLeads() throws InterruptedException {
        List<Long> proposed = new CopyOnWriteArrayList<>();
        AtomicLong revision = new AtomicLong(100);
        AtomicBoolean leads = new AtomicBoolean(false);
        AutoCompactor compactor = AutoCompactor.of(new AutoCompaction(AutoCompaction.Mode.PERIODIC,
                Duration.ofMillis(100).toNanos()), revision::get, at -> {
                    proposed.add(at);
                    return CompletableFuture.completedFuture(null);
                }, System::nanoTime);

        try (CompactionLoop loop = new CompactionLoop(compactor, leads::get)) {
            loop.start(Duration.ofMillis(10));
            Thread.sleep(500); // five periods
            assertTrue(proposed.isEmpty(), "a follower compacted: " + proposed);

            leads.set(true);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (proposed.isEmpty() && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
            assertTrue(proposed.contains(100L), "the leader never compacted: " + proposed);

            leads.set(false);
            Thread.sleep(50); // the loop sees it
            int before = proposed.size();
            Thread.sleep(400);
            assertTrue(proposed.size() == before, "compacted after losing leadership: " + proposed);
        }
    }
}
