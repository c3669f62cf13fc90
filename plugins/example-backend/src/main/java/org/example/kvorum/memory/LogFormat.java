package org.example.kvorum.memory;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.kvorum.spi.backend.Bucket;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32;

/**
 * The bytes on disk and in snapshot images.
 *
 * <p>A log is {@link #LOG_MAGIC} followed by frames, one per commit. A frame is
 * {@code [int length][int crc32 of the payload][payload]}; a payload is a list of changes, each
 * {@code [byte op][short bucket-name length][bucket name][int length][key]} and then, for a put,
 * {@code [int length][value]}, for a range delete {@code [int length][to]}. A frame that is cut
 * short or fails its checksum is where a crash interrupted a write: the log ends before it.
 *
 * <p>An image is {@link #IMAGE_MAGIC}, frames of puts, and a terminator {@code [int -1][int frame count]}:
 * an image with anything damaged, missing or added is refused whole.
 */
final class LogFormat {
    static final byte[] LOG_MAGIC = "KVMEMLOG".getBytes(US_ASCII);
    static final byte[] IMAGE_MAGIC = "KVMEMIMG".getBytes(US_ASCII);
    static final int FRAME_HEADER_BYTES = 8;
    /** Puts per image or compacted-log frame stop growing past this many payload bytes. */
    private static final int CHUNK_BYTES = 1 << 20;
    private static final int END = -1;
    private static final byte PUT = 1;
    private static final byte DELETE = 2;
    private static final byte DELETE_RANGE = 3;

    private LogFormat() {
    }

    /** One commit as a frame, header included. */
    static ByteBuffer frame(List<Change> changes) {
        byte[] payload = encode(changes);
        CRC32 crc = new CRC32();
        crc.update(payload);
        return ByteBuffer.allocate(FRAME_HEADER_BYTES + payload.length)
                .putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
    }

    /** The payload of a frame; {@code null} when its checksum does not match. */
    static byte[] checkedPayload(int crc, byte[] payload) {
        CRC32 actual = new CRC32();
        actual.update(payload);
        return (int) actual.getValue() == crc ? payload : null;
    }

    /** Writes {@code magic}, then every entry of {@code contents} as frames of puts, buckets and keys in order. */
    static int writeEntries(Contents contents, byte[] magic, OutputStream out) throws IOException {
        out.write(magic);
        int frames = 0;
        List<Change> chunk = new ArrayList<>();
        long chunkBytes = 0;
        for (String name : new TreeSet<>(contents.buckets().keySet())) {
            Bucket bucket = new Bucket(name);
            for (Map.Entry<byte[], byte[]> entry : contents.buckets().get(name).entrySet()) {
                chunk.add(new Change.Put(bucket, entry.getKey(), entry.getValue()));
                chunkBytes += entry.getKey().length + entry.getValue().length;
                if (chunkBytes >= CHUNK_BYTES) {
                    writeFrame(chunk, out);
                    frames++;
                    chunk.clear();
                    chunkBytes = 0;
                }
            }
        }
        if (!chunk.isEmpty()) {
            writeFrame(chunk, out);
            frames++;
        }
        return frames;
    }

    /** A full image of {@code contents}, as {@link io.kvorum.spi.backend.Backend#snapshot} writes it. */
    static void writeImage(Contents contents, OutputStream out) throws IOException {
        int frames = writeEntries(contents, IMAGE_MAGIC, out);
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(END);
        data.writeInt(frames);
        data.flush();
    }

    /**
     * Reads a whole image.
     *
     * @throws IOException when it is not an image of this backend, or damaged, cut short or extended
     */
    static Contents readImage(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] magic = new byte[IMAGE_MAGIC.length];
        try {
            data.readFully(magic);
        } catch (EOFException e) {
            throw new IOException("not a memory backend image: too short", e);
        }
        if (!Arrays.equals(magic, IMAGE_MAGIC)) {
            throw new IOException("not a memory backend image");
        }
        Map<String, TreeMap<byte[], byte[]>> buckets = new HashMap<>();
        int frames = 0;
        try {
            while (true) {
                int length = data.readInt();
                int crc = data.readInt();
                if (length == END) {
                    if (crc != frames) {
                        throw new IOException("damaged memory backend image: " + crc + " frames announced, "
                                + frames + " read");
                    }
                    break;
                }
                if (length < 0) {
                    throw new IOException("damaged memory backend image: frame length " + length);
                }
                byte[] payload = data.readNBytes(length);
                if (payload.length < length || checkedPayload(crc, payload) == null) {
                    throw new IOException("damaged memory backend image: frame " + (frames + 1) + " is cut or corrupt");
                }
                for (Change change : decode(payload)) {
                    if (!(change instanceof Change.Put)) {
                        throw new IOException("damaged memory backend image: it holds a delete");
                    }
                    Contents.applyTo(buckets.computeIfAbsent(change.bucket().name(), n -> Contents.newBucket()), change);
                }
                frames++;
            }
        } catch (EOFException e) {
            throw new IOException("damaged memory backend image: cut short after " + frames + " frames", e);
        }
        if (data.read() != -1) {
            throw new IOException("damaged memory backend image: bytes after its end");
        }
        return Contents.of(buckets);
    }

    private static void writeFrame(List<Change> changes, OutputStream out) throws IOException {
        ByteBuffer frame = frame(changes);
        out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
    }

    private static byte[] encode(List<Change> changes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            for (Change change : changes) {
                byte[] name = change.bucket().name().getBytes(US_ASCII);
                if (change instanceof Change.Put put) {
                    writeOp(out, PUT, name, put.key());
                    writeBytes(out, put.value());
                } else if (change instanceof Change.Delete delete) {
                    writeOp(out, DELETE, name, delete.key());
                } else {
                    Change.DeleteRange range = (Change.DeleteRange) change;
                    writeOp(out, DELETE_RANGE, name, range.from());
                    writeBytes(out, range.to());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static void writeOp(DataOutputStream out, byte op, byte[] bucketName, byte[] key) throws IOException {
        out.writeByte(op);
        out.writeShort(bucketName.length);
        out.write(bucketName);
        writeBytes(out, key);
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /** The changes of a payload whose checksum matched. */
    static List<Change> decode(byte[] payload) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(payload);
        List<Change> changes = new ArrayList<>();
        try {
            while (in.hasRemaining()) {
                byte op = in.get();
                byte[] name = new byte[Short.toUnsignedInt(in.getShort())];
                in.get(name);
                Bucket bucket = new Bucket(new String(name, US_ASCII));
                byte[] key = readBytes(in);
                changes.add(switch (op) {
                    case PUT -> new Change.Put(bucket, key, readBytes(in));
                    case DELETE -> new Change.Delete(bucket, key);
                    case DELETE_RANGE -> new Change.DeleteRange(bucket, key, readBytes(in));
                    default -> throw new IOException("unknown change " + op);
                });
            }
        } catch (RuntimeException e) {
            // A buffer underflow, a negative length, a bad bucket name: a payload this code did not write.
            throw new IOException("malformed change list: " + e, e);
        }
        return changes;
    }

    private static byte[] readBytes(ByteBuffer in) {
        byte[] bytes = new byte[in.getInt()];
        in.get(bytes);
        return bytes;
    }
}
