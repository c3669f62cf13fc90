package io.kvorum.consensus.raft.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A segment file on disk: a {@link FileChannel}, as it is. */
final class DiskSegmentFile implements SegmentFile {
    static final SegmentFiles FILES = new SegmentFiles() {
        @Override
        public SegmentFile create(Path path) throws IOException {
            return new DiskSegmentFile(FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE));
        }

        @Override
        public SegmentFile open(Path path) throws IOException {
            return new DiskSegmentFile(FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
        }
    };

    private final FileChannel channel;

    private DiskSegmentFile(FileChannel channel) {
        this.channel = channel;
    }

    @Override
    public long size() throws IOException {
        return channel.size();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return channel.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        return channel.write(src, position);
    }

    @Override
    public void force(boolean metadata) throws IOException {
        channel.force(metadata);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
