package io.kvorum.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.AlarmRequest;
import io.kvorum.api.etcdserverpb.AlarmType;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.DeleteRangeResponse;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.server.alarm.BackendQuota;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * etcd's quota applier: a put that no longer fits when it is applied is applied all the same, on
 * every member alike, but answered with "database space exceeded" once the member raised NOSPACE.
 */
class ApplierQuotaTest {
    private final AtomicLong size = new AtomicLong();
    private final AtomicInteger raised = new AtomicInteger();
    private final Applier member = new Applier(MvccStore.open(new InMemoryBackend()), Runnable::run, new Lessor(2, System::nanoTime));
    private long index;

    ApplierQuotaTest() {
        member.enforce(BackendQuota.of(10_000, size::get), () -> {
            raised.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        });
    }

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

    private static InternalRaftRequest.Builder put(String key) {
        return InternalRaftRequest.newBuilder().setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)));
    }

    @Test
    void aPutOverTheQuotaIsAppliedButAnsweredNoSpaceAfterTheAlarmIsRaised() throws Exception {
        assertInstanceOf(PutResponse.class, apply(put("a")));
        long revision = member.store().currentRevision();

        size.set(10_000);
        assertEquals(EtcdError.NO_SPACE, apply(put("b")));

        assertEquals(revision + 1, member.store().currentRevision(), "applied, as on every other member");
        assertEquals(1, raised.get(), "the member raised NOSPACE");
        assertInstanceOf(DeleteRangeResponse.class,
                apply(InternalRaftRequest.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")))),
                "a delete costs nothing");
    }

    @Test
    void withNospaceRaisedAPutIsRefusedWithoutBeingAppliedAndNotRaisedAgain() throws Exception {
        apply(InternalRaftRequest.newBuilder().setAlarm(AlarmRequest.newBuilder()
                .setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(1).setAlarm(AlarmType.NOSPACE)));
        long revision = member.store().currentRevision();
        size.set(10_000);

        assertEquals(EtcdError.NO_SPACE, apply(put("b")));

        assertEquals(revision, member.store().currentRevision());
        assertEquals(0, raised.get());
        assertFalse(member.alarms().get(AlarmType.NOSPACE).isEmpty());
    }
}
