package io.kvorum.consensus.raft.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.consensus.raft.core.ConfState;
import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.HardState;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.Snapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restart reads the WAL from the segment the newest snapshot needs, as etcd's does, and checks that guess. */
class WalSnapshotStartTest {
    private static final long SEGMENT = 4096;
    private static final Snapshot AT_300 = new Snapshot(300, 1, new ConfState(List.of(1L), List.of()), new byte[0]);

    @TempDir
    Path dir;

    /** Segment files on disk, remembering which were opened. */
    private static final class Opened implements SegmentFiles {
        final List<Path> paths = new ArrayList<>();

        @Override
        public SegmentFile create(Path path) throws IOException {
            return SegmentFiles.onDisk().create(path);
        }

        @Override
        public SegmentFile open(Path path) throws IOException {
            paths.add(path);
            return SegmentFiles.onDisk().open(path);
        }
    }

    private static List<LogEntry> entries(long from, long to, long term) {
        return LongStream.rangeClosed(from, to)
                .mapToObj(i -> new LogEntry(term, i, EntryType.NORMAL, ("entry " + i + " of term " + term + " " + "x".repeat(60)).getBytes()))
                .toList();
    }

    /** Entries 1..350 over many segments, a snapshot marker at 300, then 351..400 (every segment kept). */
    private void writeLogWithSnapshotAt300() throws IOException {
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            for (long i = 1; i <= 350; i += 10) {
                wal.append(entries(i, i + 9, 1), new HardState(1, 1, i + 9), false);
            }
            wal.saveSnapshot(AT_300, new HardState(1, 1, 350));
            for (long i = 351; i <= 400; i += 10) {
                wal.append(entries(i, i + 9, 1), new HardState(1, 1, i + 9), true);
            }
        }
    }

    private static Wal.Recovered expected() {
        return new Wal.Recovered(new HardState(1, 1, 400), AT_300, entries(301, 400, 1));
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".wal")).sorted().toList();
        }
    }

    @Test
    void theSegmentsWhollyBeforeTheSnapshotAreNotReadAndMayBeReleased() throws IOException {
        writeLogWithSnapshotAt300();
        List<Path> all = segments();
        assertTrue(all.size() > 4, "segments: " + all.size());
        Opened opened = new Opened();
        try (Wal wal = Wal.open(dir, SEGMENT, false, opened, 300)) {
            assertEquals(expected(), wal.recovered());
            assertTrue(wal.segmentsSkipped() >= 3, "skipped: " + wal.segmentsSkipped());
            List<Path> skipped = all.subList(0, wal.segmentsSkipped());
            assertFalse(opened.paths.stream().anyMatch(skipped::contains), "opened " + opened.paths);
            assertTrue(opened.paths.containsAll(all.subList(wal.segmentsSkipped(), all.size())), "opened " + opened.paths);

            wal.releaseBeforeSnapshot(1);
            assertEquals(all.subList(wal.segmentsSkipped(), all.size()), wal.segmentFiles());
        }
        assertEquals(expected(), Wal.open(dir, SEGMENT).recovered(), "what the release left is the whole log");
    }

    @Test
    void whatIsReadFromTheSnapshotOnIsWhatReadingEverySegmentFinds() throws IOException {
        // a new leader overwrites the uncommitted entries from 311 on, across segment boundaries, after the
        // snapshot's marker
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            for (long i = 1; i <= 350; i += 10) {
                wal.append(entries(i, i + 9, 1), new HardState(1, 1, i + 9), false);
            }
            wal.saveSnapshot(AT_300, new HardState(1, 1, 300));
            for (long i = 311; i <= 400; i += 10) {
                wal.append(entries(i, i + 9, 2), new HardState(2, 1, i + 9), true);
            }
        }
        Wal.Recovered everything;
        try (Wal wal = Wal.open(dir, SEGMENT)) {
            everything = wal.recovered();
        }
        List<LogEntry> expected = new ArrayList<>(entries(301, 310, 1));
        expected.addAll(entries(311, 400, 2));
        assertEquals(new Wal.Recovered(new HardState(2, 1, 400), AT_300, expected), everything);
        try (Wal wal = Wal.open(dir, SEGMENT, false, SegmentFiles.onDisk(), 300)) {
            assertTrue(wal.segmentsSkipped() > 0);
            assertEquals(everything, wal.recovered());
        }
    }

    @Test
    void corruptionInASegmentReadIsStillRefused() throws IOException {
        writeLogWithSnapshotAt300();
        int skipped;
        try (Wal wal = Wal.open(dir, SEGMENT, false, SegmentFiles.onDisk(), 300)) {
            skipped = wal.segmentsSkipped();
        }
        Path kept = segments().get(skipped); // read, not the last: a bad record in it is no torn tail
        Segment.Record second = Segment.scan(kept, false).records().get(1);
        WalDamage.flipByte(kept, second.offset() + Segment.HEADER + 2);
        WalCorruptedException e = assertThrows(WalCorruptedException.class,
                () -> Wal.open(dir, SEGMENT, false, SegmentFiles.onDisk(), 300));
        assertTrue(e.getMessage().contains(kept.getFileName().toString()), e.getMessage());
    }

    @Test
    void damageInASegmentNotReadGoesUnnoticedAsInEtcd() throws IOException {
        writeLogWithSnapshotAt300();
        Path first = segments().get(0);
        WalDamage.flipByte(first, Segment.HEADER + 2);
        try (Wal wal = Wal.open(dir, SEGMENT, false, SegmentFiles.onDisk(), 300)) {
            assertEquals(expected(), wal.recovered());
        }
        assertThrows(WalCorruptedException.class, () -> Wal.open(dir, SEGMENT), "reading every segment finds it");
    }

    @Test
    void aSnapshotFileWhoseMarkerTheLogLacksMakesEverySegmentBeRead() throws IOException {
        // the snapshot file at 390 was written, the crash came before its marker reached the log
        writeLogWithSnapshotAt300();
        Opened opened = new Opened();
        try (Wal wal = Wal.open(dir, SEGMENT, false, opened, 390)) {
            assertEquals(expected(), wal.recovered());
            assertEquals(0, wal.segmentsSkipped());
            assertTrue(opened.paths.containsAll(segments()));
        }
    }

    @Test
    void aTornTailIsWipedWhenTheOldSegmentsAreSkipped() throws IOException {
        writeLogWithSnapshotAt300();
        List<Path> all = segments();
        Path last = all.get(all.size() - 1);
        long end = Segment.scan(last, true).end();
        byte[] payload = new byte[40];
        java.util.Arrays.fill(payload, (byte) 0x55);
        ByteBuffer torn = ByteBuffer.allocate(Segment.framedSize(payload)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        Segment.frame(torn, RecordType.ENTRY, payload);
        torn.flip().limit(20); // a write cut short by the crash
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            ch.write(torn, end);
        }
        try (Wal wal = Wal.open(dir, SEGMENT, false, SegmentFiles.onDisk(), 300)) {
            assertTrue(wal.segmentsSkipped() > 0);
            assertEquals(expected(), wal.recovered());
            wal.append(entries(401, 401, 1), new HardState(1, 1, 401), true);
        }
        try (Wal wal = Wal.open(dir, SEGMENT, false, SegmentFiles.onDisk(), 300)) {
            assertEquals(entries(301, 401, 1), wal.recovered().entries());
        }
    }

    @Test
    void segmentsNamedWithoutAnIndexAreReadAndTheLogGoesOn() throws IOException {
        writeLogWithSnapshotAt300();
        for (Path p : segments()) {
            Files.move(p, p.resolveSibling(p.getFileName().toString().substring(0, 16) + ".wal"));
        }
        try (Wal wal = Wal.open(dir, SEGMENT, false, SegmentFiles.onDisk(), 300)) {
            assertEquals(expected(), wal.recovered());
            assertEquals(0, wal.segmentsSkipped());
            for (long i = 401; i <= 500; i += 10) {
                wal.append(entries(i, i + 9, 1), new HardState(1, 1, i + 9), true);
            }
        }
        try (Wal wal = Wal.open(dir, SEGMENT, false, SegmentFiles.onDisk(), 300)) {
            assertEquals(entries(301, 500, 1), wal.recovered().entries());
        }
    }
}
