package io.kvorum.backend.sqlite;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.kvorum.spi.backend.Bucket;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The image {@link SqliteBackend#snapshot} writes and {@link SqliteBackend#restore} reads:
 *
 * <pre>
 * image   = magic "KVRMSQLT", version u32 = 1, bucket*, trailer
 * bucket  = 'B', name length u32, name (ASCII), entry*
 * entry   = 'E', key length u32, key, value length u32, value
 * trailer = 'T', entry count u64, CRC32C u32 of every byte before it
 * </pre>
 *
 * Integers are big-endian. Each bucket appears once, its entries in key order. The layout is the
 * rocksdb backend's under another magic (plugins share no code); nothing in it is SQLite's own, so
 * the file format, page size or SQLite version of the writer do not matter to the reader. The
 * reader buffers its input, so it may consume bytes that follow the trailer.
 */
final class SnapshotFormat {
    static final int VERSION = 1;

    private static final byte[] MAGIC = "KVRMSQLT".getBytes(US_ASCII);
    private static final int BUCKET = 'B';
    private static final int ENTRY = 'E';
    private static final int TRAILER = 'T';
    private static final int BUFFER_BYTES = 64 << 10;

    private SnapshotFormat() {}

    /** Receives an image as it is read; the trailer is checked only after the last entry. */
    interface Sink {
        void bucket(Bucket bucket) throws IOException;

        void entry(byte[] key, byte[] value) throws IOException;
    }

    /** Writes one image to a stream it does not close. Call {@link #finish()} once at the end. */
    static final class Writer {
        private final CRC32C checksum = new CRC32C();
        private final DataOutputStream out;
        private long entries;

        Writer(OutputStream target) throws IOException {
            out = new DataOutputStream(
                    new BufferedOutputStream(new CheckedOutputStream(target, checksum), BUFFER_BYTES));
            out.write(MAGIC);
            out.writeInt(VERSION);
        }

        void bucket(Bucket bucket) throws IOException {
            out.writeByte(BUCKET);
            writeBlock(bucket.name().getBytes(US_ASCII));
        }

        void entry(byte[] key, byte[] value) throws IOException {
            out.writeByte(ENTRY);
            writeBlock(key);
            writeBlock(value);
            entries++;
        }

        void finish() throws IOException {
            out.writeByte(TRAILER);
            out.writeLong(entries);
            out.flush();
            // the checksum covers what went out before it; writing it updates the sum harmlessly
            out.writeInt((int) checksum.getValue());
            out.flush();
        }

        private void writeBlock(byte[] bytes) throws IOException {
            out.writeInt(bytes.length);
            out.write(bytes);
        }
    }

    /**
     * Reads one image into {@code sink}, then checks its trailer.
     *
     * @throws IOException when the image is not one, is of another version, is cut short or does
     *                     not match its checksum; the sink has then seen part or all of it and must
     *                     discard what it got
     */
    static void read(InputStream source, Sink sink) throws IOException {
        CRC32C checksum = new CRC32C();
        DataInputStream in = new DataInputStream(
                new CheckedInputStream(new BufferedInputStream(source, BUFFER_BYTES), checksum));
        try {
            if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC)) {
                throw corrupt("it does not start like a kvorum sqlite snapshot");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException("snapshot version " + version + " is not supported; this backend reads "
                        + VERSION);
            }
            Set<Bucket> seen = new HashSet<>();
            long entries = 0;
            while (true) {
                int tag = in.read();
                switch (tag) {
                    case BUCKET -> {
                        Bucket bucket = readBucket(in);
                        if (!seen.add(bucket)) {
                            throw corrupt("bucket " + bucket.name() + " appears twice");
                        }
                        sink.bucket(bucket);
                    }
                    case ENTRY -> {
                        if (seen.isEmpty()) {
                            throw corrupt("an entry comes before any bucket");
                        }
                        sink.entry(readBlock(in), readBlock(in));
                        entries++;
                    }
                    case TRAILER -> {
                        long count = in.readLong();
                        int expected = (int) checksum.getValue();
                        if (in.readInt() != expected) {
                            throw corrupt("checksum mismatch");
                        }
                        if (count != entries) {
                            throw corrupt("trailer counts " + count + " entries, image holds " + entries);
                        }
                        return;
                    }
                    case -1 -> throw new EOFException();
                    default -> throw corrupt("unknown record tag " + tag);
                }
            }
        } catch (EOFException e) {
            throw corrupt("it ends before its trailer");
        }
    }

    private static Bucket readBucket(DataInputStream in) throws IOException {
        String name = new String(readBlock(in), US_ASCII);
        try {
            return new Bucket(name);
        } catch (IllegalArgumentException e) {
            throw corrupt("invalid bucket name");
        }
    }

    /** Allocates as bytes arrive, so a damaged length costs an error, not the heap. */
    private static byte[] readBlock(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            throw corrupt("negative length " + length);
        }
        byte[] block = in.readNBytes(length);
        if (block.length != length) {
            throw new EOFException();
        }
        return block;
    }

    private static IOException corrupt(String why) {
        return new IOException("corrupt snapshot image: " + why);
    }
}
