package io.kvorum.server.snapshot;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Makes a kvorum data dir from an etcd snapshot file (from etcd or kvorum), as
 * {@code etcdutl snapshot restore} makes an etcd one: the hash is checked, then every key's
 * history, the compaction revisions, the leases, the alarms and the auth state are written into
 * a fresh backend; the old cluster's membership and log position are left behind, so the
 * member starts as part of the new cluster its start flags name ({@code --initial-cluster}),
 * its log applying from the beginning.
 *
 * <p>Atomic: everything is built in a temporary folder beside the data dir and renamed into
 * place at the end; on any failure the temporary folder is removed and no data dir appears.
 */
public final class SnapshotRestore {
    /** etcd's snapshot ends with a SHA-256 of the database when its size is 32 past a multiple of 512. */
    private static final int HASH_SIZE = 32;
    private static final int BATCH_ENTRIES = 10_000;
    private static final long BATCH_BYTES = 8L << 20;
    /** The meta keys a restore keeps: the compaction state. Consistent index and term belong to the old log. */
    private static final String SCHEDULED_COMPACT_REV = "scheduledCompactRev";
    private static final Set<String> META_KEPT = Set.of(SCHEDULED_COMPACT_REV, "finishedCompactRev");

    private SnapshotRestore() {
    }

    /**
     * @param file          the snapshot file
     * @param skipHashCheck {@code --skip-hash-check}: accept a file without (or with a wrong) hash
     * @param dataDir       must not exist
     * @param backend       the backend the member will run with, and its options
     * @param buckets       the buckets the server uses
     */
    public static void restore(Path file, boolean skipHashCheck, Path dataDir, BackendProvider backend,
                               PluginOptions options, List<Bucket> buckets) throws IOException {
        restore(file, skipHashCheck, 0, dataDir, backend, options, buckets);
    }

    /**
     * As {@link #restore(Path, boolean, Path, BackendProvider, PluginOptions, List)}, with
     * {@code etcdutl}'s {@code --bump-revision N --mark-compacted} (they go together): the
     * restored store's revision is the file's latest plus {@code bumpRevision}, and every
     * revision up to that one is compacted, so a client that watched or read the old cluster
     * after the file was made never sees a revision again, and a watcher resuming from an old
     * revision is told it was compacted (and lists again) instead of missing what changed since.
     *
     * @param bumpRevision 0 for none
     */
    public static void restore(Path file, boolean skipHashCheck, long bumpRevision, Path dataDir,
                               BackendProvider backend, PluginOptions options, List<Bucket> buckets)
            throws IOException {
        if (bumpRevision < 0) {
            throw new IllegalArgumentException("--bump-revision must not be negative");
        }
        if (Files.exists(dataDir)) {
            throw new IOException("data-dir \"" + dataDir + "\" exists");
        }
        long size = Files.size(file);
        boolean hasHash = size % 512 == HASH_SIZE;
        long dbSize = hasHash ? size - HASH_SIZE : size;
        if (!hasHash && !skipHashCheck) {
            throw new IOException("snapshot missing hash but --skip-hash-check=false");
        }
        if (hasHash && !skipHashCheck) {
            checkHash(file, dbSize);
        }
        intoNewDataDir(dataDir, temp -> {
            try (BboltReader reader = BboltReader.open(file, dbSize)) {
                checkEtcd(reader, "snapshot");
                try (Backend target = openBackend(temp, backend, options, buckets)) {
                    copy(reader, target, buckets);
                    if (bumpRevision > 0) {
                        bumpAndCompact(target, bumpRevision);
                    }
                }
            }
        });
    }

    /**
     * Schedules a compaction at the latest revision plus {@code bump}: the store opens at that
     * revision (the scheduled compaction is its floor) and compacts everything before it.
     */
    private static void bumpAndCompact(Backend target, long bump) throws IOException {
        long latest;
        try (ReadView view = target.readView()) {
            long[] last = {0};
            view.scan(Bucket.KEY, new byte[0], null, true, 1, (key, value) -> {
                last[0] = Bbolt.getLong(reverse8(key), 0);
                return false;
            });
            long scheduled = view.get(Bucket.META, bytes(SCHEDULED_COMPACT_REV))
                    .map(v -> Bbolt.getLong(reverse8(v), 0)).orElse(0L);
            latest = Math.max(last[0], scheduled);
        }
        long bumped = Math.addExact(latest, bump);
        byte[] revision = new byte[17];
        for (int i = 0; i < 8; i++) {
            revision[i] = (byte) (bumped >>> (56 - 8 * i));
        }
        revision[8] = '_';
        try (WriteBatch batch = target.newBatch()) {
            batch.put(Bucket.META, bytes(SCHEDULED_COMPACT_REV), revision);
            target.commit(batch, true);
        }
    }

