package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.wal.SegmentFile;
import io.kvorum.consensus.raft.wal.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A planted bug for {@link DriverBrokenVariantsTest}: segment files that answer every other data
 * sync without doing it, so the driver acknowledges (answers clients, votes, applies) before its
 * WAL is durable; what was written since the last real sync is lost at the next power cut. A
 * created file's sync (its length) is done, so the WAL still opens.
 */
final class LyingSyncFiles implements SegmentFiles {
    private final SegmentFiles real;

    LyingSyncFiles(SegmentFiles real) {
        this.real = real;
    }

    @Override
    public SegmentFile create(Path path) throws IOException {
        return new Liar(real.create(path));
    }

    @Override
    public SegmentFile open(Path path) throws IOException {
        return new Liar(real.open(path));
    }

    private static final class Liar implements SegmentFile {
        private final SegmentFile file;
        private long syncs;

        Liar(SegmentFile file) {
            this.file = file;
        }

        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return file.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return file.write(src, position);
        }

        @Override
        public void force(boolean metadata) throws IOException {
            if (metadata || ++syncs % 2 == 0) {
                file.force(metadata);
            }
            // else: acknowledged, not done
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
