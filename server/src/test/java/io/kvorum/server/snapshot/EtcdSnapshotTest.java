package io.kvorum.server.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.WriteBatch;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.plugin.PluginOptions;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.NavigableMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcdSnapshotTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] revision(long main, long sub, boolean tombstone) {
        ByteBuffer b = ByteBuffer.allocate(tombstone ? 18 : 17).putLong(main).put((byte) '_').putLong(sub);
        if (tombstone) {
            b.put((byte) 't');
        }
        return b.array();
    }

    /** A backend as the server leaves it: history with a tombstone, meta, a lease, auth, an alarm. */
    private static InMemoryBackend sampleBackend() throws IOException {
        InMemoryBackend backend = new InMemoryBackend();
        WriteBatch batch = backend.newBatch();
        for (int rev = 2; rev < 500; rev++) {
            KeyValue kv = KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("/k/" + rev % 37))
                    .setValue(ByteString.copyFromUtf8("value " + rev)).setCreateRevision(rev).setModRevision(rev)
                    .setVersion(1).build();
            batch.put(Bucket.KEY, revision(rev, 0, false), kv.toByteArray());
        }
        batch.put(Bucket.KEY, revision(500, 0, true),
                KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("/k/1")).build().toByteArray());
        batch.put(Bucket.META, bytes("consistent_index"), ByteBuffer.allocate(8).putLong(812).array());
        batch.put(Bucket.META, bytes("term"), ByteBuffer.allocate(8).putLong(3).array());
        batch.put(Bucket.META, bytes("finishedCompactRev"), revision(2, 0, false));
        batch.put(Bucket.META, bytes("scheduledCompactRev"), revision(2, 0, false));
        batch.put(Bucket.LEASE, ByteBuffer.allocate(8).putLong(0x1234).array(), new byte[] {8, 1, 16, 60});
        batch.put(Bucket.AUTH, bytes("authEnabled"), new byte[] {1});
        batch.put(Bucket.AUTH_USERS, bytes("root"), new byte[] {10, 4, 'r', 'o', 'o', 't'});
        batch.put(Bucket.ALARM, new byte[] {8, 5, 16, 1}, new byte[0]);
        backend.commit(batch, true);
        return backend;
    }

    private Path snapshotFile(InMemoryBackend backend, List<Member> members) throws IOException {
        Path file = dir.resolve("snapshot.db");
        try (EtcdSnapshot snapshot = EtcdSnapshot.open(backend.readView(), members, "3.5.0");
             OutputStream out = Files.newOutputStream(file)) {
            snapshot.writeTo(out);
            assertEquals(snapshot.size(), Files.size(file));
        }
        return file;
    }

    /** etcd's snapshot save: the data, then its SHA-256. */
    private static Path withHash(Path file) throws Exception {
        byte[] data = Files.readAllBytes(file);
        Path saved = file.resolveSibling(file.getFileName() + ".saved");
        Files.write(saved, data);
        Files.write(saved, MessageDigest.getInstance("SHA-256").digest(data), java.nio.file.StandardOpenOption.APPEND);
        return saved;
    }

    @Test
    void theFileHoldsEveryBackendBucketAsItIsPlusMembersAndClusterVersion() throws Exception {
        InMemoryBackend backend = sampleBackend();
        Member member = new Member(0x8e9e05c52164694dL, "infra1", List.of("http://10.0.0.1:2380"),
                List.of("http://10.0.0.1:2379"), false);
        Member learner = new Member(-2, "", List.of("http://10.0.0.2:2380"), List.of(), true);
        Path file = snapshotFile(backend, List.of(member, learner));

        try (BboltReader reader = BboltReader.open(file, Files.size(file))) {
            reader.check();
            List<String> names = new ArrayList<>();
            for (byte[] name : reader.bucketNames()) {
                names.add(new String(name, StandardCharsets.UTF_8));
            }
            assertEquals(List.of("alarm", "auth", "authRoles", "authUsers", "cluster", "key", "lease", "members",
                    "members_removed", "meta"), names);
            for (Bucket bucket : EtcdSnapshot.BACKEND_BUCKETS) {
                assertEquals(dump(backend.entries(bucket)), dump(reader, bucket.name()), bucket.name());
            }
            assertEquals(List.of(
                    "8e9e05c52164694d={\"id\":10276657743932975437,\"peerURLs\":[\"http://10.0.0.1:2380\"],"
                            + "\"name\":\"infra1\",\"clientURLs\":[\"http://10.0.0.1:2379\"]}",
                    "fffffffffffffffe={\"id\":18446744073709551614,\"peerURLs\":[\"http://10.0.0.2:2380\"],"
                            + "\"isLearner\":true}"), text(reader, "members"));
            assertEquals(List.of("clusterVersion=3.5.0"), text(reader, "cluster"));
        }
        SnapshotStatus status = SnapshotStatus.of(file);
        assertEquals(500, status.revision());
        assertEquals(Files.size(file), status.totalSize());
        assertEquals(499 + 4 + 1 + 1 + 1 + 1 + 2 + 1, status.totalKey());
        if (GoBbolt.available()) {
            assertTrue(GoBbolt.dump(file).startsWith("bucket\talarm\n"));
        }
    }

    @Test
    void aRestoreKeepsHistoryLeasesAuthAndCompactionButNotTheOldLogPosition() throws Exception {
        Path file = withHash(snapshotFile(sampleBackend(), List.of()));
        InMemoryBackend[] restored = {null};
        Path dataDir = dir.resolve("member-data");
        SnapshotRestore.restore(file, false, dataDir, provider(restored), PluginOptions.empty(), MvccStore.BUCKETS);

        assertTrue(Files.isDirectory(dataDir.resolve("member").resolve("wal")));
        InMemoryBackend original = sampleBackend();
        for (Bucket bucket : List.of(Bucket.KEY, Bucket.LEASE, Bucket.AUTH, Bucket.AUTH_USERS, Bucket.ALARM)) {
            assertEquals(dump(original.entries(bucket)), dump(restored[0].entries(bucket)), bucket.name());
        }
        List<String> meta = new ArrayList<>();
        restored[0].entries(Bucket.META).keySet().forEach(k -> meta.add(new String(k, StandardCharsets.UTF_8)));
        assertEquals(List.of("finishedCompactRev", "scheduledCompactRev"), meta);
    }

    @Test
    void aFileWhoseHashDoesNotMatchIsRefusedAndLeavesNoDataDir() throws Exception {
        Path file = withHash(snapshotFile(sampleBackend(), List.of()));
        byte[] data = Files.readAllBytes(file);
        data[5000] ^= 1;
        Files.write(file, data);
        Path dataDir = dir.resolve("refused");
        IOException e = assertThrows(IOException.class, () -> SnapshotRestore.restore(file, false, dataDir,
                provider(new InMemoryBackend[1]), PluginOptions.empty(), MvccStore.BUCKETS));
        assertTrue(e.getMessage().startsWith("expected sha256 ["), e.getMessage());
        assertFalse(Files.exists(dataDir));
    }

    @Test
    void aTruncatedFileIsRefusedEvenWithoutTheHashCheckAndLeavesNothingBehind() throws Exception {
        Path file = snapshotFile(sampleBackend(), List.of());
        byte[] data = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(data, data.length - 3 * 4096));
        Path dataDir = dir.resolve("truncated");
        IOException e = assertThrows(IOException.class, () -> SnapshotRestore.restore(file, true, dataDir,
                provider(new InMemoryBackend[1]), PluginOptions.empty(), MvccStore.BUCKETS));
        assertTrue(e.getMessage().contains("bbolt"), e.getMessage());
        try (var left = Files.list(dir)) {
            assertEquals(List.of(file.getFileName().toString()),
                    left.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void aFileWithoutHashNeedsSkipHashCheck() throws Exception {
        Path file = snapshotFile(sampleBackend(), List.of());
        IOException e = assertThrows(IOException.class, () -> SnapshotRestore.restore(file, false, dir.resolve("d"),
                provider(new InMemoryBackend[1]), PluginOptions.empty(), MvccStore.BUCKETS));
        assertEquals("snapshot missing hash but --skip-hash-check=false", e.getMessage());
    }

    @Test
    void sizesPrintAsGoHumanizeDoes() {
        assertEquals("0 B", SnapshotStatus.humanBytes(0));
        assertEquals("9 B", SnapshotStatus.humanBytes(9));
        assertEquals("20 kB", SnapshotStatus.humanBytes(20480));
        assertEquals("676 kB", SnapshotStatus.humanBytes(675840));
        assertEquals("1.0 MB", SnapshotStatus.humanBytes(1_000_000));
        assertEquals("2.1 GB", SnapshotStatus.humanBytes(2_147_483_648L));
    }

    private static BackendProvider provider(InMemoryBackend[] opened) {
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

    private static List<String> dump(NavigableMap<byte[], byte[]> entries) {
        List<String> out = new ArrayList<>();
        entries.forEach((k, v) -> out.add(HexFormat.of().formatHex(k) + "=" + HexFormat.of().formatHex(v)));
        return out;
    }

    private static List<String> dump(BboltReader reader, String bucket) throws IOException {
        List<String> out = new ArrayList<>();
        reader.forEach(bytes(bucket), (k, v) -> out.add(HexFormat.of().formatHex(k) + "=" + HexFormat.of().formatHex(v)));
        return out;
    }

    private static List<String> text(BboltReader reader, String bucket) throws IOException {
        List<String> out = new ArrayList<>();
        reader.forEach(bytes(bucket), (k, v) -> out.add(new String(k, StandardCharsets.UTF_8) + "="
                + new String(v, StandardCharsets.UTF_8)));
        return out;
    }
}
