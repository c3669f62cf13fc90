package io.kvorum.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.consensus.Entry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * A request is answered where it was proposed from (its call's event loop, say): the apply
 * thread hands each such place the answers of a batch in one task, in log order, and completes
 * nothing itself.
 */
class ApplierAnswersTest {
    /** Holds the tasks handed to it until the test runs them. */
    private static final class HeldExecutor implements Executor {
        final List<Runnable> tasks = new ArrayList<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            List<Runnable> now = new ArrayList<>(tasks);
            tasks.clear();
            now.forEach(Runnable::run);
        }
    }

    private final HeldExecutor replies = new HeldExecutor();
    private final Applier member = new Applier(MvccStore.open(new InMemoryBackend()), replies, new Lessor(2, System::nanoTime));
    /** Where the next proposal is made from. */
    private Executor proposingFrom = replies;

    ApplierAnswersTest() {
        member.answerOn(() -> proposingFrom);
    }

    private static Entry put(long index, String key) {
        return new Entry(index, 2, InternalRaftRequest.newBuilder().setID(index)
                .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))).build().toByteArray());
    }

    @Test
    void eachPlaceGetsOneTaskPerBatchWithItsAnswersInLogOrder() {
        HeldExecutor loopA = new HeldExecutor();
        HeldExecutor loopB = new HeldExecutor();
        List<Long> answered = new ArrayList<>();
        List<CompletableFuture<Object>> waiting = new ArrayList<>();
        Executor[] from = {loopA, loopB, loopA, replies, loopA};
        for (int i = 0; i < from.length; i++) {
            proposingFrom = from[i];
            long id = i + 1;
            CompletableFuture<Object> f = member.await(id);
            f.thenRun(() -> answered.add(id));
            waiting.add(f);
        }

        member.apply(List.of(put(1, "a"), put(2, "b"), put(3, "c"), put(4, "d"), put(5, "e")), true);

        assertTrue(waiting.stream().noneMatch(CompletableFuture::isDone), "nothing answered on the apply thread");
        assertEquals(1, loopA.tasks.size());
        assertEquals(1, loopB.tasks.size());
        assertEquals(1, replies.tasks.size());
        loopB.runAll();
        assertEquals(List.of(2L), answered);
        loopA.runAll();
        assertEquals(List.of(2L, 1L, 3L, 5L), answered, "in log order within a place");
        replies.runAll();
        assertEquals(List.of(2L, 1L, 3L, 5L, 4L), answered);
        waiting.forEach(f -> assertInstanceOf(PutResponse.class, f.join()));
    }

    @Test
    void aPlaceThatRefusesTasksStillHasItsRequestsAnswered() {
        proposingFrom = task -> {
            throw new RejectedExecutionException("event loop shut down");
        };
        CompletableFuture<Object> f = member.await(1);

        member.apply(List.of(put(1, "a")), true);

        assertInstanceOf(PutResponse.class, f.join());
    }

    @Test
    void anEntryWithNoWaiterHereHandsNothingOver() {
        HeldExecutor loop = new HeldExecutor();
        proposingFrom = loop;
        CompletableFuture<Object> f = member.await(2);

        member.apply(List.of(put(1, "proposed elsewhere"), put(2, "here")), true);

        assertFalse(f.isDone());
        assertEquals(1, loop.tasks.size());
        assertTrue(replies.tasks.isEmpty());
        loop.runAll();
        assertInstanceOf(PutResponse.class, f.join());
    }
}
