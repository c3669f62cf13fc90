package io.kvorum.spi.backend;

/** Changes to commit together. Arrays passed in are owned by the batch from then on. */
public interface WriteBatch extends AutoCloseable {

    void put(Bucket bucket, byte[] key, byte[] value);

    void delete(Bucket bucket, byte[] key);

    /** Deletes every key in [{@code from}, {@code to}); both bounds are required. */
    void deleteRange(Bucket bucket, byte[] from, byte[] to);

    /** Number of operations added so far. */
    int size();

    /** Releases the batch without committing it. */
    @Override
    void close();
}
