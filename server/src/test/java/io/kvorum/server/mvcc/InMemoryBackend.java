package io.kvorum.server.mvcc;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendSnapshot;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * A backend in memory for tests. Every commit publishes a new immutable state, so a read view is
 * just the state of its moment. It fails a test that commits from two threads at once, can be told
 * to fail chosen commits (a crash at that point), and copies its committed state to "restart".
 */
public final class InMemoryBackend implements Backend {

    /** One operation of a batch; {@code to} is set for a range delete. */
    public record Op(Bucket bucket, byte[] key, byte[] to, byte[] value, boolean delete) {
    }

    private volatile Map<Bucket, NavigableMap<byte[], byte[]>> state;
    private final AtomicBoolean committing = new AtomicBoolean();
    private final AtomicInteger openViews = new AtomicInteger();
    private final AtomicInteger openSnapshots = new AtomicInteger();
    private volatile Predicate<List<Op>> failWhen = ops -> false;
    private volatile boolean failing;
    private volatile boolean readsFail;

    public InMemoryBackend() {
        this(Map.of());
    }

    private InMemoryBackend(Map<Bucket, NavigableMap<byte[], byte[]>> state) {
        this.state = state;
    }

    /** From now on, a commit whose operations match fails, and so does every later one (a crash). */
    public void crashWhen(Predicate<List<Op>> condition) {
        failWhen = condition;
    }

    /** While set, every read through a view fails, as a disk that cannot be read would make it. */
    public void failReads(boolean fail) {
        readsFail = fail;
    }

    /** What a process restarted on this backend's files would find: everything committed. */
    public InMemoryBackend restart() {
        return new InMemoryBackend(state);
    }

    int openViews() {
        return openViews.get();
    }

    /** The committed entries of a bucket, in key order. */
    public NavigableMap<byte[], byte[]> entries(Bucket bucket) {
        return state.getOrDefault(bucket, emptyBucket());
    }

    private static NavigableMap<byte[], byte[]> emptyBucket() {
        return new TreeMap<>(Arrays::compareUnsigned);
    }

    @Override
    public WriteBatch newBatch() {
        return new Batch();
    }

    @Override
    public void commit(WriteBatch batch, boolean durable) throws IOException {
        if (!committing.compareAndSet(false, true)) {
            throw new IllegalStateException("two commits at once");
        }
        try {
            List<Op> ops = ((Batch) batch).ops;
            if (failing || failWhen.test(ops)) {
                failing = true;
                throw new IOException("simulated crash");
            }
            Map<Bucket, NavigableMap<byte[], byte[]>> next = new HashMap<>(state);
            for (Op op : ops) {
                NavigableMap<byte[], byte[]> bucket = next.get(op.bucket());
                if (bucket == null || bucket == state.get(op.bucket())) {
                    NavigableMap<byte[], byte[]> copy = emptyBucket();
                    if (bucket != null) {
                        copy.putAll(bucket);
                    }
                    next.put(op.bucket(), copy);
                    bucket = copy;
                }
                if (op.to() != null) {
                    bucket.subMap(op.key(), true, op.to(), false).clear();
                } else if (op.delete()) {
                    bucket.remove(op.key());
                } else {
                    bucket.put(op.key(), op.value());
                }
            }
            state = next;
        } finally {
            committing.set(false);
        }
    }

    @Override
    public ReadView readView() {
        openViews.incrementAndGet();
        return new View(state);
    }

    private final class View implements ReadView {
        private final Map<Bucket, NavigableMap<byte[], byte[]>> snapshot;
        private boolean closed;

        View(Map<Bucket, NavigableMap<byte[], byte[]>> snapshot) {
            this.snapshot = snapshot;
        }

        @Override
        public Optional<byte[]> get(Bucket bucket, byte[] key) {
            requireOpen();
            NavigableMap<byte[], byte[]> entries = snapshot.get(bucket);
            return Optional.ofNullable(entries == null ? null : entries.get(key)).map(byte[]::clone);
        }

        @Override
        public void scan(Bucket bucket, byte[] from, byte[] to, boolean reverse, long limit, EntryVisitor visitor) {
            requireOpen();
            NavigableMap<byte[], byte[]> entries = snapshot.getOrDefault(bucket, emptyBucket());
            NavigableMap<byte[], byte[]> range = to == null ? entries.tailMap(from, true) : entries.subMap(from, true, to, false);
            long visited = 0;
            for (Map.Entry<byte[], byte[]> entry : (reverse ? range.descendingMap() : range).entrySet()) {
                if (limit > 0 && visited == limit) {
                    return;
                }
                visited++;
                if (!visitor.visit(entry.getKey().clone(), entry.getValue().clone())) {
                    return;
                }
            }
        }

