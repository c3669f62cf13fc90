package io.kvorum.spi.backend;

import java.util.Optional;

/**
 * A consistent, point-in-time view shared by any number of readers on any threads.
 * Close it when done: it pins resources (e.g. a storage snapshot).
 */
public interface ReadView extends AutoCloseable {

    Optional<byte[]> get(Bucket bucket, byte[] key);

    /**
     * Visits the entries with {@code from <= key < to} in key order ({@code reverse}: descending),
     * until the visitor returns false or {@code limit} entries have been visited.
     *
     * @param to    exclusive upper bound; {@code null} means no upper bound
     * @param limit at most this many entries; 0 or less means no limit
     */
    void scan(Bucket bucket, byte[] from, byte[] to, boolean reverse, long limit, EntryVisitor visitor);

    @Override
    void close();

    /** Receives scanned entries; the arrays are the visitor's to keep. */
    @FunctionalInterface
    interface EntryVisitor {
        /** @return false to stop the scan */
        boolean visit(byte[] key, byte[] value);
    }
}
