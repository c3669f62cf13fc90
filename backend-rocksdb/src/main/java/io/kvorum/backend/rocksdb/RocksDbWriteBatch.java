package io.kvorum.backend.rocksdb;

import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.WriteBatch;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;

/**
 * Changes gathered in a native RocksDB write batch, against the catalog that was current when the
 * batch was started (it keeps that catalog's column families open until it is closed).
 *
 * <p>Built by one thread, the apply loop. {@link RocksDbBackend#commit} consumes it: afterwards it
 * is closed whether the commit succeeded or not, and closing it again does nothing.
 */
final class RocksDbWriteBatch implements WriteBatch {
    private final RocksDbBackend backend;
    private final Catalog catalog;
    private final org.rocksdb.WriteBatch changes = new org.rocksdb.WriteBatch();
    private int size;
    private boolean closed;

    /** Takes over one reference to {@code catalog}, released on close. */
    RocksDbWriteBatch(RocksDbBackend backend, Catalog catalog) {
        this.backend = backend;
        this.catalog = catalog;
    }

    @Override
    public void put(Bucket bucket, byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        ColumnFamilyHandle family = familyOf(bucket);
        try {
            changes.put(family, key, value);
        } catch (RocksDBException e) {
            throw new UncheckedIOException(RocksDbBackend.failure("add a put to a batch", e));
        }
        size++;
    }

    @Override
    public void delete(Bucket bucket, byte[] key) {
        Objects.requireNonNull(key, "key");
        ColumnFamilyHandle family = familyOf(bucket);
        try {
            changes.delete(family, key);
        } catch (RocksDBException e) {
            throw new UncheckedIOException(RocksDbBackend.failure("add a delete to a batch", e));
        }
        size++;
    }

    /** {@code to} is required: RocksDB has no open-ended range deletion. */
    @Override
    public void deleteRange(Bucket bucket, byte[] from, byte[] to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to (deleteRange needs an upper bound)");
        ColumnFamilyHandle family = familyOf(bucket);
        // RocksDB would fail the whole batch on a reversed range; an empty one deletes nothing anyway
        if (Arrays.compareUnsigned(from, to) < 0) {
            try {
                changes.deleteRange(family, from, to);
            } catch (RocksDBException e) {
                throw new UncheckedIOException(RocksDbBackend.failure("add a range delete to a batch", e));
            }
        }
        size++;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            changes.close();
            catalog.release();
        }
    }

    Catalog catalog() {
        return catalog;
    }

    boolean belongsTo(RocksDbBackend backend) {
        return this.backend == backend;
    }

    /** The native batch, for the backend to write; throws if this batch was already used up. */
    org.rocksdb.WriteBatch changes() {
        checkOpen();
        return changes;
    }

    private ColumnFamilyHandle familyOf(Bucket bucket) {
        Objects.requireNonNull(bucket, "bucket");
        checkOpen();
        return backend.familyForWrite(catalog, bucket);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("write batch is already committed or closed");
        }
    }
}
