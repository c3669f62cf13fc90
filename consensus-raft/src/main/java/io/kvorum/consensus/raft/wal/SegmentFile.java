package io.kvorum.consensus.raft.wal;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One segment file as the WAL uses it: positional reads and writes, and a sync. The WAL's
 * durability rests on one promise: what was written before a {@link #force} that returned
 * survives a power cut; anything written after it may be lost, wholly or in part.
 */
public interface SegmentFile extends AutoCloseable {
    long size() throws IOException;

    int read(ByteBuffer dst, long position) throws IOException;

    int write(ByteBuffer src, long position) throws IOException;

    /**
     * Makes every write before it durable: fdatasync, or fsync when {@code metadata} (a created
     * file's length); {@link java.nio.channels.FileChannel#force}'s contract.
     */
    void force(boolean metadata) throws IOException;

    @Override
    void close() throws IOException;
}
