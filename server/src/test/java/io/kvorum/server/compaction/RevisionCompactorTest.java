package io.kvorum.server.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** etcd's revision compactor, driven tick by tick: every five minutes, at the current revision minus the retention. */
class RevisionCompactorTest {
    private final FakeCompaction fake = new FakeCompaction();
    private final AutoCompactor compactor = AutoCompactor.of(new AutoCompaction(AutoCompaction.Mode.REVISION, 10),
            () -> fake.revision, fake::compact, fake::now);

    @Test
    void compactsEveryFiveMinutesKeepingTheRetention() {
        assertEquals(Duration.ofMinutes(5), compactor.tickInterval());
        compactor.start();

        fake.revision = 10;
        compactor.tick();
        assertEquals(List.of(), fake.proposed, "nothing while the store has no more than the retention");
        fake.revision = 25;
        compactor.tick();
        assertEquals(List.of(15L), fake.proposed);
        compactor.tick();
        assertEquals(List.of(15L), fake.proposed, "not again at the same revision");
        fake.revision = 31;
        compactor.tick();
        assertEquals(List.of(15L, 21L), fake.proposed);
    }

    @Test
    void onlyTheLeaderCompacts() {
        compactor.start();
        fake.revision = 50;
        compactor.pause();
        compactor.tick();
        assertEquals(List.of(), fake.proposed);

        compactor.resume();
        compactor.tick();
        assertEquals(List.of(40L), fake.proposed);
    }

    @Test
    void aFailedCompactionIsTriedAgainAtTheNextTick() {
        compactor.start();
        fake.revision = 50;
        fake.failing = true;
        compactor.tick();
        fake.failing = false;
        compactor.tick();
        assertEquals(List.of(40L, 40L), fake.proposed);
        assertEquals(40L, fake.compacted);
    }
}
