package io.kvorum.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.mvccpb.KeyValue;
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

/**
 * Only etcd's request errors fail a request; anything else while applying a committed entry stops
 * the apply loop for good, commits nothing of the batch, and a restart applies the entry again.
 */
class ApplierHaltTest {

    private static Applier applier(InMemoryBackend backend) {
        return new Applier(MvccStore.open(backend), Runnable::run, new Lessor(2, System::nanoTime));
    }

    private static Entry put(long index, String key, String value) {
        return put(index, PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)));
    }

    private static Entry put(long index, PutRequest.Builder put) {
        return new Entry(index, 2, InternalRaftRequest.newBuilder().setID(index).setPut(put).build().toByteArray());
    }

    private static List<KeyValue> get(Applier a, String key) {
        return a.store().range(key.getBytes(), new byte[0], 0, 0).kvs();
    }

    @Test
    void aBackendReadErrorStopsTheMemberInsteadOfSkippingTheEntry() throws Exception {
        InMemoryBackend before = new InMemoryBackend();
        applier(before).apply(List.of(put(1, "a", "1")), true);
        InMemoryBackend backend = before.restart(); // so that the record of "a" is read from the backend
        Applier member = applier(backend);
        CompletableFuture<Object> waiting = member.await(2);

        backend.failReads(true); // a put that asks for prev_kv reads the key's previous record
        ApplyHaltedException halted = assertThrows(ApplyHaltedException.class,
                () -> member.apply(List.of(put(2, PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("a"))
                        .setValue(ByteString.copyFromUtf8("2")).setPrevKv(true)), put(3, "b", "3")), true));

        assertEquals(2, halted.index());
        assertTrue(halted.getMessage().contains("index 2"), halted.getMessage());
        assertEquals(1, member.appliedIndex(), "nothing of the failed batch counts as applied");
        assertEquals(halted, member.halted().get(1, TimeUnit.SECONDS));
        ExecutionException answered = assertThrows(ExecutionException.class, () -> waiting.get(1, TimeUnit.SECONDS));
        assertEquals(EtcdError.STOPPED, ((EtcdException) answered.getCause()).error());
        backend.failReads(false);
        assertThrows(ApplyHaltedException.class, () -> member.apply(List.of(put(4, "c", "4")), true),
                "a halted loop applies nothing more, even once the backend reads again");

        Applier restarted = applier(backend.restart());
        assertEquals(1, restarted.appliedIndex(), "the restart resumes from the last committed batch");
        restarted.apply(List.of(put(2, "a", "2"), put(3, "b", "3")), true);

        Applier healthy = applier(new InMemoryBackend());
        healthy.apply(List.of(put(1, "a", "1")), true);
        healthy.apply(List.of(put(2, "a", "2"), put(3, "b", "3")), true);
        assertEquals(healthy.store().currentRevision(), restarted.store().currentRevision());
        assertEquals(get(healthy, "a"), get(restarted, "a"));
        assertEquals(get(healthy, "b"), get(restarted, "b"));
    }

    @Test
    void anEntryThatDoesNotDecodeStopsTheMember() {
        Applier member = applier(new InMemoryBackend());
        ApplyHaltedException halted = assertThrows(ApplyHaltedException.class,
                () -> member.apply(List.of(new Entry(1, 1, new byte[] {(byte) 0xff, 0x01})), true));
        assertEquals(1, halted.index());
        assertEquals(0, member.appliedIndex());
    }

    @Test
    void aFailedBackendCommitStopsTheMember() {
        InMemoryBackend backend = new InMemoryBackend();
        backend.crashWhen(ops -> true);
        Applier member = applier(backend);
        ApplyHaltedException halted = assertThrows(ApplyHaltedException.class,
                () -> member.apply(List.of(put(1, "a", "1"), put(2, "b", "2")), true));
        assertEquals(2, halted.index(), "the batch's last entry");
        assertEquals(0, member.appliedIndex());
    }

    @Test
    void aRequestFailingByEtcdsContractIsAnsweredAndTheLoopGoesOn() throws Exception {
        Applier member = applier(new InMemoryBackend());
        CompletableFuture<Object> answer = member.await(1);
        member.apply(List.of(put(1, PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).setLease(42)),
                put(2, "b", "2")), true);
        ExecutionException failed = assertThrows(ExecutionException.class, () -> answer.get(1, TimeUnit.SECONDS));
        assertEquals(EtcdError.LEASE_NOT_FOUND, assertInstanceOf(EtcdException.class, failed.getCause()).error());
        assertEquals(2, member.appliedIndex());
        assertTrue(get(member, "a").isEmpty());
        assertEquals(1, get(member, "b").size());
        assertTrue(!member.halted().isDone());
    }
}
