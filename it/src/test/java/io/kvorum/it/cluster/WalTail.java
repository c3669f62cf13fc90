package io.kvorum.it.cluster;

import io.kvorum.it.server.Target;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Tears the last record a stopped member wrote to its write-ahead log, the way a crash in the
 * middle of a write would: the newest segment ({@code <data-dir>/member/wal/*.wal}, the file
 * names sort by sequence in both layouts) is walked record by record to the end of what is
 * written (segments are preallocated with zeros), and the last record is cut in its middle.
 *
 * <p>kvorum's frames are {@code u32 length | u32 CRC32C | type + payload}, little-endian, in a
 * segment that keeps its preallocated size: a torn write leaves the record's second half as
 * zeros, so that is what the cut writes. etcd's frames are an {@code int64} length (padding in
 * the top byte) then the record; etcd recognizes a write torn at the end of the file, so there
 * the file is truncated in the middle of the record.
 */
final class WalTail {
    /** Where the cut went: in {@code segment}, the record at {@code recordOffset} of {@code recordLength} bytes. */
    record Cut(Path segment, long recordOffset, long recordLength, long cutAt, long writtenEnd) {
    }

    private WalTail() {
    }

    static Cut cutLastRecord(Target target, Path dataDir) {
        Path walDir = dataDir.resolve("member").resolve("wal");
        try {
            Path newest;
            try (Stream<Path> files = Files.walk(walDir)) {
                List<Path> segments = files.filter(p -> p.getFileName().toString().endsWith(".wal"))
                        .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
                if (segments.isEmpty()) {
                    throw new AssertionError("no WAL segment (*.wal) under " + walDir);
                }
                newest = segments.get(segments.size() - 1);
            }
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(newest)).order(ByteOrder.LITTLE_ENDIAN);
            long[] last = target == Target.ETCD ? lastEtcdRecord(bytes) : lastKvorumRecord(bytes);
            if (last == null) {
                throw new AssertionError("the newest WAL segment " + newest + " holds no record");
            }
            long offset = last[0];
            long length = last[1];
            long cutAt = offset + length / 2;
            long end = offset + length;
            try (FileChannel ch = FileChannel.open(newest, StandardOpenOption.WRITE)) {
                if (target == Target.ETCD) {
                    ch.truncate(cutAt);
                } else {
                    ByteBuffer zeros = ByteBuffer.allocate((int) (end - cutAt));
                    while (zeros.hasRemaining()) {
                        ch.write(zeros, cutAt + zeros.position());
                    }
                }
                ch.force(true);
            }
            return new Cut(newest, offset, length, cutAt, end);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cut the WAL under " + walDir, e);
        }
    }

    /** {offset, framed length} of the last record with a valid CRC before the zeros, or null. */
    private static long[] lastKvorumRecord(ByteBuffer b) {
        long[] last = null;
        int at = 0;
        while (at + 9 <= b.limit()) {
            int length = b.getInt(at);
            if (length < 1 || length > b.limit() - at - 8) {
                break;
            }
            CRC32C crc = new CRC32C();
            crc.update(b.array(), at + 8, length);
            if ((int) crc.getValue() != b.getInt(at + 4)) {
                break;
            }
            last = new long[] {at, 8L + length};
            at += 8 + length;
        }
        return last;
    }

    /** {offset, framed length} of the last etcd record before the zeros, or null. */
    private static long[] lastEtcdRecord(ByteBuffer b) {
        long[] last = null;
        long at = 0;
        while (at + 8 <= b.limit()) {
            long field = b.getLong((int) at);
            if (field == 0) {
                break;
            }
            long recordBytes = field & 0x00FF_FFFF_FFFF_FFFFL;
            long padding = field < 0 ? (field >>> 56) & 0x7 : 0;
            long framed = 8 + recordBytes + padding;
            if (at + framed > b.limit()) {
                break;
            }
            last = new long[] {at, framed};
            at += framed;
        }
        return last;
    }
}
