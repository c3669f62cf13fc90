package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.server.watch.WatchHub;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load case: 1,000 watchers on one prefix get every event of 10,000 puts, in order and
 * without gaps, while a client that never reads its watch stream neither stalls the writes nor
 * makes the server hold more for it than a stream's bound.
 */
class WatchFanOutTest {
    private static final int STREAMS = 20;
    private static final int STALLED_WATCHERS = 4;
    private static final int WATCHERS_PER_STREAM = 50;
    private static final int PUTS = 10_000;

    @TempDir
    Path dir;
    private KvorumServer server;
    private String endpoint;

    @BeforeEach
    void start() throws Exception {
        server = EmbeddedMember.start(dir);
        endpoint = server.clientUrls().get(0).toString();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** One reading stream's watchers: each checks that revisions arrive one after another. */
    private static final class Reader implements StreamObserver<WatchResponse> {
        final long[] lastRevision = new long[WATCHERS_PER_STREAM];
        final long[] count = new long[WATCHERS_PER_STREAM];
        final CountDownLatch created = new CountDownLatch(WATCHERS_PER_STREAM);
        final CountDownLatch done = new CountDownLatch(WATCHERS_PER_STREAM);
        final AtomicReference<String> error = new AtomicReference<>();
        final long firstRevision;

        Reader(long firstRevision) {
            this.firstRevision = firstRevision;
        }

        @Override
        public synchronized void onNext(WatchResponse r) {
            if (r.getCreated()) {
                created.countDown();
                return;
            }
            int w = (int) r.getWatchId();
            for (Event e : r.getEventsList()) {
                long rev = e.getKv().getModRevision();
                long expected = lastRevision[w] == 0 ? firstRevision : lastRevision[w] + 1;
                if (rev != expected) {
                    error.compareAndSet(null, "watcher " + w + " got revision " + rev + ", expected " + expected);
                }
                lastRevision[w] = rev;
                if (++count[w] == PUTS) {
                    done.countDown();
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            error.compareAndSet(null, t.toString());
        }

        @Override
        public void onCompleted() {
        }
    }

    @Test
    void thousandWatchersGetEveryEventInOrderWhileANonReaderStaysBounded() throws Exception {
        ByteString prefix = ByteString.copyFromUtf8("fan/");
        ByteString prefixEnd = ByteString.copyFromUtf8("fan0");
        WatchGrpc.WatchStub watch = GrpcClients.builder(endpoint).responseTimeoutMillis(0).maxResponseLength(0).build(WatchGrpc.WatchStub.class);
        long first = 2; // the store starts at revision 1; the first put is 2

        List<Reader> readers = new ArrayList<>();
        List<StreamObserver<WatchRequest>> requests = new ArrayList<>();
        for (int s = 0; s < STREAMS; s++) {
            Reader reader = new Reader(first);
            StreamObserver<WatchRequest> out = watch.watch(reader);
            for (int w = 0; w < WATCHERS_PER_STREAM; w++) {
                out.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                        .setKey(prefix).setRangeEnd(prefixEnd).setWatchId(w)).build());
            }
            readers.add(reader);
            requests.add(out);
        }
        // Another client, which asks for events and then reads nothing more: it takes one message
        // only. (On a connection of its own: on a shared one, its unread data would use up the
        // connection's flow-control window and stall the other streams in the client itself.)
        ClientFactory stalledConnection = ClientFactory.builder().build();
        WatchGrpc.WatchStub stalledClient = GrpcClients.builder(endpoint).factory(stalledConnection)
                .responseTimeoutMillis(0).maxResponseLength(0).build(WatchGrpc.WatchStub.class);
        AtomicLong nonReaderReceived = new AtomicLong();
        CompletableFuture<ClientCallStreamObserver<WatchRequest>> nonReader = new CompletableFuture<>();
        StreamObserver<WatchRequest> stalled = stalledClient.watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> call) {
                call.disableAutoRequestWithInitial(1);
                nonReader.complete(call);
            }

            @Override
            public void onNext(WatchResponse value) {
                nonReaderReceived.incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        // Several watchers on it, so that what it leaves unread (about 19 MB) is far beyond what its
        // stream may queue (4 MiB) plus what the transport holds, however the puts are batched.
        for (int i = 0; i < STALLED_WATCHERS; i++) {
            stalled.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                    .setKey(prefix).setRangeEnd(prefixEnd).setPrevKv(true)).build());
        }
        for (Reader r : readers) {
            assertTrue(r.created.await(30, TimeUnit.SECONDS), "watchers created");
        }

