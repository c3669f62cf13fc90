package io.kvorum.consensus.raft.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A scan finds the end of the written bytes wherever the last one lies among the zeros. */
class SegmentWrittenToTest {

    private static final int CAPACITY = 3 * 4096 + 100;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(ints = {200, 4095, 4096, 4097, 8191, 8192, CAPACITY - 1})
    void aStrayByteAfterTheRecordsIsWhereTheWrittenBytesEnd(int stray) throws IOException {
        Path path = segmentWithOneRecord();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {7}), stray);
        }

        Segment.Scan scan = Segment.scan(path, true);

        assertEquals(1, scan.records().size());
        assertEquals(stray + 1, scan.writtenTo());
        assertTrue(scan.writtenTo() > scan.end());
    }

    @Test
    void onlyZerosAfterTheRecordsEndTheWrittenBytesAtTheLastRecord() throws IOException {
        Segment.Scan scan = Segment.scan(segmentWithOneRecord(), true);

        assertEquals(1, scan.records().size());
        assertEquals(scan.end(), scan.writtenTo());
    }

    private Path segmentWithOneRecord() throws IOException {
        byte[] payload = {1, 2, 3};
        ByteBuffer framed = ByteBuffer.allocate(Segment.framedSize(payload)).order(ByteOrder.LITTLE_ENDIAN);
        Segment.frame(framed, RecordType.HARD_STATE, payload);
        framed.flip();
        try (Segment s = Segment.create(SegmentFiles.onDisk(), dir, 0, 1, CAPACITY)) {
            s.append(framed);
            s.sync();
            return s.path;
        }
    }
}
