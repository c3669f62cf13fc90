package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.AlarmRequest;
import io.kvorum.api.etcdserverpb.AlarmType;
import io.kvorum.api.etcdserverpb.ClusterGrpc;
import io.kvorum.api.etcdserverpb.CompactionRequest;
import io.kvorum.api.etcdserverpb.Compare;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.MemberListRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.StatusRequest;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.TxnResponse;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One embedded member over an in-memory backend, spoken to through etcd's gRPC API. */
class KvorumServerTest {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");

    /** Every test's member gets a folder of its own here, kept until the last member has stopped. */
    @TempDir
    static Path root;
    /** Members stopping in the background: a stop may wait up to a second for requests in flight, which no test waits for. */
    private static final List<CompletableFuture<Void>> STOPPING = new CopyOnWriteArrayList<>();
    private KvorumServer server;
    private KVGrpc.KVBlockingStub kv;
    private String endpoint;

    static final class MemoryBackendProvider implements BackendProvider {
        final InMemoryBackend backend = new InMemoryBackend();
        /** How each commit asked to be made: durable (fsync) or not. */
        final List<Boolean> durability = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "memory";
        }

        @Override
        public Backend open(BackendContext context) {
            return new Backend() {
                public io.kvorum.spi.backend.WriteBatch newBatch() { return backend.newBatch(); }
                public void commit(io.kvorum.spi.backend.WriteBatch batch, boolean durable) throws java.io.IOException {
                    durability.add(durable);
                    backend.commit(batch, durable);
                }
                public io.kvorum.spi.backend.ReadView readView() { return backend.readView(); }
                public long size() { return backend.size(); }
                public long sizeInUse() { return backend.sizeInUse(); }
                public void defragment() { backend.defragment(); }
                public void snapshot(java.io.OutputStream out) throws java.io.IOException { backend.snapshot(out); }
                public void restore(java.io.InputStream in) throws java.io.IOException { backend.restore(in); }
                public void close() { backend.close(); }
            };
        }
    }

    private final MemoryBackendProvider memory = new MemoryBackendProvider();

    @BeforeEach
    void start() throws Exception {
        Path dir = Files.createTempDirectory(root, "member");
        server = KvorumServer.builder()
                .config(ServerConfig.builder().dataDir(dir).listenClientUrls(List.of(ANY_PORT))
                        .advertiseClientUrls(List.of(ANY_PORT)).maxRequestBytes(4096).build())
                .backend(memory)
                .build();
        server.start();
        endpoint = server.clientUrls().get(0).toString();
        kv = GrpcClients.newClient(endpoint, KVGrpc.KVBlockingStub.class);
    }

    @AfterEach
    void stop() {
        KvorumServer stopping = server;
        STOPPING.add(CompletableFuture.runAsync(stopping::close, runnable -> new Thread(runnable, "stop").start()));
    }

    @AfterAll
    static void everyMemberStops() {
        CompletableFuture.allOf(STOPPING.toArray(CompletableFuture[]::new)).join();
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void boundPortIsReportedAndPublished() {
        URI url = server.clientUrls().get(0);
        assertTrue(url.getPort() > 0);
        var members = GrpcClients.newClient(endpoint, ClusterGrpc.ClusterBlockingStub.class)
                .memberList(MemberListRequest.newBuilder().setLinearizable(true).build()).getMembersList();
        assertEquals(1, members.size());
        assertEquals(List.of(url.toString()), members.get(0).getClientURLsList());
        assertEquals("default", members.get(0).getName());
    }

    @Test
    void putsGetRevisionsFromTwoAndReadsSeeThem() {
        assertEquals(2, kv.put(PutRequest.newBuilder().setKey(b("a")).setValue(b("1")).build()).getHeader().getRevision());
        assertEquals(3, kv.put(PutRequest.newBuilder().setKey(b("a")).setValue(b("2")).build()).getHeader().getRevision());
        RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(b("a")).build());
        assertEquals(1, r.getCount());
        assertEquals(b("2"), r.getKvs(0).getValue());
        assertEquals(2, r.getKvs(0).getVersion());
        assertEquals(2, r.getKvs(0).getCreateRevision());
        assertEquals(3, r.getKvs(0).getModRevision());
        assertTrue(r.getHeader().getClusterId() != 0 && r.getHeader().getMemberId() != 0);
        RangeResponse old = kv.range(RangeRequest.newBuilder().setKey(b("a")).setRevision(2).build());
        assertEquals(b("1"), old.getKvs(0).getValue());
        assertEquals(3, old.getHeader().getRevision(), "header carries the current revision");
    }

    @Test
    void txnChoosesItsBranchAndNestedTxnsAnswerInPlace() {
        kv.put(PutRequest.newBuilder().setKey(b("k")).setValue(b("v")).build());
        TxnResponse t = kv.txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(b("k")).setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL).setValue(b("v")))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("x")).setValue(b("y"))))
                .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
                        .addCompare(Compare.newBuilder().setKey(b("x")).setTarget(Compare.CompareTarget.VERSION)
                                .setResult(Compare.CompareResult.EQUAL).setVersion(0))
                        .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b("x"))))))
                .build());
        assertTrue(t.getSucceeded());
        assertEquals(3, t.getHeader().getRevision());
        // Nested compares see the state before the txn: x did not exist yet.
        TxnResponse inner = t.getResponses(1).getResponseTxn();
        assertTrue(inner.getSucceeded());
        assertEquals(b("y"), inner.getResponses(0).getResponseRange().getKvs(0).getValue(), "ops see earlier ops");
    }

    @Test
    void errorsHaveEtcdsCodesAndMessagesAndChangeNothing() {
        kv.put(PutRequest.newBuilder().setKey(b("a")).setValue(b("1")).build());
        assertError(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
                () -> kv.put(PutRequest.newBuilder().setValue(b("1")).build()));
        assertError(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large",
                () -> kv.put(PutRequest.newBuilder().setKey(b("big")).setValue(ByteString.copyFrom(new byte[5000])).build()));
        assertError(Status.Code.NOT_FOUND, "etcdserver: requested lease not found",
                () -> kv.put(PutRequest.newBuilder().setKey(b("l")).setLease(42).build()));
        assertError(Status.Code.INVALID_ARGUMENT, "etcdserver: key not found",
                () -> kv.put(PutRequest.newBuilder().setKey(b("missing")).setIgnoreValue(true).build()));
        assertError(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision",
                () -> kv.range(RangeRequest.newBuilder().setKey(b("a")).setRevision(100).build()));
        assertEquals(2, kv.range(RangeRequest.newBuilder().setKey(b("a")).build()).getHeader().getRevision());
    }

    @Test
    void compactionMakesOlderRevisionsUnreadable() {
        for (int i = 0; i < 5; i++) {
            kv.put(PutRequest.newBuilder().setKey(b("c")).setValue(b("v" + i)).build());
        }
        kv.compact(CompactionRequest.newBuilder().setRevision(4).setPhysical(true).build());
        assertError(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted",
                () -> kv.range(RangeRequest.newBuilder().setKey(b("c")).setRevision(3).build()));
        assertEquals(b("v2"), kv.range(RangeRequest.newBuilder().setKey(b("c")).setRevision(4).build()).getKvs(0).getValue());
        assertError(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted",
                () -> kv.compact(CompactionRequest.newBuilder().setRevision(4).build()));
    }

    @Test
    void statusReportsThisMemberAsLeader() {
        var status = GrpcClients.newClient(endpoint, MaintenanceGrpc.MaintenanceBlockingStub.class)
                .status(StatusRequest.getDefaultInstance());
        assertEquals(status.getHeader().getMemberId(), status.getLeader());
        assertFalse(status.getIsLearner());
        assertEquals(EtcdVersion.SERVER, status.getVersion());
        assertTrue(status.getRaftIndex() >= status.getRaftAppliedIndex());
    }

    @Test
    void theDeepestTxnTheApiAcceptsIsAppliedAndAnswered() {
        // The log entry wraps the request in one more message; a request at the API's nesting
        // limit must still be applied, never dropped unanswered.
        for (int levels = 52; levels > 40; levels--) {
            TxnRequest.Builder t = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
                    .setRequestPut(PutRequest.newBuilder().setKey(b("deep" + levels)).setValue(b("v"))));
            for (int i = 0; i < levels; i++) {
                t = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(t));
            }
            TxnRequest request = t.build();
            try {
                assertTrue(kv.txn(request).getSucceeded());
            } catch (StatusRuntimeException e) {
                assertEquals(Status.Code.INTERNAL, e.getStatus().getCode(), "too deep for the API: " + e);
                continue;
            }
            assertEquals(b("v"), kv.range(RangeRequest.newBuilder().setKey(b("deep" + levels)).build())
                    .getKvs(0).getValue());
            return;
        }
        throw new AssertionError("no nesting depth was accepted");
    }

    @Test
    void plainPutChecksItsLeaseBeforeItsPreviousValue() {
        assertError(Status.Code.NOT_FOUND, "etcdserver: requested lease not found",
                () -> kv.put(PutRequest.newBuilder().setKey(b("missing")).setIgnoreValue(true).setLease(5).build()));
    }

    @Test
    void nestedTxnResponsesCarryAnEmptyHeader() {
        TxnResponse t = kv.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(
                TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(b("n")).setValue(b("v")))))).build());
        assertEquals(2, t.getHeader().getRevision());
        assertTrue(t.getResponses(0).getResponseTxn().hasHeader());
        assertEquals(0, t.getResponses(0).getResponseTxn().getHeader().getRevision());
        assertEquals(2, t.getResponses(0).getResponseTxn().getResponses(0).getResponsePut().getHeader().getRevision());
    }

    @Test
    void compactionHeaderCarriesTheCurrentRevision() {
        kv.put(PutRequest.newBuilder().setKey(b("a")).setValue(b("1")).build());
        assertEquals(2, kv.compact(CompactionRequest.newBuilder().setRevision(2).build()).getHeader().getRevision());
    }

    @Test
    void disarmingWhenNoAlarmIsArmedAnswersWithNoAlarms() {
        var alarms = GrpcClients.newClient(endpoint, MaintenanceGrpc.MaintenanceBlockingStub.class)
                .alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE)
                        .setAlarm(AlarmType.NOSPACE).build());
        assertEquals(0, alarms.getAlarmsCount());
    }

    @Test
    void theStandardGrpcHealthServiceSaysServing() {
        var health = GrpcClients.newClient(endpoint, io.grpc.health.v1.HealthGrpc.HealthBlockingStub.class);
        assertEquals(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING,
                health.check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus());
        assertError(Status.Code.NOT_FOUND, "unknown service", () -> health.check(
                io.grpc.health.v1.HealthCheckRequest.newBuilder().setService("no.such.Service").build()));
    }

    @Test
    void healthAnswersLikeEtcd() {
        AggregatedHttpResponse ok = WebClient.of(endpoint).get("/health").aggregate().join();
        assertEquals(200, ok.status().code());
        assertEquals("{\"health\":\"true\",\"reason\":\"\"}", ok.contentUtf8());
        assertEquals(405, WebClient.of(endpoint).post("/health", "").aggregate().join().status().code());
    }

    @Test
    void aFailedCommitFailsTheWriteAndStopsTheMemberWithTheReason() throws Exception {
        kv.put(PutRequest.newBuilder().setKey(b("before")).setValue(b("1")).build());
        memory.backend.crashWhen(ops -> true);
        assertError(Status.Code.UNAVAILABLE, "etcdserver: server stopped",
                () -> kv.put(PutRequest.newBuilder().setKey(b("lost")).setValue(b("1")).build()));
        java.util.concurrent.ExecutionException stopped = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> server.stopped().get(10, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(stopped.getCause().getMessage().startsWith("cannot commit the applied batch ending at index "),
                stopped.getCause().getMessage());
        StatusRuntimeException after = assertThrows(StatusRuntimeException.class,
                () -> kv.put(PutRequest.newBuilder().setKey(b("after")).setValue(b("1")).build()));
        assertEquals(Status.Code.UNAVAILABLE, after.getStatus().getCode(), "a stopped member takes nothing more");
        assertEquals(List.of(b("1")), memory.backend.restart().entries(io.kvorum.spi.backend.Bucket.KEY).values().stream()
                .map(record -> parse(record).getValue()).toList(), "only what was committed before is stored");
    }

    private static io.kvorum.api.mvccpb.KeyValue parse(byte[] record) {
        try {
            return io.kvorum.api.mvccpb.KeyValue.parseFrom(record);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void withTheStandaloneConsensusEveryCommitIsDurableBeforeTheWriteIsAcknowledged() {
        memory.durability.clear();
        for (int i = 0; i < 20; i++) {
            kv.put(PutRequest.newBuilder().setKey(b("d" + i)).setValue(b("v")).build());
        }
        assertFalse(memory.durability.isEmpty());
        assertFalse(memory.durability.contains(false), "a commit without fsync: " + memory.durability);
    }

    private static void assertError(Status.Code code, String message, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode(), e.toString());
        assertEquals(message, e.getStatus().getDescription());
    }

}
