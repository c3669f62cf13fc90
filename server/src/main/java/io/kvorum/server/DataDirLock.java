package io.kvorum.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One member per data directory: an exclusive lock on {@value #FILE_NAME} in it, held from the
 * moment the member opens its data until it has closed everything. Two members writing one WAL
 * and one backend would corrupt both; etcd guards the same with a lock on its backend file (and
 * waits for its holder, "another etcd process is using ... and holds the file lock"). A kvorum
 * member refuses at once instead, naming the directory and, from the lock file, the holder's pid.
 *
 * <p>The lock is the operating system's, so it goes with the process that held it, however that
 * process ended; the file staying behind means nothing.
 */
final class DataDirLock implements AutoCloseable {
    static final String FILE_NAME = "kvorum.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code dataDir} if needed and locks it for this process.
     *
     * @throws IOException naming the directory and the holder's pid when another member holds it
     */
    static DataDirLock acquire(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve(FILE_NAME);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // another member in this same process holds it
            }
            if (lock == null) {
                throw new IOException("another kvorum process" + holder(channel) + " is using data directory \""
                        + dataDir + "\" and holds the file lock " + file + ": stop it first, or give this member"
                        + " its own --data-dir");
            }
            // The holder's pid, for the message a second member gives; the lock, not the file, is the truth.
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(false);
            return new DataDirLock(channel, lock);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** " (pid 1234)" as the lock file says, or nothing when it says nothing readable. */
    private static String holder(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(32);
            channel.read(buffer, 0);
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
            return text.matches("[0-9]{1,19}") ? " (pid " + text + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
