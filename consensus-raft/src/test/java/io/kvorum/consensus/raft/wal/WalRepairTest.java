package io.kvorum.consensus.raft.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.HardState;
import io.kvorum.consensus.raft.core.LogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repair the operator asks for: the log is cut at the bad record, and goes on from there. */
class WalRepairTest {
    private static final long SEGMENT = 4096;

    @TempDir
    Path dir;

    private static List<LogEntry> entries(long from, long to) {
        return LongStream.rangeClosed(from, to)
                .mapToObj(i -> new LogEntry(1, i, EntryType.NORMAL, ("entry " + i).getBytes())).toList();
    }

    private Wal repairing() throws IOException {
        return Wal.open(dir, SEGMENT, true, SegmentFiles.onDisk());
    }

    @Test
    void aDamagedLastRecordIsCutAndTheLogGoesOnWithoutRepairAfterwards() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(entries(1, 2), new HardState(1, 1, 2), true);
            wal.append(entries(3, 3), new HardState(1, 1, 3), true);
        }
        Path segment = WalDamage.segmentFile(dir, 0);
        List<Segment.Record> records = Segment.scan(segment, true).records();
        Segment.Record last = records.get(records.size() - 1);
        WalDamage.flipByte(segment, last.offset() + Segment.HEADER + 2);
        assertThrows(WalCorruptedException.class, () -> Wal.open(dir, SEGMENT));
        try (Wal wal = repairing()) {
            assertEquals(entries(1, 3), wal.recovered().entries());
            assertEquals(new HardState(1, 1, 2), wal.recovered().hardState(), "the damaged hard state is dropped");
            wal.append(entries(4, 4), new HardState(1, 1, 4), true);
        }
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            assertEquals(entries(1, 4), wal.recovered().entries());
            assertEquals(new HardState(1, 1, 4), wal.recovered().hardState());
        }
    }

    @Test
    void aDamagedRecordWithValidOnesAfterItIsCutWithThem() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            for (long i = 1; i <= 6; i++) {
                wal.append(entries(i, i), HardState.EMPTY, true);
            }
        }
        Path segment = WalDamage.segmentFile(dir, 0);
        Segment.Record third = Segment.scan(segment, true).records().get(2);
        WalDamage.flipByte(segment, third.offset() + Segment.HEADER + 4);
        try (Wal wal = repairing()) {
            assertEquals(entries(1, 2), wal.recovered().entries());
        }
        assertEquals(third.offset(), Segment.scan(segment, true).end());
        assertFalse(Segment.scan(segment, true).tornTail(), "the bytes after the cut are zeros");
    }

    @Test
    void aDamagedRecordInAnEarlierSegmentCutsTheLogThereAndDropsTheLaterSegments() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            for (long i = 1; i <= 800; i += 4) {
                wal.append(entries(i, i + 3), HardState.EMPTY, false);
            }
            assertTrue(wal.segmentFiles().size() >= 3);
        }
        Path first = WalDamage.segmentFile(dir, 0);
        List<Segment.Record> records = Segment.scan(first, false).records();
        Segment.Record bad = records.get(10);
        WalDamage.flipByte(first, bad.offset() + Segment.HEADER + 3);
        long expectedLast = LogEntryIndex.of(records.get(9));
        try (Wal wal = repairing()) {
            assertEquals(entries(1, expectedLast), wal.recovered().entries());
            assertEquals(List.of(first), wal.segmentFiles());
            wal.append(entries(expectedLast + 1, expectedLast + 1), HardState.EMPTY, true);
        }
        List<LogEntry> expected = new ArrayList<>(entries(1, expectedLast + 1));
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            assertEquals(expected, wal.recovered().entries());
        }
    }

    @Test
    void aRecordThatPassesItsCrcButDoesNotDecodeIsCutToo() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(entries(1, 2), HardState.EMPTY, true);
        }
        Path segment = WalDamage.segmentFile(dir, 0);
        long end = Segment.scan(segment, true).end();
        ByteBuffer junk = ByteBuffer.allocate(Segment.framedSize(new byte[] {(byte) 0xEE, 1, 2}))
                .order(ByteOrder.LITTLE_ENDIAN);
        Segment.frame(junk, RecordType.ENTRY, new byte[] {(byte) 0xEE, 1, 2});
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.write(junk.flip(), end);
        }
        WalCorruptedException e = assertThrows(WalCorruptedException.class, () -> Wal.open(dir, SEGMENT));
        assertTrue(e.getMessage().contains("byte offset " + end), e.getMessage());
        try (Wal wal = repairing()) {
            assertEquals(entries(1, 2), wal.recovered().entries());
        }
    }

    @Test
    void aMissingSegmentIsNotRepaired() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            for (long i = 1; i <= 800; i += 4) {
                wal.append(entries(i, i + 3), HardState.EMPTY, false);
            }
        }
        Files.delete(WalDamage.segmentFile(dir, 1));
        assertThrows(WalCorruptedException.class, this::repairing);
    }

    /** The index of the entry a record holds. */
    private static final class LogEntryIndex {
        static long of(Segment.Record r) {
            return io.kvorum.consensus.raft.core.Encoding.decodeEntry(r.payload()).index();
        }
    }
}
