package io.kvorum.spi.backend;

import io.kvorum.spi.internal.SpooledImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * An ordered byte-key store with named buckets.
 *
 * <p>Keys compare as unsigned bytes, lexicographically. Writes happen only through
 * {@link #commit(WriteBatch, boolean)}, which is atomic: after a crash either the whole batch is
 * there or none of it. Commits are never concurrent (the server serializes them); read views may
 * be opened and used from any thread at the same time, and should be short-lived, since a view
 * may pin storage.
 */
public interface Backend extends AutoCloseable {

    /** A new, empty batch. Nothing is visible until it is committed. */
    WriteBatch newBatch();

    /**
     * Applies the batch atomically. The batch is consumed: it cannot be written to or committed
     * again (closing it afterwards is harmless).
     *
     * @param durable when true, the batch is on stable storage when this returns (fsync);
     *                when false it may be lost on a machine crash but never torn
     */
    void commit(WriteBatch batch, boolean durable) throws IOException;

    /** A point-in-time view of every bucket; later commits are not visible through it. */
    ReadView readView();

    /** Bytes the backend occupies on disk. */
    long size();

    /** Bytes logically in use (at most {@link #size()}). */
    long sizeInUse();

    /** Reclaims space left by deletes; readers may go on meanwhile. */
    void defragment() throws IOException;

    /**
     * Writes a full, self-contained image of the current contents, as of one point in time, to
     * {@code out}. The format is the backend's own; {@link #restore(InputStream)} reads it back.
     */
    void snapshot(OutputStream out) throws IOException;

    /**
     * Opens a point-in-time image of the whole contents, to be written later from any thread while
     * commits go on (see {@link BackendSnapshot}). Opening must be cheap: a storage snapshot, a read
     * transaction, a reference to immutable state; the caller is usually the apply loop, which waits
     * meanwhile. It may be called from any thread, at the same time as a commit.
     *
     * <p>The default, for backends that cannot do better, writes the whole image with
     * {@link #snapshot(OutputStream)} into a temporary file at once, on the calling thread, and
     * writes that file out later: it costs what {@code snapshot} costs (the caller waits as long
     * as a full write takes) plus the image's size on the temporary file system until closed.
     */
    default BackendSnapshot openSnapshot() throws IOException {
        SpooledImage image = SpooledImage.write("kvorum-backend-", this::snapshot);
        return new BackendSnapshot() {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                image.writeTo(out);
            }

            @Override
            public void close() {
                image.delete();
            }
        };
    }

    /**
     * Replaces the whole contents with an image written by {@link #snapshot(OutputStream)}.
     * Snapshots opened before keep writing the old contents.
     */
    void restore(InputStream in) throws IOException;

    @Override
    void close() throws IOException;
}
