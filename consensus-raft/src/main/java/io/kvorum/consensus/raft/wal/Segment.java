package io.kvorum.consensus.raft.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One WAL file, preallocated with zeros to its full size when created, so appends never change
 * the file's length and a sync has only data to write. Records are framed as
 * <pre>
 *   u32 length (of type + payload) | u32 CRC32C (of type + payload) | u8 type | payload
 * </pre>
 * little-endian; a zero length where the next record would start is the end of the written part.
 */
final class Segment implements AutoCloseable {
    static final int HEADER = 8;
    private static final int ZEROS = 1 << 20;

    /** A record read back, at its offset in the file. */
    record Record(long offset, RecordType type, byte[] payload) {
    }

    /**
     * What a scan found: the valid records, where the next one goes, and the end of the bytes a
     * torn write left after that ({@code end} when there are none).
     */
    record Scan(List<Record> records, long end, long tornTo) {
        boolean tornTail() {
            return tornTo > end;
        }
    }

    final Path path;
    final long sequence;
    private final FileChannel channel;
    private final long capacity;
    private long position;

    private Segment(Path path, long sequence, FileChannel channel, long capacity, long position) {
        this.path = path;
        this.sequence = sequence;
        this.channel = channel;
        this.capacity = capacity;
        this.position = position;
    }

    static String fileName(long sequence) {
        return String.format("%016x.wal", sequence);
    }

    /** Creates a segment of {@code capacity} zero bytes, synced, so it exists whole before records go in. */
    static Segment create(Path dir, long sequence, long capacity) throws IOException {
        Path path = dir.resolve(fileName(sequence));
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(ZEROS, capacity));
        for (long at = 0; at < capacity; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), capacity - at));
            at += ch.write(zeros, at);
        }
        ch.force(true);
        return new Segment(path, sequence, ch, capacity, 0);
    }

    /** Opens an existing segment for appending at {@code position} (found by a scan). */
    static Segment openForAppend(Path path, long sequence, long position) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new Segment(path, sequence, ch, ch.size(), position);
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
            position += channel.write(framed, position);
        }
    }

    /** fdatasync: the file's length never changes, so data is all there is to sync. */
    void sync() throws IOException {
        channel.force(false);
    }

    /** Zeroes [from, to) and syncs: a torn tail is wiped before anything is written after it. */
    void wipe(long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZEROS, Math.max(0, to - from)));
        for (long at = from; at < to; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - at));
            at += channel.write(zeros, at);
        }
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /**
     * Reads the records of a segment file. A record that fails its check ends the scan: in the
     * last segment it is a torn tail when no valid record follows it (the crash interrupted the
     * last, unsynced write); anywhere else it is corruption.
     */
    static Scan scan(Path path, boolean last) throws IOException {
        ByteBuffer buf;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE) {
                throw new WalCorruptedException(path + " is larger than any segment written: " + ch.size() + " bytes");
            }
            buf = ByteBuffer.allocate((int) ch.size());
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
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
            at += HEADER + 1 + r.payload().length;
        }
        long dirtyTo = lastNonZero(buf) + 1;
        if (dirtyTo <= at) {
            return new Scan(records, at, at); // the rest is the preallocated zeros
        }
        if (validRecordAfter(buf, at)) {
            throw new WalCorruptedException(path + ": the record at offset " + at + " fails its check but valid records "
                    + "follow it");
        }
        if (!last) {
            throw new WalCorruptedException(path + ": the record at offset " + at + " fails its check in a segment that "
                    + "is not the last");
        }
        return new Scan(records, at, dirtyTo); // the last write was torn by a crash before it was synced
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
        int stored = buf.getInt(pos + 4);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), pos + HEADER, length);
        if ((int) crc.getValue() != stored) {
            return null;
        }
        RecordType type = RecordType.ofCode(buf.get(pos + HEADER));
        if (type == null) {
            return null;
        }
        byte[] payload = new byte[length - 1];
        System.arraycopy(buf.array(), pos + HEADER + 1, payload, 0, payload.length);
        return new Record(at, type, payload);
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

    private static long lastNonZero(ByteBuffer buf) {
        for (int i = buf.limit() - 1; i >= 0; i--) {
            if (buf.get(i) != 0) {
                return i;
            }
        }
        return -1;
    }
}
