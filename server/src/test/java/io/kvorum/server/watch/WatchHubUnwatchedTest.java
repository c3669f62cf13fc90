package io.kvorum.server.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.server.mvcc.WriteTxn;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Commits made while nobody watches queue nothing for the hub, yet every watcher sees them rightly. */
class WatchHubUnwatchedTest {
    private final MvccStore store = MvccStore.open(new InMemoryBackend());
    private final WatchHub hub = new WatchHub(() -> store, rev -> ResponseHeader.newBuilder().setRevision(rev).build(),
            1 << 20, 600_000_000_000L, Runnable::run);
    private long index;

    @AfterEach
    void close() {
        hub.close();
    }

    private static final class Client implements WatchStream.Sink {
        final LinkedBlockingQueue<WatchResponse> received = new LinkedBlockingQueue<>();

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void send(WatchResponse response) {
            received.add(response);
        }

        WatchResponse next() throws InterruptedException {
            WatchResponse r = received.poll(10, TimeUnit.SECONDS);
            assertTrue(r != null, "no response in 10 s");
            return r;
        }

        /** The keys of the events in the responses that carry events, until {@code n} events came. */
        List<String> events(int n) throws InterruptedException {
            List<String> keys = new ArrayList<>();
            while (keys.size() < n) {
                for (Event e : next().getEventsList()) {
                    keys.add(e.getKv().getKey().toStringUtf8());
                }
            }
            return keys;
        }
    }

    /** Puts {@code key} as the apply loop does: one committed batch, then its events handed to the hub. */
    private void put(String key) throws Exception {
        WriteTxn txn = store.beginWrite();
        txn.put(key.getBytes(StandardCharsets.UTF_8), new byte[] {1}, 0);
        List<Event> events = txn.events();
        txn.end();
        store.commit(++index, 1, true);
        hub.publish(store.currentRevision(), events);
    }

    private static WatchCreateRequest watch(String key, long startRevision) {
        return WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setRangeEnd(ByteString.copyFromUtf8("\0")).setStartRevision(startRevision).build();
    }

    @Test
    void aWatcherCreatedAfterUnwatchedCommitsStartsAfterThem() throws Exception {
        put("a");
        put("b");
        Client client = new Client();
        WatchStream stream = hub.openStream(client);

        stream.create(watch("a", 0));
        WatchResponse created = client.next();
        put("c");

        assertTrue(created.getCreated());
        assertEquals(3, created.getHeader().getRevision(), "created as of the latest commit, though none was queued");
        assertEquals(List.of("c"), client.events(1));
    }

    @Test
    void aWatcherStartingInsideTheUnwatchedCommitsReadsThemFromHistory() throws Exception {
        put("a");
        put("b");
        put("c");
        Client client = new Client();
        WatchStream stream = hub.openStream(client);

        stream.create(watch("a", 3));
        client.next();
        put("d");

        assertEquals(List.of("b", "c", "d"), client.events(3));
    }

    @Test
    void anAnswerAfterUnwatchedCommitsCarriesTheLatestRevision() throws Exception {
        Client earlier = new Client();
        WatchStream first = hub.openStream(earlier);
        first.create(watch("a", 0));
        first.cancel(earlier.next().getWatchId());
        assertTrue(earlier.next().getCanceled());
        put("a");
        put("b");
        Client client = new Client();
        WatchStream stream = hub.openStream(client);

        stream.create(watch("a", -1));
        WatchResponse refused = client.next();

        assertTrue(refused.getCanceled());
        assertEquals(store.currentRevision(), refused.getHeader().getRevision());
    }
}
