package org.example.kvorum.memory;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendSnapshot;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The contents in memory, the commits in {@value #LOG_FILE}.
 *
 * <p>Who owns what: {@link #contents} is replaced whole, never changed, so readers take it without
 * a lock; the log and every replacement of the contents belong to whoever holds {@link #writer}
 * (a commit, a defragmentation, a restore, the close). A commit reaches the log before it reaches
 * the contents.
 */
final class MemoryBackend implements Backend {
    static final String LOG_FILE = "memory.log";
    private static final String NEW_LOG_FILE = LOG_FILE + ".new";

    private final Path directory;
    private final Path logFile;
    private final boolean syncEveryCommit;
    private final ReentrantLock writer = new ReentrantLock();

    /** Guarded by {@link #writer}; null once closed. */
    private FileChannel log;
    private volatile Contents contents;
    private volatile long logBytes;

    private MemoryBackend(Path directory, boolean syncEveryCommit, FileChannel log, Contents contents) throws IOException {
        this.directory = directory;
        this.logFile = directory.resolve(LOG_FILE);
        this.syncEveryCommit = syncEveryCommit;
        this.log = log;
        this.contents = contents;
        this.logBytes = log.size();
    }

    /** Opens the log in {@code directory}, creating both if needed, and replays it. */
    static MemoryBackend open(Path directory, boolean syncEveryCommit) throws IOException {
        Files.createDirectories(directory);
        // Left by a crash during a rewrite, before the rename that would have made it the log.
        Files.deleteIfExists(directory.resolve(NEW_LOG_FILE));
        Path logFile = directory.resolve(LOG_FILE);
        if (!Files.exists(logFile)) {
            replaceLog(directory, Contents.EMPTY);
        }
        FileChannel log = FileChannel.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            Contents contents = replay(log, logFile);
            log.position(log.size());
            return new MemoryBackend(directory, syncEveryCommit, log, contents);
        } catch (IOException | RuntimeException e) {
            log.close();
            throw e;
        }
    }

    /**
     * Applies every whole frame of the log; a last frame cut short or failing its checksum was
     * being written when the process or machine stopped, and is cut off.
     */
    private static Contents replay(FileChannel log, Path logFile) throws IOException {
        Map<String, TreeMap<byte[], byte[]>> buckets = new HashMap<>();
        long size = log.size();
        long good;
        DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(log.position(0)), 1 << 16));
        byte[] magic = new byte[LogFormat.LOG_MAGIC.length];
        try {
            in.readFully(magic);
        } catch (EOFException e) {
            throw new IOException(logFile + " is not a memory backend log: too short", e);
        }
        if (!Arrays.equals(magic, LogFormat.LOG_MAGIC)) {
            throw new IOException(logFile + " is not a memory backend log");
        }
        good = magic.length;
        while (good + LogFormat.FRAME_HEADER_BYTES <= size) {
            int length = in.readInt();
            int crc = in.readInt();
            if (length < 0 || good + LogFormat.FRAME_HEADER_BYTES + length > size) {
                break;
            }
            byte[] payload = in.readNBytes(length);
            if (payload.length < length || LogFormat.checkedPayload(crc, payload) == null) {
                break;
            }
            for (Change change : LogFormat.decode(payload)) {
                Contents.applyTo(buckets.computeIfAbsent(change.bucket().name(), n -> Contents.newBucket()), change);
            }
            good += LogFormat.FRAME_HEADER_BYTES + length;
        }
        if (good < size) {
            log.truncate(good);
            log.force(true);
        }
        return Contents.of(buckets);
    }

    @Override
    public WriteBatch newBatch() {
        return new MemoryWriteBatch(this);
    }

    @Override
    public void commit(WriteBatch batch, boolean durable) throws IOException {
        if (!(batch instanceof MemoryWriteBatch ours)) {
            throw new IllegalArgumentException("not a batch of this backend: " + batch);
        }
        writer.lock();
        try {
            FileChannel channel = openLog();
            List<Change> changes = ours.take(this);
            if (changes.isEmpty()) {
                return;
            }
            ByteBuffer frame = LogFormat.frame(changes);
            long before = channel.position();
            try {
                while (frame.hasRemaining()) {
                    channel.write(frame);
                }
                if (durable || syncEveryCommit) {
                    channel.force(false);
                }
            } catch (IOException e) {
                // A frame half written must not stay in front of the next commits.
                try {
                    channel.truncate(before);
                    channel.position(before);
                } catch (IOException again) {
                    e.addSuppressed(again);
                    closeLog();
                }
                throw e;
            }
            logBytes = channel.position();
            contents = contents.apply(changes);
        } finally {
            writer.unlock();
        }
    }

    @Override
    public ReadView readView() {
        return new MemoryReadView(contents);
    }

    @Override
    public long size() {
        return logBytes;
    }

    @Override
    public long sizeInUse() {
        // Every live entry is in the log as one put, with a header, so this never exceeds size().
        return contents.liveBytes();
    }

    /** Rewrites the log with one put per live entry; readers go on with the contents meanwhile. */
    @Override
    public void defragment() throws IOException {
        writer.lock();
        try {
            openLog();
            switchLog(contents);
        } finally {
            writer.unlock();
        }
    }

    @Override
    public void snapshot(OutputStream out) throws IOException {
        LogFormat.writeImage(contents, out);
    }

    /** The contents of now: they are never changed, so holding them is the whole snapshot. */
    @Override
    public BackendSnapshot openSnapshot() {
        Contents pinned = contents;
        return new BackendSnapshot() {
            private volatile boolean closed;

            @Override
            public void writeTo(OutputStream out) throws IOException {
                if (closed) {
                    throw new IllegalStateException("the snapshot is closed");
                }
                LogFormat.writeImage(pinned, out);
            }

            /** Nothing pinned but memory, which the collector takes back once this is dropped. */
            @Override
            public void close() {
                closed = true;
            }
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        // Read and check the whole image before anything is replaced.
        Contents restored = LogFormat.readImage(in);
        writer.lock();
        try {
            openLog();
            switchLog(restored);
            contents = restored;
        } finally {
            writer.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        writer.lock();
        try {
            closeLog();
        } finally {
            writer.unlock();
        }
    }

    private FileChannel openLog() {
        if (log == null) {
            throw new IllegalStateException("the memory backend in " + directory + " is closed");
        }
        return log;
    }

    private void closeLog() throws IOException {
        if (log != null) {
            FileChannel closing = log;
            log = null;
            closing.close();
        }
    }

    /** Makes a log holding exactly {@code next} the log, and appends to it from now on. */
    private void switchLog(Contents next) throws IOException {
        replaceLog(directory, next);
        closeLog();
        log = FileChannel.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
        log.position(log.size());
        logBytes = log.size();
    }

    /**
     * Writes {@code contents} to a new file, syncs it, and renames it over the log: after a crash
     * the log is either the old one or the new one, whole.
     */
    private static void replaceLog(Path directory, Contents contents) throws IOException {
        Path next = directory.resolve(NEW_LOG_FILE);
        try (FileChannel channel = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            LogFormat.writeEntries(contents, LogFormat.LOG_MAGIC, out);
            out.flush();
            channel.force(true);
        }
        Files.move(next, directory.resolve(LOG_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(directory);
    }

    /** Makes a rename durable: on Linux, a directory is synced through a channel opened on it. */
    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
