package io.kvorum.consensus.raft.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * Segment files on disk that remember every write not yet forced, so that {@link #cut} can do
 * what a power cut does and killing the process cannot (the page cache keeps its writes): the
 * unsynced writes are lost, all of them or all but a prefix, which may end in the middle of a
 * record. A lost byte reads as what was there before it, the preallocated zeros. The cut comes
 * when a test calls {@link #cut}, or at the next force once {@link #cutAtNextForce} armed it.
 *
 * <p>Every file opened before a cut fails from then on, so the member that was running cannot
 * acknowledge anything after it; files opened after it work again. Thread-safe: the WAL's thread
 * writes while a test's thread cuts.
 */
public final class PowerLossFiles implements SegmentFiles {
    /** What survives of the writes since the last force. */
    public enum Loss {
        /** None of them: the unsynced bytes read as zeros. */
        ALL,
        /** A prefix of random length, to the byte. */
        PREFIX
    }

    /** One write not yet forced, with the bytes it replaced. */
    private record Write(long position, byte[] data, byte[] before) {
    }

    private final Random random;
    /** Writes not yet forced, oldest first, by file; guarded by {@code this}. */
    private final Map<Path, List<Write>> unsynced = new HashMap<>();
    private long generation;
    private Loss cutAtForce;
    private CompletableFuture<Long> armed;

    public PowerLossFiles(long seed) {
        this.random = new Random(seed);
    }

    @Override
    public synchronized SegmentFile create(Path path) throws IOException {
        return new Tracked(path, FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE), generation);
    }

    @Override
    public synchronized SegmentFile open(Path path) throws IOException {
        return new Tracked(path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE),
                generation);
    }

    /**
     * Cuts the power: of each file's writes since its last force, all are lost or all but a
     * prefix; the files opened until now stop working.
     *
     * @return the bytes lost, over all files
     */
    public synchronized long cut(Loss loss) throws IOException {
        generation++;
        long lost = 0;
        for (Map.Entry<Path, List<Write>> e : unsynced.entrySet()) {
            List<Write> writes = e.getValue();
            long total = writes.stream().mapToLong(w -> w.data().length).sum();
            long kept = loss == Loss.ALL || total == 0 ? 0 : (long) (random.nextDouble() * (total + 1));
            lost += total - kept;
            try (FileChannel ch = FileChannel.open(e.getKey(), StandardOpenOption.WRITE)) {
                // Undo the lost part newest first, so overlapping writes come back to the oldest bytes.
                long start = total;
                for (int i = writes.size() - 1; i >= 0; i--) {
                    Write w = writes.get(i);
                    start -= w.data().length;
                    int keepOfThis = (int) Math.max(0, Math.min(w.data().length, kept - start));
                    ByteBuffer undo = ByteBuffer.wrap(w.before(), keepOfThis, w.before().length - keepOfThis);
                    while (undo.hasRemaining()) {
                        ch.write(undo, w.position() + undo.position());
                    }
                }
                ch.force(true);
            }
        }
        unsynced.clear();
        return lost;
    }

    /**
     * Cuts the power at the next force instead of forcing, as a crash in the middle of a sync
     * does: what the force would have made durable is lost as {@code loss} says.
     *
     * @return completes with the bytes lost once the power is cut
     */
    public synchronized CompletableFuture<Long> cutAtNextForce(Loss loss) {
        cutAtForce = loss;
        armed = new CompletableFuture<>();
        return armed;
    }

    private synchronized void written(Path path, long generationOf, long position, byte[] data, byte[] before)
            throws IOException {
        alive(path, generationOf);
        unsynced.computeIfAbsent(path, p -> new ArrayList<>()).add(new Write(position, data, before));
    }

    private synchronized void alive(Path path, long generationOf) throws IOException {
        if (generationOf != generation) {
            throw new IOException(path + ": the power was cut");
        }
    }

    private final class Tracked implements SegmentFile {
        private final Path path;
        private final FileChannel channel;
        private final long generationOf;

        Tracked(Path path, FileChannel channel, long generationOf) {
            this.path = path;
            this.channel = channel;
            this.generationOf = generationOf;
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
            synchronized (PowerLossFiles.this) {
                alive(path, generationOf);
                byte[] data = new byte[src.remaining()];
                src.get(data);
                ByteBuffer before = ByteBuffer.allocate(data.length);
                while (before.hasRemaining() && channel.read(before, position + before.position()) >= 0) {
                    // the bytes this write replaces
                }
                ByteBuffer out = ByteBuffer.wrap(data);
                while (out.hasRemaining()) {
                    channel.write(out, position + out.position());
                }
                written(path, generationOf, position, data, before.array());
                return data.length;
            }
        }

        @Override
        public void force(boolean metadata) throws IOException {
            synchronized (PowerLossFiles.this) {
                alive(path, generationOf);
                if (cutAtForce != null) {
                    Loss loss = cutAtForce;
                    cutAtForce = null;
                    armed.complete(cut(loss));
                    throw new IOException(path + ": the power was cut during a sync");
                }
                channel.force(metadata);
                unsynced.remove(path);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