        private void requireOpen() {
            if (closed) {
                throw new IllegalStateException("view used after close");
            }
            if (readsFail) {
                throw new java.io.UncheckedIOException(new IOException("simulated read error"));
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                openViews.decrementAndGet();
            }
        }
    }

    private static final class Batch implements WriteBatch {
        final List<Op> ops = new ArrayList<>();

        @Override
        public void put(Bucket bucket, byte[] key, byte[] value) {
            ops.add(new Op(bucket, key, null, value, false));
        }

        @Override
        public void delete(Bucket bucket, byte[] key) {
            ops.add(new Op(bucket, key, null, null, true));
        }

        @Override
        public void deleteRange(Bucket bucket, byte[] from, byte[] to) {
            ops.add(new Op(bucket, from, to, null, true));
        }

        @Override
        public int size() {
            return ops.size();
        }

        @Override
        public void close() {
        }
    }

    @Override
    public long size() {
        return sizeInUse();
    }

    @Override
    public long sizeInUse() {
        return state.values().stream().flatMap(bucket -> bucket.entrySet().stream())
                .mapToLong(entry -> entry.getKey().length + entry.getValue().length).sum();
    }

    @Override
    public void defragment() {
    }

    @Override
    public void snapshot(OutputStream out) throws IOException {
        write(state, out);
    }

    /** The state of now, which no commit changes: holding it is the whole snapshot. */
    @Override
    public BackendSnapshot openSnapshot() {
        Map<Bucket, NavigableMap<byte[], byte[]>> opened = state;
        openSnapshots.incrementAndGet();
        return new BackendSnapshot() {
            private final AtomicBoolean closed = new AtomicBoolean();

            @Override
            public void writeTo(OutputStream out) throws IOException {
                if (closed.get()) {
                    throw new IllegalStateException("snapshot used after close");
                }
                write(opened, out);
            }

            @Override
            public void close() {
                if (closed.compareAndSet(false, true)) {
                    openSnapshots.decrementAndGet();
                }
            }
        };
    }

    /** Snapshots opened and not yet closed. */
    public int openSnapshots() {
        return openSnapshots.get();
    }

    /** Every bucket: its name, then its entries, each a length-prefixed key and value; then a CRC of it all. */
    private static void write(Map<Bucket, NavigableMap<byte[], byte[]>> image, OutputStream out) throws IOException {
        CRC32C crc = new CRC32C();
        java.io.DataOutputStream data = new java.io.DataOutputStream(new CheckedOutputStream(out, crc));
        data.writeInt(image.size());
        for (Map.Entry<Bucket, NavigableMap<byte[], byte[]>> bucket : image.entrySet()) {
            data.writeUTF(bucket.getKey().name());
            data.writeInt(bucket.getValue().size());
            for (Map.Entry<byte[], byte[]> e : bucket.getValue().entrySet()) {
                data.writeInt(e.getKey().length);
                data.write(e.getKey());
                data.writeInt(e.getValue().length);
                data.write(e.getValue());
            }
        }
        data.flush();
        new java.io.DataOutputStream(out).writeLong(crc.getValue());
    }

    @Override
    public void restore(InputStream in) throws IOException {
        CRC32C crc = new CRC32C();
        java.io.DataInputStream data = new java.io.DataInputStream(new CheckedInputStream(in, crc));
        Map<Bucket, NavigableMap<byte[], byte[]>> image = new HashMap<>();
        try {
            for (int buckets = data.readInt(); buckets > 0; buckets--) {
                NavigableMap<byte[], byte[]> entries = emptyBucket();
                image.put(new Bucket(data.readUTF()), entries);
                for (int n = data.readInt(); n > 0; n--) {
                    byte[] key = readBlock(data);
                    entries.put(key, readBlock(data));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("not an image", e);
        }
        long expected = crc.getValue();
        if (new java.io.DataInputStream(in).readLong() != expected) {
            throw new IOException("image checksum mismatch");
        }
        state = image;
    }

    private static byte[] readBlock(java.io.DataInputStream data) throws IOException {
        int length = data.readInt();
        byte[] block = data.readNBytes(Math.max(0, length));
        if (length < 0 || block.length < length) {
            throw new java.io.EOFException("image cut short");
        }
        return block;
    }

    @Override
    public void close() {
    }
}