    /** The first 8 bytes (big-endian) reversed, for the little-endian reader. */
    private static byte[] reverse8(byte[] b) {
        if (b.length < 8) {
            throw new IllegalStateException("snapshot: a revision of " + b.length + " bytes");
        }
        byte[] r = new byte[8];
        for (int i = 0; i < 8; i++) {
            r[i] = b[7 - i];
        }
        return r;
    }

    /** Builds a data dir's contents in a folder that does not yet exist. */
    interface DataDirBuild {
        void build(Path folder) throws IOException;
    }

    /**
     * Builds {@code dataDir} in a temporary folder beside it and renames that into place; on any
     * failure the folder is removed and nothing appears at {@code dataDir}.
     */
    static void intoNewDataDir(Path dataDir, DataDirBuild build) throws IOException {
        if (Files.exists(dataDir)) {
            throw new IOException("data-dir \"" + dataDir + "\" exists");
        }
        Path parent = dataDir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempDirectory(parent, "." + dataDir.getFileName() + ".restore-");
        try {
            build.build(temp);
            Files.move(temp, dataDir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                deleteTree(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Checks bbolt's structure and that the file has etcd's {@code meta} bucket. */
    static void checkEtcd(BboltReader reader, String what) throws IOException {
        reader.check();
        if (!reader.forEach(bytes("meta"), (k, v) -> { })) {
            throw new BboltFormatException(what + ": no meta bucket: not an etcd " + what);
        }
    }

    /** Opens a fresh backend in the data dir {@code folder}, with the member's folders. */
    static Backend openBackend(Path folder, BackendProvider backend, PluginOptions options, List<Bucket> buckets)
            throws IOException {
        Path backendDir = Files.createDirectories(folder.resolve("member").resolve("db"));
        Files.createDirectories(folder.resolve("member").resolve("wal"));
        return backend.open(new BackendContext(backendDir, buckets, options));
    }

    /** Copies the etcd buckets kvorum keeps, and of {@code meta} only the compaction revisions. */
    static void copy(BboltReader reader, Backend target, List<Bucket> buckets) throws IOException {
        for (Bucket bucket : buckets) {
            if (!EtcdSnapshot.BACKEND_BUCKETS.contains(bucket)) {
                continue;
            }
            boolean meta = bucket.equals(Bucket.META);
            boolean key = bucket.equals(Bucket.KEY);
            WriteBatch[] batch = {target.newBatch()};
            long[] pending = {0, 0};
            reader.forEach(bytes(bucket.name()), (k, v) -> {
                if (meta && !META_KEPT.contains(new String(k, StandardCharsets.UTF_8))) {
                    return;
                }
                if (key && v.length == 0) {
                    // etcdutl --bump-revision's marker: it always comes with a compaction scheduled
                    // at its revision (--mark-compacted), which carries that revision here
                    return;
                }
                batch[0].put(bucket, k, v);
                pending[0]++;
                pending[1] += k.length + v.length;
                if (pending[0] >= BATCH_ENTRIES || pending[1] >= BATCH_BYTES) {
                    target.commit(batch[0], false);
                    batch[0] = target.newBatch();
                    pending[0] = 0;
                    pending[1] = 0;
                }
            });
            target.commit(batch[0], true);
        }
    }

    private static void checkHash(Path file, long dbSize) throws IOException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] expected = new byte[HASH_SIZE];
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            long left = dbSize;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException("snapshot: file ends early");
                }
                sha256.update(buffer, 0, n);
                left -= n;
            }
            if (in.readNBytes(expected, 0, HASH_SIZE) != HASH_SIZE) {
                throw new IOException("snapshot: file ends early");
            }
        }
        byte[] actual = sha256.digest();
        if (!Arrays.equals(expected, actual)) {
            throw new IOException("expected sha256 " + goBytes(expected) + ", got " + goBytes(actual));
        }
    }

    /** A byte slice as Go's %v prints it: [1 2 3]. */
    private static String goBytes(byte[] b) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < b.length; i++) {
            s.append(i == 0 ? "" : " ").append(b[i] & 0xff);
        }
        return s.append(']').toString();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
