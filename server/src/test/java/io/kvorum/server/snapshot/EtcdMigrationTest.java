package io.kvorum.server.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.WriteBatch;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EtcdMigration} on an etcd data dir made here: a database at consistent index 5 and a WAL
 * written as etcd's encoder writes it (chained CRC-32C, padded frames), with entries the database
 * already holds, committed entries past it (puts, a membership change, a lease, a delete), an
 * entry a new leader overwrote, one left uncommitted and a torn record at the end. Also
 * {@code --bump-revision} with {@code --mark-compacted} on a restore.
 */
class EtcdMigrationTest {
    private static final long CONSISTENT_INDEX = 5;

    @TempDir
    Path dir;

    private final InMemoryBackend[] opened = new InMemoryBackend[1];

    @Test
    void committedEntriesPastTheDatabaseAreAppliedAndTheRestLeftOut() throws Exception {
        Path etcd = etcdDataDir(wal(false));
        Path dataDir = dir.resolve("kvorum");
        EtcdMigration.Result result = EtcdMigration.migrate(etcd, null, dataDir, provider(), PluginOptions.empty(),
                MvccStore.BUCKETS);
        assertTrue(Files.isDirectory(dataDir.resolve("member").resolve("db")));
        assertEquals(CONSISTENT_INDEX, result.consistentIndex());
        assertEquals(10, result.commitIndex());
        assertEquals(4, result.applied()); // 6, 8, 9, 10
        assertEquals(1, result.skipped()); // the membership change at 7
        assertEquals(1, result.uncommitted());
        assertTrue(result.tornTail().contains("at byte"), result.tornTail());

        MvccStore store = MvccStore.open(opened[0]);
        try {
            assertEquals(5, store.currentRevision()); // 2 from the db, then 3 (/a), 4 (/l), 5 (delete /a)
            assertEquals(List.of("/l=leased"), live(store));
            assertEquals(0, store.consistentIndex(), "the etcd log position is left behind");
            assertTrue(opened[0].entries(Bucket.LEASE).containsKey(ByteBuffer.allocate(8).putLong(0x77).array()));
        } finally {
            store.close();
        }
    }

    @Test
    void aDamagedRecordInsideTheLogIsRefusedAndLeavesNoDataDir() throws Exception {
        Path etcd = etcdDataDir(wal(true));
        Path dataDir = dir.resolve("kvorum");
        IOException e = assertThrows(IOException.class, () -> EtcdMigration.migrate(etcd, null, dataDir, provider(),
                PluginOptions.empty(), MvccStore.BUCKETS));
        assertTrue(e.getMessage().startsWith("etcd WAL: 0000000000000000-0000000000000000.wal at byte ")
                && e.getMessage().contains("CRC does not match"), e.getMessage());
        assertNothingLeft(dataDir);
    }

    @Test
    void aFolderWithoutADatabaseOrAWalNotReachingBackIsRefused() throws Exception {
        Path dataDir = dir.resolve("kvorum");
        IOException noDb = assertThrows(IOException.class, () -> EtcdMigration.migrate(dir, null, dataDir, provider(),
                PluginOptions.empty(), MvccStore.BUCKETS));
        assertTrue(noDb.getMessage().startsWith("no etcd database at "), noDb.getMessage());

        Path etcd = etcdDataDir(wal(false));
        Path walDir = etcd.resolve("member").resolve("wal");
        Files.move(walDir.resolve("0000000000000000-0000000000000000.wal"),
                walDir.resolve("0000000000000001-0000000000000009.wal"));
        IOException gap = assertThrows(IOException.class, () -> EtcdMigration.migrate(etcd, null, dataDir, provider(),
                PluginOptions.empty(), MvccStore.BUCKETS));
        assertTrue(gap.getMessage().contains("starts after index 5"), gap.getMessage());
        assertNothingLeft(dataDir);
    }

