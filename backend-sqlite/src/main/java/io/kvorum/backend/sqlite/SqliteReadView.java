package io.kvorum.backend.sqlite;

import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A read transaction on a reader connection of its own, begun when the view is opened.
 *
 * <p>Any number of threads may read through one view; since a SQLite snapshot belongs to one
 * connection, their reads take turns on it ({@link #lock}). Views do not wait for each other, nor
 * for commits. The lock is reentrant, so a scan's visitor may read through the same view.
 * {@link #close()} waits for a read running on another thread to finish, then ends the
 * transaction and hands the connection back to the pool.
 */
final class SqliteReadView implements ReadView {
    private final SqliteBackend backend;
    private final Reader reader;
    private final ReentrantLock lock = new ReentrantLock();
    /** Scans in progress on this view, counting those started from a visitor. Guarded by {@link #lock}. */
    private int scans;
    /** Guarded by {@link #lock}. */
    private boolean closed;

    /** Takes over {@code reader}, whose read transaction is already open. */
    SqliteReadView(SqliteBackend backend, Reader reader) {
        this.backend = backend;
        this.reader = reader;
    }

    @Override
    public Optional<byte[]> get(Bucket bucket, byte[] key) {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        lock.lock();
        try {
            checkOpen();
            Long id = backend.bucketId(bucket);
            return id == null ? Optional.empty() : Optional.ofNullable(reader.get(id, key));
        } catch (SQLException e) {
            throw new UncheckedIOException(SqliteBackend.failure("read from bucket " + bucket.name(), e));
        } finally {
            lock.unlock();
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
        lock.lock();
        try {
            checkOpen();
            Long id = backend.bucketId(bucket);
            if (id != null) {
                scans++;
                try {
                    reader.scan(id, from, to, reverse, limit, visitor, scans > 1);
                } finally {
                    scans--;
                }
            }
        } catch (SQLException e) {
            throw new UncheckedIOException(SqliteBackend.failure("scan bucket " + bucket.name(), e));
        } finally {
            lock.unlock();
        }
    }

    /** Writes every bucket of this view to {@code image}. */
    void copyTo(SnapshotFormat.Writer image) throws IOException {
        lock.lock();
        try {
            checkOpen();
            reader.copyTo(image);
        } catch (SQLException e) {
            throw SqliteBackend.failure("copy a snapshot", e);
        } finally {
            lock.unlock();
        }
    }

    /** Idempotent; a read still running on another thread finishes first. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            backend.viewClosed(this, reader);
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("read view is closed");
        }
    }
}
