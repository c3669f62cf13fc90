package io.kvorum.consensus.raft.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How the WAL opens its segment files: {@link #onDisk()} in production; tests put a layer here
 * that drops the unsynced writes at a simulated power cut, which killing the process cannot do
 * (the page cache keeps them).
 */
public interface SegmentFiles {
    /** Creates {@code path}, which must not exist yet, for reading and writing. */
    SegmentFile create(Path path) throws IOException;

    /** Opens the existing {@code path} for reading and writing. */
    SegmentFile open(Path path) throws IOException;

    /** Segment files as {@link java.nio.channels.FileChannel}s. */
    static SegmentFiles onDisk() {
        return DiskSegmentFile.FILES;
    }
}