    @Test
    void aForeignOrTruncatedDatabaseIsRefusedAndLeavesNoDataDir() throws Exception {
        Path etcd = etcdDataDir(wal(false));
        Path db = etcd.resolve("member").resolve("snap").resolve("db");
        byte[] whole = Files.readAllBytes(db);
        Path dataDir = dir.resolve("kvorum");
        for (byte[] content : List.of("not a database\n".getBytes(StandardCharsets.US_ASCII),
                java.util.Arrays.copyOf(whole, whole.length / 2), new byte[whole.length])) {
            Files.write(db, content);
            IOException e = assertThrows(IOException.class, () -> EtcdMigration.migrate(etcd, null, dataDir,
                    provider(), PluginOptions.empty(), MvccStore.BUCKETS));
            assertTrue(e instanceof BboltFormatException, e.toString());
            assertNothingLeft(dataDir);
        }
    }

    @Test
    void aBumpedRestoreStartsPastTheFilesRevisionWithEverythingBeforeCompacted() throws Exception {
        InMemoryBackend etcd = database();
        Path file = dir.resolve("backup.db");
        try (EtcdSnapshot snapshot = EtcdSnapshot.open(etcd.readView(), List.of(), "3.5.0");
             OutputStream out = Files.newOutputStream(file)) {
            snapshot.writeTo(out);
        }
        SnapshotRestore.restore(file, true, 1000, dir.resolve("bumped"), provider(), PluginOptions.empty(),
                MvccStore.BUCKETS);
        MvccStore store = MvccStore.open(opened[0]);
        try {
            assertEquals(1002, store.currentRevision());
            assertEquals(1002, store.compactedRevision());
            assertEquals(List.of("/a=v1"), live(store));
        } finally {
            store.close();
        }
    }

    private void assertNothingLeft(Path dataDir) throws IOException {
        assertFalse(Files.exists(dataDir));
        try (Stream<Path> left = Files.list(dir)) {
            assertTrue(left.noneMatch(f -> f.getFileName().toString().contains(".restore-")));
        }
    }

    private static List<String> live(MvccStore store) {
        return store.range(new byte[] {0}, new byte[] {0}, 0, 0).kvs().stream()
                .map(kv -> kv.getKey().toStringUtf8() + "=" + kv.getValue().toStringUtf8()).toList();
    }

