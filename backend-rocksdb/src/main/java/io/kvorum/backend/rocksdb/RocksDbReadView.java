package io.kvorum.backend.rocksdb;

import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;

/**
 * A RocksDB snapshot and the catalog that was current when it was taken.
 *
 * <p>Any number of threads may read through one view at once. Each read counts itself in, so
 * {@link #close()} (or the backend's) only stops new reads; the snapshot is released when the last
 * running one finishes.
 */
final class RocksDbReadView implements ReadView {
    /** Sequential reads of a whole bucket (or most of one) fetch ahead instead of block by block. */
    private static final long COPY_READAHEAD_BYTES = 2L << 20;

    private final RocksDbBackend backend;
    private final RocksDB db;
    private final Catalog catalog;
    private final Snapshot snapshot;
    /** Read-only once built, so the threads reading through this view share it. */
    private final ReadOptions atSnapshot;
    private final ReferenceCount readers = new ReferenceCount(this::free);

    /** Takes over one reference to {@code catalog} and to the backend, released when freed. */
    RocksDbReadView(RocksDbBackend backend, RocksDB db, Catalog catalog, Snapshot snapshot) {
        this.backend = backend;
        this.db = db;
        this.catalog = catalog;
        this.snapshot = snapshot;
        this.atSnapshot = new ReadOptions().setSnapshot(snapshot);
    }

    @Override
    public Optional<byte[]> get(Bucket bucket, byte[] key) {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        enter();
        try {
            ColumnFamilyHandle family = catalog.find(bucket);
            if (family == null) {
                return Optional.empty();
            }
            return Optional.ofNullable(db.get(family, atSnapshot, key));
        } catch (RocksDBException e) {
            throw new UncheckedIOException(RocksDbBackend.failure("read from bucket " + bucket.name(), e));
        } finally {
            readers.release();
        }
    }

    @Override
    public void scan(Bucket bucket, byte[] from, byte[] to, boolean reverse, long limit, EntryVisitor visitor) {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(visitor, "visitor");
        if (to != null && Arrays.compareUnsigned(from, to) >= 0) {
            return;
        }
        enter();
        try {
            ColumnFamilyHandle family = catalog.find(bucket);
            if (family != null) {
                scan(family, from, to, reverse, limit, visitor);
            }
        } catch (RocksDBException e) {
            throw new UncheckedIOException(RocksDbBackend.failure("scan bucket " + bucket.name(), e));
        } finally {
            readers.release();
        }
    }

    private void scan(ColumnFamilyHandle family, byte[] from, byte[] to, boolean reverse, long limit,
            EntryVisitor visitor) throws RocksDBException {
        // the bounds go to RocksDB, so that it stops at them even across range deletions
        try (ReadOptions bounded = new ReadOptions(atSnapshot);
                Slice lower = new Slice(from);
                Slice upper = to == null ? null : new Slice(to)) {
            if (!reverse && limit <= 0 && from.length == 0) {
                // A forward scan from a bucket's first key with no limit reads the bucket through
                // (the key index rebuilt at open, a snapshot, a hash): fetching ahead saves a read
                // per block, and its blocks would only push out of the cache the ones that serve
                // reads, and swell the cache to its full size at every restart.
                bounded.setFillCache(false).setReadaheadSize(COPY_READAHEAD_BYTES);
            }
            bounded.setIterateLowerBound(lower);
            if (upper != null) {
                bounded.setIterateUpperBound(upper);
            }
            try (RocksIterator entries = db.newIterator(family, bounded)) {
                // with bounds set, these land on the first key >= from and the last key < to
                if (reverse) {
                    entries.seekToLast();
                } else {
                    entries.seekToFirst();
                }
                long visited = 0;
                while (entries.isValid()) {
                    if (!visitor.visit(entries.key(), entries.value())) {
                        return;
                    }
                    if (limit > 0 && ++visited >= limit) {
                        return;
                    }
                    if (reverse) {
                        entries.prev();
                    } else {
                        entries.next();
                    }
                }
                entries.status();
            }
        }
    }

    /** Writes every bucket of this view to {@code image}, without filling the block cache. */
    void copyTo(SnapshotFormat.Writer image) throws IOException {
        enter();
        try {
            try (ReadOptions sequential = new ReadOptions(atSnapshot)
                    .setFillCache(false)
                    .setReadaheadSize(COPY_READAHEAD_BYTES)) {
                for (Map.Entry<Bucket, Catalog.Family> bucket : catalog.byName()) {
                    image.bucket(bucket.getKey());
                    try (RocksIterator entries = db.newIterator(bucket.getValue().handle(), sequential)) {
                        for (entries.seekToFirst(); entries.isValid(); entries.next()) {
                            image.entry(entries.key(), entries.value());
                        }
                        entries.status();
                    }
                }
            }
        } catch (RocksDBException e) {
            throw RocksDbBackend.failure("copy a snapshot", e);
        } finally {
            readers.release();
        }
    }

    /** Idempotent; a read still running on another thread finishes first. */
    @Override
    public void close() {
        readers.close();
    }

    private void enter() {
        if (!readers.tryRetain()) {
            throw new IllegalStateException("read view is closed");
        }
    }

    private void free() {
        atSnapshot.close();
        db.releaseSnapshot(snapshot);
        catalog.release();
        backend.viewFreed(this);
    }
}
