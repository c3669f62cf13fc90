package io.kvorum.spi.backend;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A point-in-time image of a backend's whole contents, opened by {@link Backend#openSnapshot()},
 * as etcd's {@code backend.Snapshot}: opening pins the contents of that moment (a storage
 * snapshot, a read transaction, an immutable state), writing streams them out later.
 *
 * <p>Threads: {@link #writeTo} may be called from any thread, more than once, one call at a time,
 * while commits, restores and read views go on; it always writes the contents of the moment the
 * snapshot was opened. Close it when done: until then it pins storage, as a read view does.
 * Closing the backend ends its open snapshots (a write in progress then fails).
 */
public interface BackendSnapshot extends AutoCloseable {

    /**
     * Writes the image, in the format {@link Backend#snapshot(OutputStream)} writes and
     * {@link Backend#restore(java.io.InputStream)} reads. Does not close {@code out}.
     */
    void writeTo(OutputStream out) throws IOException;

    /** Releases what the snapshot pins. Idempotent; an {@link java.io.UncheckedIOException} if that fails. */
    @Override
    void close();
}