        WatchHub hub = server.watchHub();
        // the writer is another client, on a connection of its own
        ClientFactory writerConnection = ClientFactory.builder().build();
        KVGrpc.KVStub kv = GrpcClients.builder(endpoint).factory(writerConnection).build(KVGrpc.KVStub.class);
        Semaphore inFlight = new Semaphore(64);
        CountDownLatch acked = new CountDownLatch(PUTS);
        AtomicReference<Throwable> putFailure = new AtomicReference<>();
        long maxQueued = 0;
        long maxPending = 0;
        ByteString value = ByteString.copyFrom(new byte[200]);
        for (int i = 0; i < PUTS; i++) {
            inFlight.acquire();
            kv.put(PutRequest.newBuilder().setKey(prefix.concat(ByteString.copyFromUtf8("k" + (i % 100))))
                    .setValue(value).build(), new StreamObserver<>() {
                @Override
                public void onNext(PutResponse value) {
                }

                @Override
                public void onError(Throwable t) {
                    putFailure.compareAndSet(null, t);
                    inFlight.release();
                    acked.countDown();
                }

                @Override
                public void onCompleted() {
                    inFlight.release();
                    acked.countDown();
                }
            });
            if (i % 1000 == 0) {
                WatchHub.Stats stats = hub.stats().get(10, TimeUnit.SECONDS);
                maxQueued = Math.max(maxQueued, stats.maxStreamQueuedBytes());
                maxPending = Math.max(maxPending, stats.pendingEventBytes());
            }
        }
        assertTrue(acked.await(60, TimeUnit.SECONDS), "every put acknowledged with a stalled watcher present");
        assertEquals(null, putFailure.get());
        writerConnection.close();

        for (Reader r : readers) {
            assertTrue(r.done.await(120, TimeUnit.SECONDS), () -> "events delivered: " + r.error.get());
            assertEquals(null, r.error.get());
        }
        WatchHub.Stats stats = hub.stats().get(10, TimeUnit.SECONDS);
        maxQueued = Math.max(maxQueued, stats.maxStreamQueuedBytes());
        assertEquals(STREAMS + 1, stats.streams());
        assertEquals(STREAMS * WATCHERS_PER_STREAM + STALLED_WATCHERS, stats.watchers());
        // The stalled stream holds at most its bound (plus the one response that crossed it); its
        // watcher waits to catch up from history instead of buffering 10,000 events.
        assertTrue(maxQueued <= (4L << 20) + (1L << 20), "a stream's queue stays bounded: " + maxQueued);
        assertTrue(stats.unsynced() >= 1 && stats.unsynced() <= STALLED_WATCHERS,
                "the non-reader's watchers, and only they, fell behind and read history when it reads again: " + stats);
        assertTrue(maxPending <= 64L << 20, "events waiting for the hub stay bounded: " + maxPending);
        assertTrue(nonReaderReceived.get() <= 1, "the stalled client took only what it asked for");

        // once it reads again, it catches up with every event
        nonReader.get().request(Integer.MAX_VALUE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (hub.stats().get(10, TimeUnit.SECONDS).unsynced() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(0, hub.stats().get(10, TimeUnit.SECONDS).unsynced(), "the reader caught up");
        requests.forEach(StreamObserver::onCompleted);
        stalled.onCompleted();
        stalledConnection.close();
    }
}
