package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvorum.consensus.raft.core.ConfState;
import io.kvorum.consensus.raft.core.Snapshot;
import io.kvorum.consensus.raft.transport.grpc.RecordingRegistry;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot files and their metrics: etcd's {@code etcd_snap_*} and {@code etcd_debugging_snap_*}. */
class SnapshotStoreTest {
    @TempDir
    Path dir;

    private final RecordingRegistry metrics = new RecordingRegistry();

    @Test
    void savingASnapshotRecordsItsEncodingItsSyncAndItsTotal() throws Exception {
        SnapshotStore store = new SnapshotStore(dir, SnapshotStore.Metrics.of(metrics));
        Snapshot s = new Snapshot(7, 2, ConfState.EMPTY, new byte[] {1, 2, 3});
        store.save(s);
        store.save(new Snapshot(9, 2, ConfState.EMPTY, new byte[] {4}));

        assertEquals(2, metrics.value("etcd_debugging_snap_save_marshalling_duration_seconds"));
        assertEquals(2, metrics.value("etcd_snap_fsync_duration_seconds"));
        assertEquals(2, metrics.value("etcd_debugging_snap_save_total_duration_seconds"));
        assertEquals(0, metrics.value("etcd_snap_db_save_total_duration_seconds"), "no snapshot was received");
        assertEquals(7, store.load(7).index());
    }

    @Test
    void aReceivedStateMachineSnapshotIsSpooledSyncedAndTimed() throws Exception {
        SnapshotStore store = new SnapshotStore(dir, SnapshotStore.Metrics.of(metrics));
        byte[] body = new byte[100_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        Path file = store.temporary("receive-");
        store.receive(new ByteArrayInputStream(body), file);

        assertArrayEquals(body, Files.readAllBytes(file));
        assertEquals(1, metrics.value("etcd_snap_db_fsync_duration_seconds"));
        assertEquals(1, metrics.value("etcd_snap_db_save_total_duration_seconds"));
        assertEquals(0, metrics.value("etcd_snap_fsync_duration_seconds"), "no snapshot file was written");
    }
}
