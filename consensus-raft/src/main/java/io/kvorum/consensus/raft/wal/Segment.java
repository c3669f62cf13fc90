package io.kvorum.consensus.raft.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * One WAL file, preallocated with zeros to its full size when created, so appends never change
 * the file's length and a sync has only data to write. Records are framed as
 * <pre>
 *   u32 length (of type + payload) | u32 CRC32C (of type + payload) | u8 type | payload
 * </pre>
 * little-endian; a zero length where the next record would start is the end of the written part.
 *
 * <p>A scan tells a torn tail from corruption (as etcd's decoder and {@code wal.Repair} do). A
 * crash can only tear what was written after the last sync, into bytes that were zeros: so a
 * record that fails its check at the end of the last segment is torn when the written bytes end
 * inside it (the write was cut short), its length runs past the file, or one of its 512-byte
 * sectors is all zeros (a sector the disk never wrote), and no valid record follows it. Anything
 * else that fails its check is a complete record damaged after it was written: corruption. A
 * complete record whose payload ends in zero bytes and that is damaged elsewhere looks cut short;
 * the frame cannot tell the two apart.
 */
final class Segment implements AutoCloseable {
    static final int HEADER = 8;
    private static final int ZEROS = 1 << 20;
    /** The unit a disk writes whole or not at all (etcd's minSectorSize). */
    private static final int SECTOR = 512;
    /** Zeros to compare a segment's tail with. */
    private static final byte[] ZERO_BLOCK = new byte[4096];

    /**
     * The array a segment is read into, kept for the next: a restart reads every segment whole (64
     * MiB each by default), and a new array for each would be that much more garbage to collect
     * while the key index, built just before, is still young.
     */
    static final class ReadBuffer {
        private byte[] bytes = new byte[0];

        /**
         * The array's first {@code size} bytes to read a file into. What an earlier read left past
         * them stays out of sight: a scan looks only up to where its read ended.
         */
        ByteBuffer wrap(int size) {
            if (bytes.length < size) {
                bytes = new byte[size];
            }
            return ByteBuffer.wrap(bytes, 0, size);
        }
    }

    /**
     * A record read back, at its offset in the file. Its payload stays in the bytes of the segment
     * read whole ({@code length} bytes of {@code bytes} from {@code payloadAt}): a restart decodes
     * each entry from there, copying only the entry's data, not the payload first.
     */
    record Record(long offset, RecordType type, byte[] bytes, int payloadAt, int length) {
        /** A copy of the payload. */
        byte[] payload() {
            return Arrays.copyOfRange(bytes, payloadAt, payloadAt + length);
        }
    }

    /**
     * What a scan found: the valid records and where the next one goes ({@code end}); the end of
     * the written bytes ({@code writtenTo}, past the last non-zero byte); and why the bytes at
     * {@code end} are corruption, or null when they are zeros or a torn tail.
     */
    record Scan(List<Record> records, long end, long writtenTo, String damage) {
        boolean tornTail() {
            return damage == null && writtenTo > end;
        }

        long tornTo() {
            return writtenTo;
        }
    }

    final Path path;
    final long sequence;
    private final SegmentFile file;
    private final long capacity;
    private long position;

    private Segment(Path path, long sequence, SegmentFile file, long capacity, long position) {
        this.path = path;
        this.sequence = sequence;
        this.file = file;
        this.capacity = capacity;
        this.position = position;
    }

    /**
     * A segment's file name, as etcd names its WAL files: the sequence number, then the index of
     * the first entry the segment may hold (one past the log's last entry when it was created), so
     * that a restart can tell from the names alone which segments lie wholly before a snapshot.
     */
    static String fileName(long sequence, long firstIndex) {
        return String.format("%016x-%016x.wal", sequence, firstIndex);
    }

    /** Segments written before the names held an index: {@code <sequence>.wal}. */
    static final Pattern LEGACY_NAME = Pattern.compile("([0-9a-f]{16})\\.wal");
    static final Pattern NAME = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.wal");

    /** The first index in a segment file's name, or -1 for a name without one ({@link #LEGACY_NAME}). */
    static long firstIndexOf(Path path) {
        Matcher m = NAME.matcher(path.getFileName().toString());
        return m.matches() ? Long.parseUnsignedLong(m.group(2), 16) : -1;
    }

    /** Creates a segment of {@code capacity} zero bytes, synced, so it exists whole before records go in. */
    static Segment create(SegmentFiles files, Path dir, long sequence, long firstIndex, long capacity)
            throws IOException {
        Path path = dir.resolve(fileName(sequence, firstIndex));
        SegmentFile f = files.create(path);
        try {
            ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(ZEROS, capacity));
            for (long at = 0; at < capacity; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), capacity - at));
                at += f.write(zeros, at);
            }
            f.force(true);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
        return new Segment(path, sequence, f, capacity, 0);
    }

    /** Opens an existing segment for appending at {@code position} (found by a scan). */
    static Segment openForAppend(SegmentFiles files, Path path, long sequence, long position) throws IOException {
        SegmentFile f = files.open(path);
        return new Segment(path, sequence, f, f.size(), position);
    }

    long remaining() {
        return capacity - position;
    }

    static int framedSize(byte[] payload) {
        return HEADER + 1 + payload.length;
    }

    static void frame(ByteBuffer out, RecordType type, byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(type.code);
        crc.update(payload);
        out.putInt(1 + payload.length).putInt((int) crc.getValue()).put((byte) type.code).put(payload);
    }

    /** Writes framed records at the end of what is written; they are durable only after {@link #sync()}. */
    void append(ByteBuffer framed) throws IOException {
        if (framed.remaining() > remaining()) {
            throw new IllegalStateException("batch of " + framed.remaining() + " bytes exceeds the " + remaining()
                    + " left in " + path);
        }
        while (framed.hasRemaining()) {
            position += file.write(framed, position);
        }
    }

    /** fdatasync: the file's length never changes, so data is all there is to sync. */
    void sync() throws IOException {
        file.force(false);
    }

    /**
     * Zeroes [from, to), syncs, and appends from {@code from} on: a torn tail is wiped before
     * anything is written after it, and a repair cuts the log there.
     */
    void wipe(long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZEROS, Math.max(0, to - from)));
        for (long at = from; at < to; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - at));
            at += file.write(zeros, at);
        }
        file.force(false);
        position = from;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    /** Reads the records of a segment file on disk. */
    static Scan scan(Path path, boolean last) throws IOException {
        return scan(SegmentFiles.onDisk(), path, last);
    }

    /**
     * Reads the records of a segment file up to the first that fails its check, and judges what
     * is there: zeros, a torn tail (only in the last segment: every earlier one was synced whole
     * before the next began), or corruption.
     */
    static Scan scan(SegmentFiles files, Path path, boolean last) throws IOException {
        return scan(files, path, last, new ReadBuffer());
    }

    /**
     * As {@link #scan(SegmentFiles, Path, boolean)}, reading the file into {@code into}'s array
     * when it is large enough: the records found are valid until the next scan into it.
     */
    static Scan scan(SegmentFiles files, Path path, boolean last, ReadBuffer into) throws IOException {
        ByteBuffer buf;
        try (SegmentFile f = files.open(path)) {
            long size = f.size();
            if (size > Integer.MAX_VALUE) {
                throw new WalCorruptedException(path + " is larger than any segment written: " + size + " bytes");
            }
            buf = into.wrap((int) size);
            while (buf.hasRemaining() && f.read(buf, buf.position()) >= 0) {
                // read it all
            }
            buf.flip();
        }
        buf.order(ByteOrder.LITTLE_ENDIAN);
        List<Record> records = new ArrayList<>();
        long at = 0;
        while (true) {
            Record r = decode(buf, at);
            if (r == null) {
                break;
            }
            records.add(r);
            at += HEADER + 1 + r.length();
        }
        long writtenTo = lastNonZero(buf) + 1;
        if (writtenTo <= at) {
            return new Scan(records, at, at, null); // the rest is the preallocated zeros
        }
        String failure = failure(buf, (int) at);
        String damage;
        if (!last) {
            damage = failure + " in a segment that is not the last";
        } else if (validRecordAfter(buf, at)) {
            damage = failure + ", and valid records follow it";
        } else if (!torn(buf, (int) at, writtenTo)) {
            damage = failure + ", though it is complete: it was written whole and damaged since";
        } else {
            damage = null; // the last write was torn by a crash before it was synced
        }
        return new Scan(records, at, writtenTo, damage);
    }

    /** What is wrong with the record at {@code at}, which {@link #decode} refused. */
    private static String failure(ByteBuffer buf, int at) {
        int room = buf.limit() - at - HEADER;
        if (room < 1) {
            return "a record header cut off by the end of the file";
        }
        int length = buf.getInt(at);
        if (length == 0) {
            return "written bytes after a record length of zero";
        }
        if (length < 0 || length > room) {
            return "a record length of " + Integer.toUnsignedString(length) + " running past the end of the file";
        }
        return RecordType.ofCode(buf.get(at + HEADER)) == null && crcMatches(buf, at, length)
                ? "a record of unknown type " + buf.get(at + HEADER)
                : "a record of " + (HEADER + length) + " bytes whose CRC does not match";
    }

    /**
     * Whether the failed record at {@code at} is what a crash leaves of a write never synced:
     * cut short (the written bytes end inside it or its length runs past the file), or with a
     * sector the disk never wrote.
     */
    private static boolean torn(ByteBuffer buf, int at, long writtenTo) {
        int room = buf.limit() - at - HEADER;
        if (room < 1) {
            return true;
        }
        int length = buf.getInt(at);
        if (length == 0) {
            return true; // the header's sector was lost, a later one of the same write was not
        }
        if (length < 0 || length > room) {
            return true;
        }
        long end = (long) at + HEADER + length;
        if (end > writtenTo) {
            return true;
        }
        for (long from = at; from < end; from = (from / SECTOR + 1) * SECTOR) {
            long to = Math.min(end, (from / SECTOR + 1) * SECTOR);
            boolean zeros = true;
            for (long i = from; i < to && zeros; i++) {
                zeros = buf.get((int) i) == 0;
            }
            if (zeros) {
                return true;
            }
        }
        return false;
    }

    private static boolean crcMatches(ByteBuffer buf, int pos, int length) {
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), pos + HEADER, length);
        return (int) crc.getValue() == buf.getInt(pos + 4);
    }

    /** The record at {@code at}, or null when there is none (zeros) or its frame or checksum is wrong. */
    private static Record decode(ByteBuffer buf, long at) {
        int pos = (int) at;
        if (buf.limit() - pos < HEADER + 1) {
            return null;
        }
        int length = buf.getInt(pos);
        if (length < 1 || length > buf.limit() - pos - HEADER) {
            return null;
        }
        if (!crcMatches(buf, pos, length)) {
            return null;
        }
        RecordType type = RecordType.ofCode(buf.get(pos + HEADER));
        if (type == null) {
            return null;
        }
        return new Record(at, type, buf.array(), pos + HEADER + 1, length - 1);
    }

    /** Whether any offset after a failed record holds a valid one: then the failure is not a torn tail. */
    private static boolean validRecordAfter(ByteBuffer buf, long failed) {
        for (long at = failed + 1; at + HEADER < buf.limit(); at++) {
            if (buf.getInt((int) at) != 0 && decode(buf, at) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * The offset of the last non-zero byte, or -1. A segment is mostly preallocated zeros, so whole
     * blocks are compared with zeros first ({@code Arrays.mismatch} compares many bytes a step) and
     * only the block holding the last written byte is read byte by byte.
     */
    private static long lastNonZero(ByteBuffer buf) {
        byte[] bytes = buf.array();
        int end = buf.limit();
        while (end > 0) {
            int start = Math.max(0, end - ZERO_BLOCK.length);
            if (Arrays.mismatch(bytes, start, end, ZERO_BLOCK, 0, end - start) >= 0) {
                for (int i = end - 1; i >= start; i--) {
                    if (bytes[i] != 0) {
                        return i;
                    }
                }
            }
            end = start;
        }
        return -1;
    }
}
