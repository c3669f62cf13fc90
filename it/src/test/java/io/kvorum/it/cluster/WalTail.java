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
 * Leaves a torn record at the end of a stopped member's write-ahead log, the way a crash in the
 * middle of its next write would: the newest segment ({@code <data-dir>/member/wal/*.wal}; the
 * file names sort by sequence in both layouts) is walked record by record to the end of what is
 * written (segments are preallocated with zeros), and the first half of a copy of the last record
 * is written after it.
 *
 * <p>The tear goes after the last record, not into it: a crash can only tear a write that was
 * never synced, hence never acknowledged to anyone, while the last complete record may have been
 * synced and acknowledged to the leader — losing that is not a crash but lost storage, and real
 * etcd rightly stops ("tocommit(n) is out of range [lastIndex(n-1)]") when it happens.
 *
 * <p>kvorum's frames are {@code u32 length | u32 CRC32C | type + payload}, little-endian, in a
 * segment that keeps its preallocated size: the half record is followed by the zeros that were
 * there. etcd's frames are an {@code int64} length (padding in the top byte) then the record;
 * etcd recognizes a write torn at the end of the file, so there the file ends after the half record.
 */
final class WalTail {
    /**
     * What was written: in {@code segment}, after the last record (at {@code recordOffset},
     * {@code recordLength} bytes), {@code tornLength} bytes of a copy of it at {@code tornAt}.
     */
    record Tear(Path segment, long recordOffset, long recordLength, long tornAt, long tornLength) {
    }

    private WalTail() {
    }

    static Tear tearAfterLastRecord(Target target, Path dataDir) {
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
            byte[] content = Files.readAllBytes(newest);
            ByteBuffer bytes = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
            long[] last = target == Target.ETCD ? lastEtcdRecord(bytes) : lastKvorumRecord(bytes);
            if (last == null) {
                throw new AssertionError("the newest WAL segment " + newest + " holds no record");
            }
            int offset = (int) last[0];
            int length = (int) last[1];
            int end = offset + length;
            int half = length / 2;
            if (end + half > content.length) {
                throw new AssertionError("no room after the last record of " + newest + " for a torn one");
            }
            try (FileChannel ch = FileChannel.open(newest, StandardOpenOption.WRITE)) {
                ByteBuffer torn = ByteBuffer.wrap(content, offset, half);
                while (torn.hasRemaining()) {
                    ch.write(torn, end + (torn.position() - offset));
                }
                if (target == Target.ETCD) {
                    ch.truncate(end + half);
                }
                ch.force(true);
            }
            return new Tear(newest, offset, length, end, half);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tear the WAL under " + walDir, e);
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
