package org.example.kvorum.memory;

import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.WriteBatch;
import java.util.ArrayList;
import java.util.List;

/** Changes collected in order; used by one thread, and used up by its commit. */
final class MemoryWriteBatch implements WriteBatch {
    private final MemoryBackend owner;
    private List<Change> changes = new ArrayList<>();

    MemoryWriteBatch(MemoryBackend owner) {
        this.owner = owner;
    }

    @Override
    public void put(Bucket bucket, byte[] key, byte[] value) {
        open().add(new Change.Put(bucket, key, value));
    }

    @Override
    public void delete(Bucket bucket, byte[] key) {
        open().add(new Change.Delete(bucket, key));
    }

    @Override
    public void deleteRange(Bucket bucket, byte[] from, byte[] to) {
        open().add(new Change.DeleteRange(bucket, from, to));
    }

    @Override
    public int size() {
        return changes == null ? 0 : changes.size();
    }

    @Override
    public void close() {
        changes = null;
    }

    /** Hands the changes to {@code backend}'s commit, once. */
    List<Change> take(MemoryBackend backend) {
        if (backend != owner) {
            throw new IllegalArgumentException("the batch belongs to another backend");
        }
        List<Change> taken = open();
        changes = null;
        return taken;
    }

    private List<Change> open() {
        if (changes == null) {
            throw new IllegalStateException("the batch is already committed or closed");
        }
        return changes;
    }
}
