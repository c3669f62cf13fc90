package io.kvorum.server;

import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.server.snapshot.EtcdMigration;
import io.kvorum.server.snapshot.SnapshotRestore;
import io.kvorum.server.snapshot.SnapshotStatus;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.nio.file.Path;

/**
 * etcd's snapshot file, offline: what {@code kvorum snapshot status} and {@code kvorum snapshot
 * restore} do with one, as {@code etcdutl} does with etcd's. A live member writes one through
 * {@code Maintenance.Snapshot} ({@code etcdctl snapshot save}).
 */
public final class EtcdSnapshotFile {
    /** etcdctl's {@code -w} formats for a status. */
    public enum Format { SIMPLE, JSON, TABLE, FIELDS }

    private EtcdSnapshotFile() {
    }

    /**
     * The file's hash, revision, entry count and size as etcdctl prints them, after bbolt's
     * consistency check.
     *
     * @throws IOException for a file that is not a sound etcd snapshot, with the reason
     */
    public static String status(Path file, Format format) throws IOException {
        SnapshotStatus status = SnapshotStatus.of(file);
        return switch (format) {
            case SIMPLE -> status.simple();
            case JSON -> status.json();
            case TABLE -> status.table();
            case FIELDS -> status.fields();
        };
    }

    /**
     * Makes a data dir for a member of a new cluster from the file: keys with their history,
     * leases, alarms, users, roles and auth state; the old membership and log are left behind.
     * The member then starts with {@code --initial-cluster} naming the new cluster. Nothing is
     * left at {@code dataDir} when this fails.
     *
     * @param backend the backend the member will run with, opened with {@code options}
     */
    public static void restore(Path file, boolean skipHashCheck, Path dataDir, BackendProvider backend,
                               PluginOptions options) throws IOException {
        restore(file, skipHashCheck, 0, dataDir, backend, options);
    }

    /**
     * As {@link #restore(Path, boolean, Path, BackendProvider, PluginOptions)}, with {@code etcdutl}'s
     * {@code --bump-revision N --mark-compacted}: the store starts {@code bumpRevision} revisions
     * past the file's latest, with everything before compacted. 0 for no bump.
     */
    public static void restore(Path file, boolean skipHashCheck, long bumpRevision, Path dataDir,
                               BackendProvider backend, PluginOptions options) throws IOException {
        SnapshotRestore.restore(file, skipHashCheck, bumpRevision, dataDir, backend, options, MvccStore.BUCKETS);
    }

    /**
     * Makes a data dir for a member of a new cluster from a stopped etcd member's data dir: its
     * database and the committed entries of its WAL past it, applied as etcd would apply them.
     * Nothing is left at {@code dataDir} when this fails.
     *
     * @param etcdWalDir the etcd member's {@code --wal-dir}, or null for its data dir's
     * @return a one-line account of what was taken from the WAL
     */
    public static String migrate(Path etcdDataDir, Path etcdWalDir, Path dataDir, BackendProvider backend,
                                 PluginOptions options) throws IOException {
        EtcdMigration.Result r = EtcdMigration.migrate(etcdDataDir, etcdWalDir, dataDir, backend, options,
                MvccStore.BUCKETS);
        return "etcd db at index " + r.consistentIndex() + ", WAL committed to index " + r.commitIndex()
                + ": applied " + r.applied() + " entries, passed over " + r.skipped()
                + " (membership and empty entries), left out " + r.uncommitted() + " uncommitted; revision "
                + r.revision() + (r.tornTail().isEmpty() ? "" : "; a torn write at the WAL's end was left out: "
                + r.tornTail());
    }
}
