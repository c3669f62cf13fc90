package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.Snapshot;
import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.Histogram;
import io.kvorum.spi.metrics.MetricRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The metadata of Raft snapshots, one small file per snapshot ({@code <index>.snap}): index, term,
 * configuration, and as data the member registry at that index. The state itself lives in the
 * state machine, which made it durable before the snapshot was recorded.
 *
 * <p>A snapshot file is written before the WAL's snapshot marker, and older files are deleted
 * only after it, so the file matching the WAL's marker always exists.
 */
final class SnapshotStore {
    private final Path dir;
    private final Metrics metrics;

    SnapshotStore(Path dir, Metrics metrics) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.metrics = metrics;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
                Files.delete(p); // a write or a snapshot in transit interrupted by a crash
            }
        }
    }

    void save(Snapshot snapshot) throws IOException {
        long started = System.nanoTime();
        byte[] encoded = Encoding.encode(snapshot);
        metrics.marshalling().observeNanos(System.nanoTime() - started);
        long writing = System.nanoTime();
        try {
            AtomicFile.write(file(snapshot.index()), encoded);
        } finally {
            // as etcd's: the write and sync of the file, whether it succeeded or not
            metrics.fsync().observeNanos(System.nanoTime() - writing);
        }
        metrics.save().observeNanos(System.nanoTime() - started);
    }

    /**
     * Spools a snapshot of the state machine received from the leader into {@code file} and syncs
     * it, as etcd saves its {@code .snap.db} before restoring from it.
     */
    void receive(InputStream body, Path file) throws IOException {
        long started = System.nanoTime();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            body.transferTo(Channels.newOutputStream(out));
            long syncing = System.nanoTime();
            out.force(true);
            metrics.dbFsync().observeNanos(System.nanoTime() - syncing);
        }
        metrics.dbSave().observeNanos(System.nanoTime() - started);
    }

    /** The snapshot the WAL's marker at {@code index} refers to. */
    Snapshot load(long index) throws IOException {
        Path file = file(index);
        if (!Files.exists(file)) {
            throw new IOException("the log has a snapshot at " + index + " but " + file + " is missing");
        }
        Snapshot s = Encoding.decodeSnapshot(AtomicFile.read(file));
        if (s.index() != index) {
            throw new IOException(file + " holds the snapshot at " + s.index() + ", not " + index);
        }
        return s;
    }

    /**
     * The index of the newest snapshot file, 0 when there is none: where the WAL may start reading
     * (it checks that its own marker agrees).
     */
    long newestIndex() throws IOException {
        List<Path> files = snapshotFiles();
        return files.isEmpty() ? 0
                : Long.parseUnsignedLong(files.get(files.size() - 1).getFileName().toString().substring(0, 16), 16);
    }

    /**
     * Deletes the files of snapshots older than {@code index}, oldest first, while more than
     * {@code maxFiles} are left (etcd's {@code --max-snapshots}; 0 keeps every file).
     */
    void releaseBefore(long index, int maxFiles) throws IOException {
        if (maxFiles == 0) {
            return;
        }
        List<Path> files = snapshotFiles();
        int left = files.size();
        for (Path p : files) {
            String name = p.getFileName().toString();
            if (left <= maxFiles || Long.parseUnsignedLong(name.substring(0, 16), 16) >= index) {
                break;
            }
            Files.delete(p);
            left--;
        }
    }

    /** A temporary file in this directory, for a snapshot being sent or received. */
    Path temporary(String prefix) throws IOException {
        return Files.createTempFile(dir, prefix, ".tmp");
    }

    List<Path> snapshotFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("[0-9a-f]{16}\\.snap")).sorted().toList();
        }
    }

    /**
     * etcd's {@code etcd_snap_*} and {@code etcd_debugging_snap_*}: writing this member's snapshot
     * files (encoding, write and sync, in all), and saving the state machine's snapshot a leader sent.
     */
    record Metrics(Histogram marshalling, Histogram fsync, Histogram save, Histogram dbFsync, Histogram dbSave) {
        static Metrics of(MetricRegistry registry) {
            Buckets disk = Buckets.exponential(0.001, 2, 14);
            return new Metrics(
                    registry.histogram("etcd_debugging_snap_save_marshalling_duration_seconds",
                            "The marshalling cost distributions of save called by snapshot.", disk),
                    registry.histogram("etcd_snap_fsync_duration_seconds", "The latency distributions of fsync called by snap.",
                            disk),
                    registry.histogram("etcd_debugging_snap_save_total_duration_seconds",
                            "The total latency distributions of save called by snapshot.", disk),
                    registry.histogram("etcd_snap_db_fsync_duration_seconds", "The latency distributions of fsyncing .snap.db file",
                            disk),
                    registry.histogram("etcd_snap_db_save_total_duration_seconds", "The total latency distributions of v3 snapshot save",
                            Buckets.exponential(0.1, 2, 10)));
        }
    }

    private Path file(long index) {
        return dir.resolve(String.format("%016x.snap", index));
    }
}
