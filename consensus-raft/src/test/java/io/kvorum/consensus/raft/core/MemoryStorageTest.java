package io.kvorum.consensus.raft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class MemoryStorageTest {

    private static List<LogEntry> entries(long from, long to, long term) {
        return LongStream.rangeClosed(from, to).mapToObj(i -> new LogEntry(term, i, EntryType.NORMAL, new byte[] {(byte) i}))
                .toList();
    }

    @Test
    void appendOverwritesAConflictingTail() {
        MemoryStorage s = new MemoryStorage();
        s.append(entries(1, 5, 1));
        s.append(entries(4, 6, 2));
        assertEquals(6, s.lastIndex());
        assertEquals(1, s.term(3));
        assertEquals(2, s.term(4));
    }

    @Test
    void appendRefusesAGap() {
        MemoryStorage s = new MemoryStorage();
        s.append(entries(1, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> s.append(entries(4, 5, 1)));
    }

    @Test
    void compactionKeepsTheTermOfTheLastCompactedEntry() {
        MemoryStorage s = new MemoryStorage();
        s.append(entries(1, 10, 3));
        s.createSnapshot(7, new ConfState(List.of(1L), List.of()), new byte[0]);
        s.compact(7);
        assertEquals(8, s.firstIndex());
        assertEquals(3, s.term(7));
        assertThrows(CompactedException.class, () -> s.term(6));
        assertThrows(CompactedException.class, () -> s.entries(7, 9, Long.MAX_VALUE));
        assertEquals(entries(8, 10, 3), s.entries(8, 11, Long.MAX_VALUE));
    }

    @Test
    void compactionBeyondTheSnapshotIsRefused() {
        MemoryStorage s = new MemoryStorage();
        s.append(entries(1, 10, 3));
        s.createSnapshot(5, ConfState.EMPTY, new byte[0]);
        assertThrows(IllegalArgumentException.class, () -> s.compact(6));
    }

    @Test
    void aSnapshotFromTheLeaderReplacesTheLog() {
        MemoryStorage s = new MemoryStorage();
        s.append(entries(1, 3, 1));
        s.applySnapshot(new Snapshot(20, 4, ConfState.EMPTY, new byte[] {9}));
        assertEquals(21, s.firstIndex());
        assertEquals(20, s.lastIndex());
        assertEquals(4, s.term(20));
        assertThrows(IllegalArgumentException.class,
                () -> s.applySnapshot(new Snapshot(10, 4, ConfState.EMPTY, new byte[0])));
    }

    @Test
    void entriesAreLimitedBySizeButNeverEmpty() {
        MemoryStorage s = new MemoryStorage();
        s.append(entries(1, 10, 1)); // 17 bytes each as counted
        assertEquals(1, s.entries(1, 11, 0).size());
        assertEquals(2, s.entries(1, 11, 34).size());
        assertEquals(10, s.entries(1, 11, Long.MAX_VALUE).size());
    }
}
