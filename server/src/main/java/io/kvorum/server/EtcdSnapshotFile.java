package io.kvorum.server;

import io.kvorum.server.mvcc.MvccStore;
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
        SnapshotRestore.restore(file, skipHashCheck, dataDir, backend, options, MvccStore.BUCKETS);
    }
}
