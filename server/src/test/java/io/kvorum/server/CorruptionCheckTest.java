package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.AlarmMember;
import io.kvorum.api.etcdserverpb.AlarmRequest;
import io.kvorum.api.etcdserverpb.AlarmType;
import io.kvorum.api.etcdserverpb.AuthEnableRequest;
import io.kvorum.api.etcdserverpb.AuthGrpc;
import io.kvorum.api.etcdserverpb.AuthUserAddRequest;
import io.kvorum.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.kvorum.api.etcdserverpb.AuthenticateRequest;
import io.kvorum.api.etcdserverpb.HashKVRequest;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.StatusRequest;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's periodic corruption check: the leader compares the members' HashKV, and a member whose
 * data differs raises the CORRUPT alarm for the cluster; writes then fail with "corrupt cluster".
 */
class CorruptionCheckTest {
    @TempDir
    Path dir;

    /** A backend that, once told to, stores every value written to the {@code key} bucket altered. */
    static final class CorruptingBackendProvider implements BackendProvider {
        final InMemoryBackend backend = new InMemoryBackend();
        volatile boolean corrupt;

        @Override
        public String name() {
            return "corrupting";
        }

        @Override
        public Backend open(BackendContext context) {
            return new Backend() {
                public WriteBatch newBatch() {
                    return new AlteringBatch(backend.newBatch());
                }
                public void commit(WriteBatch batch, boolean durable) throws IOException {
                    backend.commit(((AlteringBatch) batch).inner, durable);
                }
                public ReadView readView() { return backend.readView(); }
                public long size() { return backend.size(); }
                public long sizeInUse() { return backend.sizeInUse(); }
                public void defragment() { backend.defragment(); }
                public void snapshot(OutputStream out) throws IOException { backend.snapshot(out); }
                public void restore(InputStream in) throws IOException { backend.restore(in); }
                public void close() { backend.close(); }
            };
        }

        /** Passes every write on, altering values for the {@code key} bucket while {@link #corrupt} is set. */
        private final class AlteringBatch implements WriteBatch {
            final WriteBatch inner;

            AlteringBatch(WriteBatch inner) {
                this.inner = inner;
            }

            public void put(Bucket bucket, byte[] key, byte[] value) {
                inner.put(bucket, key, corrupt && bucket.equals(Bucket.KEY) ? altered(value) : value);
            }

            public void delete(Bucket bucket, byte[] key) {
                inner.delete(bucket, key);
            }

            public void deleteRange(Bucket bucket, byte[] from, byte[] to) {
                inner.deleteRange(bucket, from, to);
            }

            public int size() {
                return inner.size();
            }

            public void close() {
                inner.close();
            }
        }

