package io.kvorum.tck.backend;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendSnapshot;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * A backend in the heap, to show the TCK what a correct backend looks like and what each
 * {@link Defect} looks like. Every state is an immutable map of sorted maps, replaced whole by
 * each commit, so a view is the state it was opened on. "Disk" is a map from directory to the
 * state left at close, kept for the life of the JVM; nothing survives the process.
 */
final class InMemoryBackend implements Backend {

    /** One way to break the SPI's contract. */
    enum Defect {
        NONE,
        /** Compares keys as signed bytes: 0x80..0xff sort before 0x00. */
        SIGNED_ORDER,
        /** Leaves the state before the last commit on "disk" at close: a lost batch. */
        LOSES_LAST_BATCH,
        /** Publishes each change of a batch as it applies it: readers see half batches. */
        TORN_BATCHES,
        /** Views read the live state instead of the one they were opened on. */
        VIEWS_FOLLOW_COMMITS,
        /** Opened snapshots write the state of the moment they are written, not of their opening. */
        SNAPSHOTS_FOLLOW_COMMITS
    }

    /** A provider of in-memory backends with one defect. */
    static BackendProvider provider(Defect defect) {
        return new BackendProvider() {
            @Override
            public String name() {
                return "in-memory-" + defect.name().toLowerCase();
            }

            @Override
            public Backend open(BackendContext context) {
                return new InMemoryBackend(context.directory(), defect);
            }
        };
    }

    private static final Map<Path, State> DISK = new ConcurrentHashMap<>();
    private static final int MAGIC = 0x4d454d31;

    /** An immutable state: bucket to an unmodifiable sorted map. */
    private record State(Map<Bucket, NavigableMap<byte[], byte[]>> buckets) {
        NavigableMap<byte[], byte[]> bucket(Bucket bucket, Comparator<byte[]> order) {
            return buckets.getOrDefault(bucket, new TreeMap<>(order));
        }
    }

    private final Path directory;
    private final Defect defect;
    private final Comparator<byte[]> order;
    private volatile State current;
    private State beforeLastCommit;

    private InMemoryBackend(Path directory, Defect defect) {
        this.directory = directory;
        this.defect = defect;
        this.order = defect == Defect.SIGNED_ORDER ? Arrays::compare : Arrays::compareUnsigned;
        this.current = DISK.getOrDefault(directory, new State(Map.of()));
        this.beforeLastCommit = current;
    }

    private record Change(Bucket bucket, byte[] key, byte[] to, byte[] value) {}

    private static final class Batch implements WriteBatch {
        private final List<Change> changes = new ArrayList<>();
        private boolean closed;

        @Override
        public void put(Bucket bucket, byte[] key, byte[] value) {
            add(new Change(bucket, key, null, value));
        }

        @Override
        public void delete(Bucket bucket, byte[] key) {
            add(new Change(bucket, key, null, null));
        }

        @Override
        public void deleteRange(Bucket bucket, byte[] from, byte[] to) {
            add(new Change(bucket, from, to, null));
        }

        private void add(Change change) {
            if (closed) {
                throw new IllegalStateException("batch is used up");
            }
            changes.add(change);
        }

