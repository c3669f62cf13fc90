package io.kvorum.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.AlarmMember;
import io.kvorum.api.etcdserverpb.AlarmRequest;
import io.kvorum.api.etcdserverpb.AlarmResponse;
import io.kvorum.api.etcdserverpb.AlarmType;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.server.alarm.AlarmStore;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.consensus.Entry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Alarms are applied from the log like writes, kept in the alarm bucket, and refuse writes as etcd's appliers. */
class ApplierAlarmTest {
    private final InMemoryBackend backend = new InMemoryBackend();
    private Applier member = applier(backend);
    private long index;

    private static Applier applier(InMemoryBackend backend) {
        return new Applier(MvccStore.open(backend), Runnable::run, new Lessor(2, System::nanoTime));
    }

    /** Applies one request and returns its answer, or the etcd error it failed with. */
    private Object apply(InternalRaftRequest.Builder request) throws Exception {
        long id = ++index;
        CompletableFuture<Object> answer = member.await(id);
        member.apply(List.of(new Entry(id, 2, request.setID(id).build().toByteArray())), true);
        try {
            return answer.get(1, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return ((EtcdException) e.getCause()).error();
        }
    }

    private static InternalRaftRequest.Builder alarm(AlarmRequest.AlarmAction action, long member, AlarmType type) {
        return InternalRaftRequest.newBuilder().setAlarm(AlarmRequest.newBuilder().setAction(action).setMemberID(member).setAlarm(type));
    }

    private static InternalRaftRequest.Builder put(String key) {
        return InternalRaftRequest.newBuilder().setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)));
    }

    private static InternalRaftRequest.Builder txn(RequestOp op) {
        return InternalRaftRequest.newBuilder().setTxn(TxnRequest.newBuilder().addSuccess(op));
    }

    private static final AlarmMember NOSPACE_7 = AlarmMember.newBuilder().setMemberID(7).setAlarm(AlarmType.NOSPACE).build();
    private static final AlarmMember CORRUPT_0 = AlarmMember.newBuilder().setAlarm(AlarmType.CORRUPT).build();

    @Test
    void nospaceRefusesWhatGrowsTheStoreAndDeletesStillWork() throws Exception {
        apply(put("a"));
        AlarmResponse raised = (AlarmResponse) apply(alarm(AlarmRequest.AlarmAction.ACTIVATE, 7, AlarmType.NOSPACE));
        assertEquals(List.of(NOSPACE_7), raised.getAlarmsList());

        assertEquals(EtcdError.NO_SPACE, apply(put("b")));
        assertEquals(EtcdError.NO_SPACE, apply(InternalRaftRequest.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(5).setTTL(60))));
        assertEquals(EtcdError.NO_SPACE, apply(txn(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
                .addFailure(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("c"))))).build())));
        assertInstanceOf(io.kvorum.api.etcdserverpb.DeleteRangeResponse.class,
                apply(InternalRaftRequest.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")))));

        member = applier(backend.restart());
        assertEquals(List.of(NOSPACE_7), member.alarms().all(), "alarms are kept in the alarm bucket");
        AlarmResponse disarmed = (AlarmResponse) apply(alarm(AlarmRequest.AlarmAction.DEACTIVATE, 7, AlarmType.NOSPACE));
        assertEquals(List.of(NOSPACE_7), disarmed.getAlarmsList());
        assertInstanceOf(io.kvorum.api.etcdserverpb.PutResponse.class, apply(put("b")));
        assertEquals(List.of(), ((AlarmResponse) apply(alarm(AlarmRequest.AlarmAction.GET, 0, AlarmType.NONE))).getAlarmsList());
    }

    @Test
    void corruptRefusesEveryWriteAndGetFiltersByType() throws Exception {
        apply(alarm(AlarmRequest.AlarmAction.ACTIVATE, 7, AlarmType.NOSPACE));
        apply(alarm(AlarmRequest.AlarmAction.ACTIVATE, 0, AlarmType.CORRUPT));
        assertEquals(EtcdError.CORRUPT, apply(put("a")));
        assertEquals(EtcdError.CORRUPT, apply(InternalRaftRequest.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")))));
        assertEquals(List.of(CORRUPT_0), ((AlarmResponse) apply(alarm(AlarmRequest.AlarmAction.GET, 0, AlarmType.CORRUPT))).getAlarmsList());
        assertEquals(List.of(NOSPACE_7, CORRUPT_0), ((AlarmResponse) apply(alarm(AlarmRequest.AlarmAction.GET, 0, AlarmType.NONE))).getAlarmsList());
        assertEquals(List.of(), ((AlarmResponse) apply(alarm(AlarmRequest.AlarmAction.DEACTIVATE, 3, AlarmType.CORRUPT))).getAlarmsList(),
                "disarming an alarm that is not raised answers with none");
        assertEquals("memberID:7 alarm:NOSPACE ", AlarmStore.describe(NOSPACE_7));
        assertEquals("alarm:CORRUPT ", AlarmStore.describe(CORRUPT_0));
    }
}