        /** The same record with another value: still a record the store reads, but not the one the log made. */
        private static byte[] altered(byte[] record) {
            try {
                KeyValue kv = KeyValue.parseFrom(record);
                return kv.toBuilder().setValue(kv.getValue().concat(ByteString.copyFromUtf8("!"))).build().toByteArray();
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build();
    }

    @Test
    void aMemberWhoseDataDivergesRaisesCorruptWithinTheCheckIntervalAndWritesAreRefused() throws Exception {
        CorruptingBackendProvider bad = new CorruptingBackendProvider();
        try (SharedLogCluster cluster = new SharedLogCluster(dir, 3,
                i -> i == 2 ? bad : new KvorumServerTest.MemoryBackendProvider(),
                config -> config.corruptCheckTime(Duration.ofMillis(500)))) {
            cluster.elect(0);
            KVGrpc.KVBlockingStub kv = cluster.client(0, KVGrpc.KVBlockingStub.class).withDeadlineAfter(10, TimeUnit.SECONDS);
            MaintenanceGrpc.MaintenanceBlockingStub maintenance = cluster.client(0, MaintenanceGrpc.MaintenanceBlockingStub.class);
            kv.put(put("a", "1"));
            Thread.sleep(1500); // a few clean passes: equal data raises nothing
            assertEquals(List.of(), alarms(maintenance));

            bad.corrupt = true;
            kv.put(put("b", "2"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (alarms(maintenance).isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "no CORRUPT alarm within 10 s");
                Thread.sleep(100);
            }

            AlarmMember corrupt = AlarmMember.newBuilder().setMemberID(0).setAlarm(AlarmType.CORRUPT).build();
            for (int m = 0; m < 3; m++) {
                assertEquals(List.of(corrupt), alarms(cluster.client(m, MaintenanceGrpc.MaintenanceBlockingStub.class)),
                        "the alarm is the cluster's: every member lists it");
                assertTrue(cluster.client(m, MaintenanceGrpc.MaintenanceBlockingStub.class)
                        .status(StatusRequest.getDefaultInstance()).getErrorsList().contains("alarm:CORRUPT "));
            }
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> kv.put(put("c", "3")));
            assertEquals(Status.Code.DATA_LOSS, refused.getStatus().getCode());
            assertEquals("etcdserver: corrupt cluster", refused.getStatus().getDescription());
            assertEquals(1, kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build()).getCount(),
                    "reads still work");

            maintenance.alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE)
                    .setAlarm(AlarmType.CORRUPT).build());
            assertEquals(List.of(), alarms(maintenance));
        }
    }

    /**
     * With auth enabled a peer refuses HashKV to a client without a token, so the check asks the
     * peers over the consensus' peer channel instead, as etcd asks {@code /members/hashkv} on the
     * peer port: it still finds the member whose data differs.
     */
    @Test
    void withAuthEnabledTheCheckAsksThePeersOverThePeerChannelAndRaisesCorrupt() throws Exception {
        CorruptingBackendProvider bad = new CorruptingBackendProvider();
        try (SharedLogCluster cluster = new SharedLogCluster(dir, 3,
                i -> i == 2 ? bad : new KvorumServerTest.MemoryBackendProvider(),
                config -> config.corruptCheckTime(Duration.ofMillis(500)))) {
            cluster.log.peerQuestions(true);
            cluster.elect(0);
            AuthGrpc.AuthBlockingStub auth = cluster.client(0, AuthGrpc.AuthBlockingStub.class);
            auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
            auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
            auth.authEnable(AuthEnableRequest.getDefaultInstance());
            String token = auth.authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword("rootpw")
                    .build()).getToken();
            KVGrpc.KVBlockingStub kv = GrpcClients.builder(cluster.endpoint(0)).addHeader("token", token)
                    .build(KVGrpc.KVBlockingStub.class).withDeadlineAfter(10, TimeUnit.SECONDS);
            MaintenanceGrpc.MaintenanceBlockingStub maintenance = GrpcClients.builder(cluster.endpoint(0))
                    .addHeader("token", token).build(MaintenanceGrpc.MaintenanceBlockingStub.class);
            kv.put(put("a", "1"));
            StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class, () -> cluster.client(1,
                    MaintenanceGrpc.MaintenanceBlockingStub.class).hashKV(HashKVRequest.getDefaultInstance()));
            assertEquals("etcdserver: user name is empty", anonymous.getStatus().getDescription(),
                    "a peer's client port wants a token for HashKV: the check cannot ask there");
            Thread.sleep(1500); // a few clean passes: equal data raises nothing
            assertEquals(List.of(), alarms(maintenance));

            bad.corrupt = true;
            kv.put(put("b", "2"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (alarms(maintenance).isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "no CORRUPT alarm within 10 s");
                Thread.sleep(100);
            }
            assertEquals(List.of(AlarmMember.newBuilder().setMemberID(0).setAlarm(AlarmType.CORRUPT).build()),
                    alarms(maintenance));
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> kv.put(put("c", "3")));
            assertEquals("etcdserver: corrupt cluster", refused.getStatus().getDescription());
        }
    }

    @Test
    void theCompactionHashCheckRaisesCorruptForTheMemberThatDiffersAtTheCompactionRevision() throws Exception {
        CorruptingBackendProvider bad = new CorruptingBackendProvider();
        try (SharedLogCluster cluster = new SharedLogCluster(dir, 3,
                i -> i == 2 ? bad : new KvorumServerTest.MemoryBackendProvider(),
                config -> config.compactHashCheck(true).compactHashCheckTime(Duration.ofMillis(300)))) {
            cluster.elect(0);
            KVGrpc.KVBlockingStub kv = cluster.client(0, KVGrpc.KVBlockingStub.class).withDeadlineAfter(10, TimeUnit.SECONDS);
            MaintenanceGrpc.MaintenanceBlockingStub maintenance = cluster.client(0, MaintenanceGrpc.MaintenanceBlockingStub.class);
            long clean = kv.put(put("a", "1")).getHeader().getRevision();
            kv.compact(io.kvorum.api.etcdserverpb.CompactionRequest.newBuilder().setRevision(clean).build());
            awaitRevision(cluster, 2, clean);
            Thread.sleep(1500); // a few passes over a clean compaction raise nothing
            assertEquals(List.of(), alarms(maintenance));

            bad.corrupt = true;
            long corrupted = kv.put(put("b", "2")).getHeader().getRevision();
            kv.compact(io.kvorum.api.etcdserverpb.CompactionRequest.newBuilder().setRevision(corrupted).build());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (alarms(maintenance).isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "no CORRUPT alarm within 10 s");
                Thread.sleep(100);
            }

            assertEquals(List.of(AlarmMember.newBuilder().setMemberID(cluster.id(2)).setAlarm(AlarmType.CORRUPT).build()),
                    alarms(maintenance), "the alarm names the member whose hash differs, as etcd's");
        }
    }

    @Test
    void theWholeBackendHashDiffersWhereTheDataDiffers() throws Exception {
        CorruptingBackendProvider bad = new CorruptingBackendProvider();
        bad.corrupt = true;
        try (SharedLogCluster cluster = new SharedLogCluster(dir, 2,
                i -> i == 1 ? bad : new KvorumServerTest.MemoryBackendProvider(), config -> config)) {
            cluster.elect(0);
            cluster.client(0, KVGrpc.KVBlockingStub.class).put(put("a", "1"));
            awaitRevision(cluster, 1, 2);
            var good = cluster.client(0, MaintenanceGrpc.MaintenanceBlockingStub.class);
            var other = cluster.client(1, MaintenanceGrpc.MaintenanceBlockingStub.class);
            assertNotEquals(good.hash(io.kvorum.api.etcdserverpb.HashRequest.getDefaultInstance()).getHash(),
                    other.hash(io.kvorum.api.etcdserverpb.HashRequest.getDefaultInstance()).getHash());
            assertNotEquals(good.hashKV(HashKVRequest.getDefaultInstance()).getHash(),
                    other.hashKV(HashKVRequest.getDefaultInstance()).getHash());
        }
    }

    private static void awaitRevision(SharedLogCluster cluster, int member, long revision) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cluster.client(member, MaintenanceGrpc.MaintenanceBlockingStub.class)
                .status(StatusRequest.getDefaultInstance()).getHeader().getRevision() < revision) {
            assertTrue(System.nanoTime() < deadline);
            Thread.sleep(20);
        }
    }

    private static List<AlarmMember> alarms(MaintenanceGrpc.MaintenanceBlockingStub maintenance) {
        return maintenance.withDeadlineAfter(10, TimeUnit.SECONDS).alarm(AlarmRequest.newBuilder()
                .setAction(AlarmRequest.AlarmAction.GET).build()).getAlarmsList();
    }
}
