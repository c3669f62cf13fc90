package io.kvorum.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.CompactionRequest;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.metrics.Registry;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.server.watch.WatchHub;
import io.kvorum.server.watch.WatchStream;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.Series;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A member that installs a snapshot moves its store forward by many revisions at once; its watchers
 * must still see every one of them, once, in order (or be canceled with the compacted revision).
 */
class WatchAcrossSnapshotTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private static Applier applier() {
        return new Applier(MvccStore.open(new InMemoryBackend()), Runnable::run, new Lessor(2, System::nanoTime));
    }

    private static Entry put(long index) {
        byte[] data = InternalRaftRequest.newBuilder().setID(index)
                .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + index % 7))
                        .setValue(ByteString.copyFromUtf8("v" + index)))
                .build().toByteArray();
        return new Entry(index, 2, data);
    }

    private static List<Entry> puts(long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(WatchAcrossSnapshotTest::put).toList();
    }

    private WatchHub hub(Applier member) {
        WatchHub hub = new WatchHub(member::store, rev -> ResponseHeader.newBuilder().setRevision(rev).build(),
                1 << 20, 600_000_000_000L, Runnable::run);
        toClose.add(hub);
        member.publishTo(hub);
        return hub;
    }

    /** Every response of one stream, as its client would read them. */
    private static List<WatchResponse> open(WatchHub hub, long startRevision) {
        List<WatchResponse> got = new CopyOnWriteArrayList<>();
        WatchStream stream = hub.openStream(new WatchStream.Sink() {
            public boolean isReady() {
                return true;
            }

            public void send(WatchResponse response) {
                got.add(response);
            }
        });
        stream.create(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                .setRangeEnd(ByteString.copyFromUtf8("l")).setStartRevision(startRevision).build());
        await(got, responses -> responses.stream().anyMatch(WatchResponse::getCreated));
        return got;
    }

    private static List<Long> revisions(List<WatchResponse> responses) {
        return responses.stream().flatMap(r -> r.getEventsList().stream())
                .map(Event::getKv).map(kv -> kv.getModRevision()).toList();
    }

    private static void await(List<WatchResponse> got, Predicate<List<WatchResponse>> done) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.test(got)) {
            assertTrue(System.nanoTime() < deadline, "timed out; got " + got);
            Thread.onSpinWait();
        }
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void watchersSeeEveryRevisionASnapshotCoveredOnceAndInOrder() throws Exception {
        Applier leader = applier();
        leader.apply(puts(1, 50), true);
        ByteArrayOutputStream image = new ByteArrayOutputStream();
        leader.writeSnapshot(image);

        Applier follower = applier();
        follower.apply(puts(1, 10), true); // at revision 11
        WatchHub hub = hub(follower);
        List<WatchResponse> live = open(hub, 0);
        List<WatchResponse> fromOld = open(hub, 2);
        List<WatchResponse> future = open(hub, 30);

        follower.restoreSnapshot(new ByteArrayInputStream(image.toByteArray()));
        List<WatchResponse> afterRestore = open(hub, 0);
        follower.apply(puts(51, 55), true); // revisions 52 to 56

        for (List<WatchResponse> w : List.of(live, fromOld, future, afterRestore)) {
            await(w, r -> revisions(r).contains(56L));
        }
        assertEquals(range(12, 56), revisions(live));
        assertEquals(range(2, 56), revisions(fromOld));
        assertEquals(range(30, 56), revisions(future));
        assertEquals(range(52, 56), revisions(afterRestore), "a watcher created after the restore starts after it");
    }

    @Test
    void aSyncedWatcherWhoseRevisionsTheSnapshotCompactedIsCanceledWithTheCompactedRevision() throws Exception {
        Applier leader = applier();
        leader.apply(puts(1, 50), true);
        byte[] compaction = InternalRaftRequest.newBuilder().setID(51)
                .setCompaction(CompactionRequest.newBuilder().setRevision(40)).build().toByteArray();
        leader.apply(List.of(new Entry(51, 2, compaction)), true);
        leader.awaitApplied(51).get();
        ByteArrayOutputStream image = new ByteArrayOutputStream();
        leader.writeSnapshot(image);

        Applier follower = applier();
        follower.apply(puts(1, 10), true);
        List<WatchResponse> live = open(hub(follower), 0);
        follower.restoreSnapshot(new ByteArrayInputStream(image.toByteArray()));

        await(live, r -> r.stream().anyMatch(WatchResponse::getCanceled));
        WatchResponse canceled = live.stream().filter(WatchResponse::getCanceled).findFirst().orElseThrow();
        assertEquals(40, canceled.getCompactRevision());
        assertEquals(List.of(), revisions(live), "nothing is sent for revisions it cannot have in full");
    }

    private static double value(Registry registry, String name) {
        MetricFamily f = registry.collect().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
        return ((Series.Value) f.series().get(0)).value();
    }

    @Test
    void theHubCountsTheEventsItSendsToEachWatcherAndNoneStayPendingOnceDispatched() throws Exception {
        Applier member = applier();
        member.apply(puts(1, 5), true); // at revision 6
        WatchHub hub = hub(member);
        Registry registry = new Registry();
        hub.recordInto(registry);
        assertEquals(0, value(registry, "etcd_debugging_mvcc_events_total"));

        List<WatchResponse> live = open(hub, 0);
        List<WatchResponse> fromOld = open(hub, 2); // revisions 2 to 6 from history
        member.apply(puts(6, 8), true); // revisions 7 to 9
        await(live, r -> revisions(r).contains(9L));
        await(fromOld, r -> revisions(r).contains(9L));

        assertEquals(3 + 8, value(registry, "etcd_debugging_mvcc_events_total"));
        assertEquals(0, value(registry, "etcd_debugging_mvcc_pending_events_total"));
    }

    @Test
    void eventsCommittedWhileTheHubIsBusyArePendingUntilItDispatchesThem() throws Exception {
        Applier member = applier();
        WatchHub hub = hub(member);
        Registry registry = new Registry();
        hub.recordInto(registry);
        CountDownLatch sending = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<WatchResponse> got = new CopyOnWriteArrayList<>();
        // responses are sent from the hub's own thread here: a send that waits holds the hub
        WatchStream stream = hub.openStream(new WatchStream.Sink() {
            public boolean isReady() {
                return true;
            }

            public void send(WatchResponse response) {
                if (response.getEventsCount() > 0 && sending.getCount() > 0) {
                    sending.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                got.add(response);
            }
        });
        stream.create(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                .setRangeEnd(ByteString.copyFromUtf8("l")).build());
        await(got, responses -> responses.stream().anyMatch(WatchResponse::getCreated));

        member.apply(puts(1, 1), true);
        assertTrue(sending.await(10, TimeUnit.SECONDS));
        member.apply(puts(2, 4), true);
        assertEquals(3, value(registry, "etcd_debugging_mvcc_pending_events_total"));

        release.countDown();
        await(got, r -> revisions(r).contains(5L));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (value(registry, "etcd_debugging_mvcc_pending_events_total") != 0) {
            assertTrue(System.nanoTime() < deadline);
            Thread.onSpinWait();
        }
    }
}