    /** etcd's database: /a = v1 at revision 2, applied up to index 5. */
    private static InMemoryBackend database() throws IOException {
        InMemoryBackend backend = new InMemoryBackend();
        WriteBatch batch = backend.newBatch();
        KeyValue kv = KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("/a")).setValue(ByteString.copyFromUtf8("v1"))
                .setCreateRevision(2).setModRevision(2).setVersion(1).build();
        batch.put(Bucket.KEY, ByteBuffer.allocate(17).putLong(2).put((byte) '_').putLong(0).array(), kv.toByteArray());
        batch.put(Bucket.META, "consistent_index".getBytes(StandardCharsets.US_ASCII),
                ByteBuffer.allocate(8).putLong(CONSISTENT_INDEX).array());
        batch.put(Bucket.META, "term".getBytes(StandardCharsets.US_ASCII), ByteBuffer.allocate(8).putLong(2).array());
        backend.commit(batch, true);
        return backend;
    }

    private Path etcdDataDir(byte[] wal) throws IOException {
        Path etcd = dir.resolve("etcd");
        Path snap = Files.createDirectories(etcd.resolve("member").resolve("snap"));
        try (EtcdSnapshot snapshot = EtcdSnapshot.open(database().readView(), List.of(), "3.4.0");
             OutputStream out = Files.newOutputStream(snap.resolve("db"))) {
            snapshot.writeTo(out);
        }
        Path walDir = Files.createDirectories(etcd.resolve("member").resolve("wal"));
        Files.write(walDir.resolve("0000000000000000-0000000000000000.wal"), wal);
        return etcd;
    }

    /**
     * Entries 1-5 (in the database already; 4 would put /stale), then 6 put /a v2, 7 a membership
     * change, 8 a lease grant, 9 a put with that lease, 10 first a put of /x, then rewritten by a
     * new leader as a delete of /a; a state committing 10; 11 uncommitted; a torn record.
     */
    private static byte[] wal(boolean damageEntry6) throws IOException {
        WalWriter w = new WalWriter();
        w.record(EtcdWal.CRC, null);
        w.record(EtcdWal.METADATA, new byte[] {8, 1, 16, 2});
        for (int i = 1; i <= 5; i++) {
            w.entry(i, 2, 0, i == 4 ? put("/stale", "x", 0) : new byte[0]);
        }
        w.state(2, 5);
        w.entry(6, 2, 0, put("/a", "v2", 0));
        if (damageEntry6) {
            w.damageLastRecord();
        }
        w.entry(7, 2, 1, new byte[] {8, 0, 16, 9});
        w.entry(8, 2, 0, InternalRaftRequest.newBuilder().setID(8)
                .setLeaseGrant(LeaseGrantRequest.newBuilder().setID(0x77).setTTL(100)).build().toByteArray());
        w.entry(9, 2, 0, put("/l", "leased", 0x77));
        w.entry(10, 2, 0, put("/x", "overwritten", 0));
        w.entry(10, 3, 0, InternalRaftRequest.newBuilder().setID(10)
                .setDeleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/a"))).build().toByteArray());
        w.state(3, 10);
        w.entry(11, 3, 0, put("/uncommitted", "x", 0));
        w.tornRecord();
        return w.out.toByteArray();
    }

    private static byte[] put(String key, String value, long lease) {
        return InternalRaftRequest.newBuilder().setID(key.hashCode()).setPut(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).setLease(lease))
                .build().toByteArray();
    }

    /** etcd's WAL encoder: each record framed by its length (padding to 8 bytes noted in the top byte). */
    private static final class WalWriter {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int crc;
        int lastRecordAt;

        void entry(long index, long term, int type, byte[] data) throws IOException {
            ByteArrayOutputStream e = new ByteArrayOutputStream();
            CodedOutputStream c = CodedOutputStream.newInstance(e);
            c.writeEnum(1, type);
            c.writeUInt64(2, term);
            c.writeUInt64(3, index);
            c.writeByteArray(4, data);
            c.flush();
            record(EtcdWal.ENTRY, e.toByteArray());
        }

        void state(long term, long commit) throws IOException {
            ByteArrayOutputStream s = new ByteArrayOutputStream();
            CodedOutputStream c = CodedOutputStream.newInstance(s);
            c.writeUInt64(1, term);
            c.writeUInt64(2, 1);
            c.writeUInt64(3, commit);
            c.flush();
            record(EtcdWal.STATE, s.toByteArray());
        }

        void record(int type, byte[] data) throws IOException {
            ByteArrayOutputStream r = new ByteArrayOutputStream();
            CodedOutputStream c = CodedOutputStream.newInstance(r);
            c.writeInt64(1, type);
            if (type == EtcdWal.CRC) {
                c.writeUInt32(2, crc);
            } else {
                crc = EtcdWal.Crc32c.update(crc, data);
                c.writeUInt32(2, crc);
                c.writeByteArray(3, data);
            }
            c.flush();
            frame(r.toByteArray());
        }

        private void frame(byte[] record) throws IOException {
            int pad = (8 - record.length % 8) % 8;
            long length = record.length | (pad == 0 ? 0 : (long) (0x80 | pad) << 56);
            lastRecordAt = out.size();
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(length).array());
            out.write(record);
            out.write(new byte[pad]);
        }

        /** Changes a byte of the last record's data (its last byte before padding). */
        void damageLastRecord() {
            byte[] all = out.toByteArray();
            long length = ByteBuffer.wrap(all, lastRecordAt, 8).order(ByteOrder.LITTLE_ENDIAN).getLong()
                    & 0x00ff_ffff_ffff_ffffL;
            all[lastRecordAt + 8 + (int) length - 1] ^= 0x5a;
            out.reset();
            out.writeBytes(all);
        }

        /** A crash in the middle of a write: the length is there, half of the record is not. */
        void tornRecord() throws IOException {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(64).array());
            out.write(new byte[20]);
        }
    }

    private BackendProvider provider() {
        return new BackendProvider() {
            @Override
            public String name() {
                return "memory";
            }

            @Override
            public Backend open(io.kvorum.spi.backend.BackendContext context) {
                opened[0] = new InMemoryBackend();
                return opened[0];
            }
        };
    }
}
