package io.kvorum.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.netty.channel.DefaultEventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A unary call is answered on its event loop: in place when its future completes there, else in
 * one task handed to the loop, with the call's context current, whatever thread completed it.
 */
class RepliesTest {
    /** An event loop that counts the tasks handed to it. */
    private static final class CountingLoop extends DefaultEventLoop {
        final AtomicInteger handed = new AtomicInteger();

        @Override
        public void execute(Runnable task) {
            handed.incrementAndGet();
            super.execute(task);
        }
    }

    /** What the call was told, and on which thread and with which context. */
    private static final class Recorded implements StreamObserver<String> {
        final List<String> events = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        final List<ServiceRequestContext> contexts = new ArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        Throwable error;

        private synchronized void record(String event) {
            events.add(event);
            threads.add(Thread.currentThread());
            contexts.add(ServiceRequestContext.currentOrNull());
        }

        @Override
        public void onNext(String value) {
            record("next " + value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
            record("error");
            done.complete(null);
        }

        @Override
        public void onCompleted() {
            record("completed");
            done.complete(null);
        }
    }

    private final CountingLoop loop = new CountingLoop();
    private final ServiceRequestContext ctx = ServiceRequestContext.builder(HttpRequest.of(HttpMethod.POST, "/etcdserverpb.KV/Put"))
            .eventLoop(loop).build();

    @AfterEach
    void stopLoop() throws Exception {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Runs {@link Replies#reply} as a handler does: on the call's loop, with its context current. */
    private void handle(CompletableFuture<String> answer, Recorded out) throws Exception {
        loop.submit(() -> {
            try (SafeCloseable ignored = ctx.push()) {
                Replies.reply(() -> answer, v -> v + "!", out);
            }
        }).get(5, TimeUnit.SECONDS);
    }

    private Thread loopThread() throws Exception {
        return loop.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
    }

    @Test
    void anAnswerCompletedOnAnotherThreadReachesTheCallInOneTaskOnItsLoop() throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        Recorded out = new Recorded();
        handle(answer, out);
        int before = loop.handed.get();

        Thread completer = new Thread(() -> answer.complete("put"));
        completer.start();
        completer.join();
        out.done.get(5, TimeUnit.SECONDS);

        assertEquals(List.of("next put!", "completed"), out.events);
        assertEquals(1, loop.handed.get() - before, "one task for the whole answer");
        Thread onLoop = loopThread();
        assertEquals(List.of(onLoop, onLoop), out.threads);
        assertEquals(List.of(ctx, ctx), out.contexts, "with the call's context current");
    }

    @Test
    void anAnswerCompletedOnTheLoopIsGivenInPlace() throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        Recorded out = new Recorded();
        handle(answer, out);
        loop.submit(() -> answer.complete("put")).get(5, TimeUnit.SECONDS);
        int after = loop.handed.get();

        out.done.get(5, TimeUnit.SECONDS);
        assertEquals(List.of("next put!", "completed"), out.events);
        assertEquals(after, loop.handed.get(), "no further task");
        assertEquals(List.of(loopThread(), loopThread()), out.threads);
    }

    @Test
    void aFailureReachesTheCallOnItsLoopAsEtcdsError() throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        Recorded out = new Recorded();
        handle(answer, out);

        answer.thenApply(v -> v).completeExceptionally(new IllegalStateException("not this one"));
        Thread completer = new Thread(() -> answer.completeExceptionally(new EtcdException(EtcdError.TIMEOUT)));
        completer.start();
        completer.join();
        out.done.get(5, TimeUnit.SECONDS);

        assertEquals(List.of("error"), out.events);
        assertEquals(List.of(loopThread()), out.threads);
        StatusRuntimeException s = (StatusRuntimeException) out.error;
        assertEquals(Status.Code.UNAVAILABLE, s.getStatus().getCode());
        assertEquals("etcdserver: request timed out", s.getStatus().getDescription());
    }

    @Test
    void withoutACallContextTheAnswerIsGivenWhereTheFutureCompletes() throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        Recorded out = new Recorded();
        Replies.reply(() -> answer, v -> v + "!", out);

        Thread completer = new Thread(() -> answer.complete("put"), "completer");
        completer.start();
        completer.join();

        assertTrue(out.done.isDone());
        assertEquals(List.of("next put!", "completed"), out.events);
        assertSame(completer, out.threads.get(0));
        assertNull(out.contexts.get(0));
    }
}