        @Override
        public int size() {
            return changes.size();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Override
    public WriteBatch newBatch() {
        return new Batch();
    }

    @Override
    public void commit(WriteBatch batch, boolean durable) {
        Batch changes = (Batch) batch;
        if (changes.closed) {
            throw new IllegalStateException("batch is used up");
        }
        changes.closed = true;
        beforeLastCommit = current;
        Map<Bucket, NavigableMap<byte[], byte[]>> next = new HashMap<>(current.buckets());
        // each bucket is copied once per commit, or once per change when every change is published
        Map<Bucket, NavigableMap<byte[], byte[]>> copied = new HashMap<>();
        for (Change change : changes.changes) {
            NavigableMap<byte[], byte[]> bucket = copied.computeIfAbsent(change.bucket(), b -> {
                NavigableMap<byte[], byte[]> copy = new TreeMap<>(order);
                copy.putAll(next.getOrDefault(b, copy));
                return copy;
            });
            if (change.to() != null) {
                if (order.compare(change.key(), change.to()) < 0) {
                    bucket.subMap(change.key(), change.to()).clear();
                }
            } else if (change.value() != null) {
                bucket.put(change.key(), change.value());
            } else {
                bucket.remove(change.key());
            }
            next.put(change.bucket(), bucket);
            if (defect == Defect.TORN_BATCHES) {
                current = new State(Map.copyOf(next));
                copied.clear();
                // hold the half batch out long enough for a reader to open a view on it, however
                // the threads are scheduled (a yield alone let a run pass on a quiet machine)
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        }
        current = new State(Map.copyOf(next));
    }

    @Override
    public ReadView readView() {
        State at = current;
        return new ReadView() {
            private State state() {
                return defect == Defect.VIEWS_FOLLOW_COMMITS ? current : at;
            }

            @Override
            public Optional<byte[]> get(Bucket bucket, byte[] key) {
                return Optional.ofNullable(state().bucket(bucket, order).get(key)).map(byte[]::clone);
            }

            @Override
            public void scan(Bucket bucket, byte[] from, byte[] to, boolean reverse, long limit, EntryVisitor visitor) {
                NavigableMap<byte[], byte[]> all = state().bucket(bucket, order);
                if (to != null && order.compare(from, to) >= 0) {
                    return;
                }
                NavigableMap<byte[], byte[]> range = to == null ? all.tailMap(from, true) : all.subMap(from, true, to, false);
                long visited = 0;
                for (Map.Entry<byte[], byte[]> entry : (reverse ? range.descendingMap() : range).entrySet()) {
                    if (!visitor.visit(entry.getKey().clone(), entry.getValue().clone())) {
                        return;
                    }
                    if (limit > 0 && ++visited >= limit) {
                        return;
                    }
                }
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public long size() {
        return sizeInUse();
    }

    @Override
    public long sizeInUse() {
        long bytes = 0;
        for (NavigableMap<byte[], byte[]> bucket : current.buckets().values()) {
            for (Map.Entry<byte[], byte[]> entry : bucket.entrySet()) {
                bytes += entry.getKey().length + entry.getValue().length;
            }
        }
        return bytes;
    }

    @Override
    public void defragment() {}

    @Override
    public void snapshot(OutputStream out) throws IOException {
        write(current, out);
    }

    @Override
    public BackendSnapshot openSnapshot() {
        State opened = current;
        return new BackendSnapshot() {
            private volatile boolean closed;

            @Override
            public void writeTo(OutputStream out) throws IOException {
                if (closed) {
                    throw new IllegalStateException("snapshot is closed");
                }
                write(defect == Defect.SNAPSHOTS_FOLLOW_COMMITS ? current : opened, out);
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    private static void write(State at, OutputStream out) throws IOException {
        CRC32 checksum = new CRC32();
        DataOutputStream image = new DataOutputStream(new CheckedOutputStream(out, checksum));
        image.writeInt(MAGIC);
        image.writeInt(at.buckets().size());
        for (Map.Entry<Bucket, NavigableMap<byte[], byte[]>> bucket : at.buckets().entrySet()) {
            image.writeUTF(bucket.getKey().name());
            image.writeInt(bucket.getValue().size());
            for (Map.Entry<byte[], byte[]> entry : bucket.getValue().entrySet()) {
                writeBlock(image, entry.getKey());
                writeBlock(image, entry.getValue());
            }
        }
        image.flush();
        image.writeLong(checksum.getValue());
        image.flush();
    }

    @Override
    public void restore(InputStream in) throws IOException {
        CRC32 checksum = new CRC32();
        DataInputStream image = new DataInputStream(new CheckedInputStream(in, checksum));
        try {
            if (image.readInt() != MAGIC) {
                throw new IOException("not an image");
            }
            Map<Bucket, NavigableMap<byte[], byte[]>> buckets = new HashMap<>();
            for (int b = image.readInt(); b > 0; b--) {
                NavigableMap<byte[], byte[]> bucket = new TreeMap<>(order);
                Bucket name = new Bucket(image.readUTF());
                for (int e = image.readInt(); e > 0; e--) {
                    bucket.put(readBlock(image), readBlock(image));
                }
                buckets.put(name, bucket);
            }
            long expected = checksum.getValue();
            if (image.readLong() != expected) {
                throw new IOException("checksum mismatch");
            }
            current = new State(Map.copyOf(buckets));
        } catch (EOFException | IllegalArgumentException e) {
            throw new IOException("damaged image", e);
        }
    }

    private static void writeBlock(DataOutputStream out, byte[] block) throws IOException {
        out.writeInt(block.length);
        out.write(block);
    }

    private static byte[] readBlock(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > 1 << 24) {
            throw new IOException("damaged image");
        }
        return in.readNBytes(length);
    }

    @Override
    public void close() {
        DISK.put(directory, defect == Defect.LOSES_LAST_BATCH ? beforeLastCommit : current);
    }
}
