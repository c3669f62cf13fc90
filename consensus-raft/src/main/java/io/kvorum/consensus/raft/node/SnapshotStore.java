package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    SnapshotStore(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
                Files.delete(p); // a write or a snapshot in transit interrupted by a crash
            }
        }
    }

    void save(Snapshot snapshot) throws IOException {
        AtomicFile.write(file(snapshot.index()), Encoding.encode(snapshot));
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

    private Path file(long index) {
        return dir.resolve(String.format("%016x.snap", index));
    }
}
