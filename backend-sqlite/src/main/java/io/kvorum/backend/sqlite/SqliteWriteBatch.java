package io.kvorum.backend.sqlite;

import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.WriteBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Changes gathered in memory, in order, until {@link SqliteBackend#commit} writes them in one
 * transaction. Built by one thread, the apply loop; once committed or closed it refuses more.
 */
final class SqliteWriteBatch implements WriteBatch {

    /** One change; {@code to} is set for range deletions only, {@code value} for puts only. */
    record Change(Kind kind, Bucket bucket, byte[] key, byte[] to, byte[] value) {}

    enum Kind { PUT, DELETE, DELETE_RANGE }

    private final SqliteBackend backend;
    private final List<Change> changes = new ArrayList<>();
    private boolean closed;

    SqliteWriteBatch(SqliteBackend backend) {
        this.backend = backend;
    }

    @Override
    public void put(Bucket bucket, byte[] key, byte[] value) {
        add(new Change(Kind.PUT, Objects.requireNonNull(bucket, "bucket"), Objects.requireNonNull(key, "key"),
                null, Objects.requireNonNull(value, "value")));
    }

    @Override
    public void delete(Bucket bucket, byte[] key) {
        add(new Change(Kind.DELETE, Objects.requireNonNull(bucket, "bucket"), Objects.requireNonNull(key, "key"),
                null, null));
    }

    @Override
    public void deleteRange(Bucket bucket, byte[] from, byte[] to) {
        add(new Change(Kind.DELETE_RANGE, Objects.requireNonNull(bucket, "bucket"),
                Objects.requireNonNull(from, "from"),
                Objects.requireNonNull(to, "to (deleteRange needs an upper bound)"), null));
    }

    @Override
    public int size() {
        return changes.size();
    }

    @Override
    public void close() {
        closed = true;
        changes.clear();
    }

    boolean belongsTo(SqliteBackend backend) {
        return this.backend == backend;
    }

    /** The changes, for the backend to write; throws if this batch was already used up. */
    List<Change> changes() {
        checkOpen();
        return changes;
    }

    private void add(Change change) {
        checkOpen();
        changes.add(change);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("write batch is already committed or closed");
        }
    }
}
