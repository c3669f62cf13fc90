package io.kvorum.server.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The two flags read as etcd reads them. */
class AutoCompactionTest {

    @Test
    void aWholeNumberIsHoursForPeriodicAndRevisionsForRevision() {
        assertEquals(new AutoCompaction(AutoCompaction.Mode.PERIODIC, Duration.ofHours(1).toNanos()),
                AutoCompaction.parse("periodic", "1"));
        assertEquals(new AutoCompaction(AutoCompaction.Mode.REVISION, 1000), AutoCompaction.parse("revision", "1000"));
    }

    @Test
    void otherwiseAGoDuration() {
        assertEquals(Duration.ofMinutes(30).toNanos(), AutoCompaction.parse("periodic", "30m").retention());
        assertEquals(Duration.ofMillis(2500).toNanos(), AutoCompaction.parse("periodic", "2.5s").retention());
        assertEquals(Duration.ofMinutes(90).toNanos(), AutoCompaction.parse("periodic", "1h30m").retention());
    }

    @Test
    void zeroIsOff() {
        assertFalse(AutoCompaction.parse("periodic", "0").enabled());
        assertFalse(AutoCompaction.parse("revision", "0").enabled());
        assertFalse(AutoCompaction.parse("periodic", "0s").enabled());
    }

    @Test
    void badValuesGetEtcdsMessagesNamingTheFlag() {
        assertEquals("--auto-compaction-mode: unknown auto-compaction-mode \"foo\"",
                assertThrows(IllegalArgumentException.class, () -> AutoCompaction.parse("foo", "1")).getMessage());
        assertEquals("--auto-compaction-retention: error parsing CompactionRetention: time: missing unit in duration \"-1\"",
                assertThrows(IllegalArgumentException.class, () -> AutoCompaction.parse("periodic", "-1")).getMessage());
        assertEquals("--auto-compaction-retention: error parsing CompactionRetention: time: invalid duration \"abc\"",
                assertThrows(IllegalArgumentException.class, () -> AutoCompaction.parse("periodic", "abc")).getMessage());
    }
}
