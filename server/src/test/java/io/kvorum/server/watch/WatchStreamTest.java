package io.kvorum.server.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WatchStreamTest {
    private static final long FIRST_ID = 1000;
    private final MvccStore store = MvccStore.open(new InMemoryBackend());
    private final WatchHub hub = new WatchHub(() -> store, rev -> ResponseHeader.newBuilder().setRevision(rev).build(),
            1 << 20, 600_000_000_000L, Runnable::run);

    @AfterEach
    void close() {
        hub.close();
    }

    /** A transport that takes every response and says it is ready only when told. */
    private static final class Transport implements WatchStream.Sink {
        final List<Long> sent = new ArrayList<>();
        volatile boolean ready;

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public synchronized void send(WatchResponse response) {
            sent.add(response.getWatchId());
        }

        synchronized List<Long> sent() {
            return List.copyOf(sent);
        }

        /** What was sent once {@code n} responses were, or after 10 s (the stream's retry may be the one sending). */
        List<Long> awaitSent(int n) throws InterruptedException {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (sent().size() < n && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            return sent();
        }
    }

    private static WatchResponse response(long id) {
        KeyValue kv = KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                .setValue(ByteString.copyFrom(new byte[1000])).build();
        return WatchResponse.newBuilder().setWatchId(id).addEvents(Event.newBuilder().setKv(kv)).build();
    }

    @Test
    void aTransportThatIsNotReadyIsHandedOneBoundedRunThenTheRestOnceReady() throws InterruptedException {
        Transport transport = new Transport();
        WatchStream stream = hub.openStream(transport);
        int n = 300;
        // ids from 1,000 on: every response has the same size
        int size = response(FIRST_ID).getSerializedSize();
        for (long i = 0; i < n; i++) {
            assertTrue(stream.offer(List.of(response(FIRST_ID + i)), true));
        }
        int run = (int) ((WatchStream.MAX_UNCONFIRMED_BYTES + size - 1) / size);
        assertEquals(run, transport.sent().size(), "one run of at most the unconfirmed bound, not one response per ready signal");
        assertEquals(n - run, (int) (stream.queuedBytes() / size), "the rest waits in the stream");

        transport.ready = true;
        stream.onReady();
        List<Long> sent = transport.awaitSent(n);
        assertEquals(n, sent.size());
        for (int i = 0; i < n; i++) {
            assertEquals(FIRST_ID + i, sent.get(i), "in the order queued");
        }
        assertEquals(0, stream.queuedBytes());
    }

    @Test
    void aReadyTransportTakesEverythingAcrossRuns() {
        Transport transport = new Transport();
        transport.ready = true;
        WatchStream stream = hub.openStream(transport);
        List<WatchResponse> many = new ArrayList<>();
        for (long i = 0; i < 1000; i++) {
            many.add(response(i));
        }
        assertTrue(stream.offer(many, true));
        List<Long> sent = transport.sent();
        assertEquals(many.size(), sent.size());
        for (int i = 0; i < many.size(); i++) {
            assertEquals(i, sent.get(i));
        }
    }
}
