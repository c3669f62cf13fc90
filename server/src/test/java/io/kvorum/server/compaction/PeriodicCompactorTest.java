package io.kvorum.server.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * etcd 3.4's periodic compactor, driven by a fake clock: one write between ticks, so the revision
 * sampled at a tick tells when it was sampled.
 */
class PeriodicCompactorTest {
    private final FakeCompaction fake = new FakeCompaction();

    private PeriodicCompactor compactor(Duration period) {
        PeriodicCompactor c = (PeriodicCompactor) AutoCompactor.of(new AutoCompaction(AutoCompaction.Mode.PERIODIC,
                period.toNanos()), () -> fake.revision, fake::compact, fake::now);
        c.start();
        return c;
    }

    /** Advances the clock by a tick, writes once, and lets the compactor tick {@code n} times. */
    private void ticks(PeriodicCompactor c, int n) {
        for (int i = 0; i < n; i++) {
            fake.advance(c.tickInterval());
            fake.revision++;
            c.tick();
        }
    }

    @Test
    void aShortPeriodSamplesEveryTenthAndCompactsEveryPeriodAtTheOldestSample() {
        PeriodicCompactor c = compactor(Duration.ofSeconds(10));
        assertEquals(Duration.ofSeconds(1), c.tickInterval());

        ticks(c, 9);
        assertEquals(List.of(), fake.proposed, "nothing before a whole period has passed");
        ticks(c, 1);
        assertEquals(List.of(1L), fake.proposed, "after 10 s, at the revision of 10 s ago");
        ticks(c, 9);
        assertEquals(List.of(1L), fake.proposed);
        ticks(c, 1);
        // the window holds 11 samples: its oldest is from 11 ticks ago, as in etcd
        assertEquals(List.of(1L, 10L), fake.proposed);
        ticks(c, 10);
        assertEquals(List.of(1L, 10L, 20L), fake.proposed);
    }

    @Test
    void aPeriodOverAnHourCompactsFirstAfterThePeriodThenHourly() {
        PeriodicCompactor c = compactor(Duration.ofHours(2));
        assertEquals(Duration.ofMinutes(6), c.tickInterval());

        ticks(c, 19);
        assertEquals(List.of(), fake.proposed);
        ticks(c, 1);
        assertEquals(List.of(1L), fake.proposed, "first after two hours");
        ticks(c, 9);
        assertEquals(List.of(1L), fake.proposed);
        ticks(c, 1);
        assertEquals(List.of(1L, 10L), fake.proposed, "then every hour, at the oldest of 21 samples");
        ticks(c, 10);
        assertEquals(List.of(1L, 10L, 20L), fake.proposed);
    }

    @Test
    void aPausedCompactorKeepsSamplingAndCompactsAtTheNextTickOnceResumed() {
        PeriodicCompactor c = compactor(Duration.ofSeconds(10));
        ticks(c, 10);
        assertEquals(List.of(1L), fake.proposed);

        c.pause(); // this member stopped leading
        ticks(c, 15);
        assertEquals(List.of(1L), fake.proposed, "a member that does not lead never compacts");

        c.resume(); // leading again
        ticks(c, 1);
        assertEquals(List.of(1L, 16L), fake.proposed, "the samples taken while paused count");
    }

    @Test
    void aFailedCompactionIsTriedAgainAtTheNextTickAndAlreadyCompactedCountsAsDone() {
        PeriodicCompactor c = compactor(Duration.ofSeconds(10));
        fake.failing = true;
        ticks(c, 10);
        ticks(c, 1);
        assertEquals(List.of(1L, 1L), fake.proposed);

        fake.failing = false;
        fake.compacted = 5; // someone compacted further meanwhile: "compacted" is success for the compactor
        ticks(c, 1);
        assertEquals(List.of(1L, 1L, 2L), fake.proposed);
        ticks(c, 9);
        assertEquals(3, fake.proposed.size(), "the next one waits a whole period after that success");
    }
}
