package io.kvorum.consensus.raft.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.consensus.raft.core.ConfState;
import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.HardState;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.Snapshot;
import io.kvorum.consensus.raft.transport.grpc.RecordingRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalTest {
    private static final long SEGMENT = 4096;

    @TempDir
    Path dir;

    private static List<LogEntry> entries(long from, long to, long term) {
        return LongStream.rangeClosed(from, to)
                .mapToObj(i -> new LogEntry(term, i, EntryType.NORMAL, ("entry " + i + " of term " + term).getBytes()))
                .toList();
    }

    private Wal.Recovered reopen() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            return wal.recovered();
        }
    }

    @Test
    void aNewLogIsEmptyAndOnePreallocatedSegment() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            assertEquals(new Wal.Recovered(HardState.EMPTY, Snapshot.EMPTY, List.of()), wal.recovered());
            assertEquals(1, wal.segmentFiles().size());
            assertEquals(SEGMENT, Files.size(wal.segmentFiles().get(0)));
        }
    }

    @Test
    void eachWriteAndEachSyncIsTimedAndItsBytesCounted() throws IOException {
        RecordingRegistry metrics = new RecordingRegistry();
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.recordInto(Wal.Metrics.of(metrics));
            wal.append(entries(1, 3, 1), new HardState(1, 1, 2), true);
            wal.append(entries(4, 5, 1), new HardState(1, 1, 5), false);
        }
        assertEquals(2, metrics.value("etcd_disk_wal_write_duration_seconds"), "both writes");
        assertEquals(1, metrics.value("etcd_disk_wal_fsync_duration_seconds"), "the one synced write");
        assertTrue(metrics.value("etcd_disk_wal_write_bytes_total") > 5 * 20, "the records' bytes");
    }

    @Test
    void whatWasAppendedIsReadBackAfterReopening() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(entries(1, 3, 1), new HardState(1, 1, 2), true);
            wal.append(entries(4, 5, 1), new HardState(1, 1, 5), true);
            wal.append(List.of(), new HardState(2, 0, 5), true);
        }
        Wal.Recovered r = reopen();
        assertEquals(entries(1, 5, 1), r.entries());
        assertEquals(new HardState(2, 0, 5), r.hardState());
    }

    @Test
    void aLaterEntryAtAnEarlierIndexReplacesTheTail() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(entries(1, 5, 1), HardState.EMPTY, true);
            wal.append(entries(4, 6, 2), HardState.EMPTY, true);
        }
        List<LogEntry> expected = new java.util.ArrayList<>(entries(1, 3, 1));
        expected.addAll(entries(4, 6, 2));
        assertEquals(expected, reopen().entries());
    }

    @Test
    void recordsSpillIntoNewSegmentsAndAreReadAcrossThem() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            for (long i = 1; i <= 400; i += 4) {
                wal.append(entries(i, i + 3, 1), new HardState(1, 0, i), false);
            }
            assertTrue(wal.segmentFiles().size() > 3, "segments: " + wal.segmentFiles().size());
        }
        assertEquals(entries(1, 400, 1), reopen().entries());
    }

    @Test
    void aSnapshotMarkerDropsTheEntriesItCoversAndLetsOldSegmentsGo() throws IOException {
        Snapshot snapshot = new Snapshot(300, 1, new ConfState(List.of(1L, 2L, 3L), List.of(4L)), new byte[0]);
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            for (long i = 1; i <= 350; i += 10) {
                wal.append(entries(i, i + 9, 1), HardState.EMPTY, false);
            }
            wal.saveSnapshot(snapshot, new HardState(1, 2, 300));
            int before = wal.segmentFiles().size();
            wal.releaseBeforeSnapshot();
            assertTrue(wal.segmentFiles().size() < before, before + " -> " + wal.segmentFiles().size());
            wal.append(entries(351, 352, 1), HardState.EMPTY, true);
        }
        Wal.Recovered r = reopen();
        assertEquals(snapshot, r.snapshot());
        assertEquals(new HardState(1, 2, 300), r.hardState());
        assertEquals(entries(301, 352, 1), r.entries(), "the segments holding 301..350 were kept");
    }

    @Test
    void aTornLastWriteIsWipedAndTheLogGoesOnFromBeforeIt() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(entries(1, 2, 1), new HardState(1, 1, 2), true);
            wal.append(entries(3, 3, 1), new HardState(1, 1, 3), true);
        }
        Path segment = WalDamage.segmentFile(dir, 0);
        List<Segment.Record> records = Segment.scan(segment, true).records();
        Segment.Record entry3 = records.get(records.size() - 2);
        long end = Segment.scan(segment, true).end();
        // The crash kept the start of the last write: entry 3's header and half its payload.
        zero(segment, entry3.offset() + Segment.HEADER + 5, end);
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            assertEquals(entries(1, 2, 1), wal.recovered().entries());
            assertEquals(new HardState(1, 1, 2), wal.recovered().hardState());
            wal.append(entries(3, 3, 2), HardState.EMPTY, true);
        }
        List<LogEntry> expected = new java.util.ArrayList<>(entries(1, 2, 1));
        expected.addAll(entries(3, 3, 2));
        assertEquals(expected, reopen().entries());
    }

    @Test
    void theWholeRecordsOfATornWriteSurvive() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(entries(1, 2, 1), new HardState(1, 1, 2), true);
            wal.append(entries(3, 4, 1), new HardState(1, 1, 4), true);
        }
        Path segment = WalDamage.segmentFile(dir, 0);
        List<Segment.Record> records = Segment.scan(segment, true).records();
        zero(segment, records.get(records.size() - 2).offset() + 3, Segment.scan(segment, true).end());
        Wal.Recovered r = reopen();
        assertEquals(entries(1, 3, 1), r.entries(), "entry 3 was written whole; 4 and the hard state were torn");
        assertEquals(new HardState(1, 1, 2), r.hardState());
    }

    @Test
    void aTornHeaderAtTheEndIsATornTailToo() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(entries(1, 2, 1), HardState.EMPTY, true);
        }
        Path segment = WalDamage.segmentFile(dir, 0);
        long end = Segment.scan(segment, true).end();
        write(segment, end, new byte[] {7, 0, 0});
        assertEquals(entries(1, 2, 1), reopen().entries());
    }

    @Test
    void aCompleteLastRecordWithAFlippedPayloadByteIsRefusedNamingItsFileAndOffset() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(entries(1, 3, 1), new HardState(1, 1, 3), true);
        }
        Path segment = WalDamage.segmentFile(dir, 0);
        List<Segment.Record> records = Segment.scan(segment, true).records();
        Segment.Record hardState = records.get(records.size() - 1);
        // Synced, maybe acknowledged: losing it is not a crash but damaged storage.
        WalDamage.flipByte(segment, hardState.offset() + Segment.HEADER + 2);
        WalCorruptedException e = assertThrows(WalCorruptedException.class, () -> Wal.open(dir, SEGMENT));
        assertTrue(e.getMessage().contains(segment.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset " + hardState.offset()), e.getMessage());
        assertTrue(e.getMessage().contains("CRC"), e.getMessage());
    }

    @Test
    void aCompleteLastEntryWithAFlippedByteOrCrcIsRefused() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(entries(1, 3, 1), HardState.EMPTY, true);
        }
        Path segment = WalDamage.segmentFile(dir, 0);
        List<Segment.Record> records = Segment.scan(segment, true).records();
        Segment.Record entry3 = records.get(records.size() - 1);
        WalDamage.flipByte(segment, entry3.offset() + Segment.HEADER + 7);
        WalCorruptedException e = assertThrows(WalCorruptedException.class, () -> Wal.open(dir, SEGMENT));
        assertTrue(e.getMessage().contains("byte offset " + entry3.offset()), e.getMessage());
        WalDamage.flipByte(segment, entry3.offset() + Segment.HEADER + 7);
        WalDamage.flipByte(segment, entry3.offset() + 5); // the stored CRC
        e = assertThrows(WalCorruptedException.class, () -> Wal.open(dir, SEGMENT));
        assertTrue(e.getMessage().contains("byte offset " + entry3.offset()), e.getMessage());
    }

    @Test
    void aTornWriteWithASectorTheDiskNeverWroteIsATornTail() throws IOException {
        LogEntry big = new LogEntry(1, 3, EntryType.NORMAL, "x".repeat(1500).getBytes());
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(entries(1, 2, 1), HardState.EMPTY, true);
            wal.append(List.of(big), HardState.EMPTY, true);
        }
        Path segment = WalDamage.segmentFile(dir, 0);
        List<Segment.Record> records = Segment.scan(segment, true).records();
        long start = records.get(records.size() - 1).offset();
        long sector = (start / 512 + 1) * 512;
        // Its first and last sectors reached the disk, the one between did not.
        zero(segment, sector, sector + 512);
        assertEquals(entries(1, 2, 1), reopen().entries());
    }

    @Test
    void aCorruptRecordFollowedByValidOnesIsRefused() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(entries(1, 1, 1), HardState.EMPTY, true);
            wal.append(entries(2, 5, 1), HardState.EMPTY, true);
        }
        Path segment = WalDamage.segmentFile(dir, 0);
        WalDamage.flipByte(segment, Segment.HEADER + 3); // inside the first record's payload
        WalCorruptedException e = assertThrows(WalCorruptedException.class, () -> Wal.open(dir, SEGMENT));
        assertTrue(e.getMessage().contains("offset 0"), e.getMessage());
    }

    @Test
    void aCorruptRecordInAnEarlierSegmentIsRefusedEvenAtItsEnd() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            for (long i = 1; i <= 200; i += 4) {
                wal.append(entries(i, i + 3, 1), HardState.EMPTY, false);
            }
        }
        Path first = WalDamage.segmentFile(dir, 0);
        long end = Segment.scan(first, false).end();
        write(first, end, new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9});
        assertThrows(WalCorruptedException.class, () -> Wal.open(dir, SEGMENT));
    }

    @Test
    void aLogWhoseFirstSegmentsAreGoneWithoutASnapshotIsRefused() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            for (long i = 1; i <= 300; i += 4) {
                wal.append(entries(i, i + 3, 1), HardState.EMPTY, false);
            }
        }
        Files.delete(WalDamage.segmentFile(dir, 0));
        WalCorruptedException e = assertThrows(WalCorruptedException.class, () -> Wal.open(dir, SEGMENT));
        assertTrue(e.getMessage().contains("no snapshot"), e.getMessage());
    }

    @Test
    void aMissingSegmentIsRefused() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            for (long i = 1; i <= 300; i += 4) {
                wal.append(entries(i, i + 3, 1), HardState.EMPTY, false);
            }
        }
        Files.delete(WalDamage.segmentFile(dir, 1));
        WalCorruptedException e = assertThrows(WalCorruptedException.class, () -> Wal.open(dir, SEGMENT));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void aBatchLargerThanASegmentGetsASegmentOfItsOwn() throws IOException {
        LogEntry big = new LogEntry(1, 1, EntryType.NORMAL, new byte[3 * (int) SEGMENT]);
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(List.of(big), HardState.EMPTY, true);
        }
        assertEquals(List.of(big), reopen().entries());
    }

    @Test
    void aSegmentReadAfterALargerOneSeesNoneOfItsBytes() throws IOException {
        // the segments are read one after the other into one array: what the large one left
        // past the small one's end must read neither as records nor as a torn tail
        byte[] data = new byte[3 * (int) SEGMENT];
        java.util.Arrays.fill(data, (byte) 0x7F);
        LogEntry big = new LogEntry(1, 1, EntryType.NORMAL, data);
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(List.of(big), HardState.EMPTY, true);
            wal.append(entries(2, 4, 1), new HardState(1, 1, 4), true);
            assertEquals(3, wal.segmentFiles().size(), "the first, the large one, the one after it");
        }
        List<LogEntry> expected = new java.util.ArrayList<>(List.of(big));
        expected.addAll(entries(2, 4, 1));
        assertEquals(new Wal.Recovered(new HardState(1, 1, 4), Snapshot.EMPTY, expected), reopen());
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            wal.append(entries(5, 5, 1), new HardState(1, 1, 5), true);
        }
        expected.addAll(entries(5, 5, 1));
        assertEquals(new Wal.Recovered(new HardState(1, 1, 5), Snapshot.EMPTY, expected), reopen());
    }

    private static void zero(Path file, long from, long to) throws IOException {
        write(file, from, new byte[(int) (to - from)]);
    }

    private static void write(Path file, long at, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), at);
        }
    }
}
