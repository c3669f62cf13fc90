package io.kvorum.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.Event;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Watch fan-out: {@code --watchers} watchers on one prefix, several to a watch stream
 * ({@code --streams} streams over {@code --conns} connections), then {@code --total} puts under the
 * prefix from a connection of their own, at {@code --put-rate} puts per second (0: closed loop with
 * {@code --clients} requesters).
 *
 * <p>etcd's {@code benchmark watch-latency} starts its clock when the put returns; this load starts
 * it when the put is sent, so the figure is what a watcher sees of a write: commit and fan-out. The
 * put's own latency is printed beside it to tell the two apart. Put N writes key prefix+N, and its
 * send time is kept by N. Every watcher must see every put; a missed event fails the run.
 */
final class WatchFanOut {
    private static final long DELIVERY_TIMEOUT_SECONDS = 60;

    private final Options o;
    private final String prefix = "bench-watch-" + Long.toHexString(System.nanoTime()) + "/";
    private final AtomicLongArray sentAt;
    private final Latencies fanOut;
    private final Latencies putLatency;
    private final CountDownLatch created;
    private final CountDownLatch delivered = new CountDownLatch(1);
    private final CountDownLatch acknowledged;
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong lastArrival = new AtomicLong();
    private final AtomicLong putErrors = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final List<WatchStream> streams = new ArrayList<>();

    private WatchFanOut(Options o) {
        this.o = o;
        this.sentAt = new AtomicLongArray(Math.toIntExact(o.total()));
        this.fanOut = new Latencies(o.total() * o.watchers());
        this.putLatency = new Latencies(o.total());
        this.created = new CountDownLatch(o.watchers());
        this.acknowledged = new CountDownLatch(Math.toIntExact(o.total()));
    }

    static void run(Options o) throws InterruptedException {
        if (o.streams() < 1 || o.streams() > o.watchers()) {
            Bench.fail("--streams must be between 1 and --watchers (" + o.watchers() + ")");
        }
        new WatchFanOut(o).measure();
    }

    private void measure() throws InterruptedException {
        List<ManagedChannel> watchChannels = Bench.channels(o.endpoint(), o.conns());
        List<ManagedChannel> putChannel = Bench.channels(o.endpoint(), 1);
        openWatchers(watchChannels);
        if (!created.await(60, TimeUnit.SECONDS)) {
            Bench.fail(created.getCount() + " of " + o.watchers() + " watchers not created after 60 s"
                    + (firstError.get() == null ? "" : "; first error: " + firstError.get()));
        }
        KVGrpc.KVStub putter = KVGrpc.newStub(putChannel.get(0));
        long start = System.nanoTime();
        if (o.putRate() > 0) {
            putAtFixedRate(putter, start);
        } else {
            putClosedLoop(putter);
        }
        if (!acknowledged.await(DELIVERY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            Bench.fail(acknowledged.getCount() + " of " + o.total() + " puts still unanswered after a further "
                    + DELIVERY_TIMEOUT_SECONDS + " s");
        }
        boolean complete = delivered.await(DELIVERY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        long elapsed = lastArrival.get() - start;
        check(complete);
        Bench.close(watchChannels);
        Bench.close(putChannel);
        System.out.printf("watch watchers=%d streams=%d conns=%d puts=%d put-rate=%s  events=%d  %.0f events/s"
                        + "  fan-out %s  put p99 %.3f ms%n",
                o.watchers(), o.streams(), o.conns(), o.total(),
                o.putRate() > 0 ? Integer.toString(o.putRate()) : "closed-loop(" + o.clients() + ")",
                events.get(), events.get() / (elapsed / 1e9), fanOut.summary(), putLatency.percentileMs(0.99));
    }

    /** Spreads the watchers over the streams and the streams over the connections, round robin. */
    private void openWatchers(List<ManagedChannel> channels) {
        ByteString key = ByteString.copyFromUtf8(prefix);
        ByteString rangeEnd = prefixEnd(key);
        WatchRequest create = WatchRequest.newBuilder()
                .setCreateRequest(WatchCreateRequest.newBuilder().setKey(key).setRangeEnd(rangeEnd))
                .build();
        for (int s = 0; s < o.streams(); s++) {
            WatchStream stream = new WatchStream();
            stream.requests = WatchGrpc.newStub(channels.get(s % channels.size())).watch(stream);
            streams.add(stream);
        }
        for (int w = 0; w < o.watchers(); w++) {
            streams.get(w % streams.size()).requests.onNext(create);
        }
    }

    /** The range end that makes a watch cover every key starting with {@code prefix}, as etcd's clients compute it. */
    private static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        end[end.length - 1]++;
        return ByteString.copyFrom(end);
    }

    /** Open loop: put N is sent at start + N / rate, whatever the server's pace, as a watched writer would. */
    private void putAtFixedRate(KVGrpc.KVStub putter, long start) {
        ByteString value = Bench.value(o.valSize());
        for (int n = 0; n < o.total(); n++) {
            long due = start + n * 1_000_000_000L / o.putRate();
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            put(putter, n, value, () -> { });
        }
    }

    /** Closed loop: {@code --clients} requesters, each sending its next put when the last is answered. */
    private void putClosedLoop(KVGrpc.KVStub putter) {
        ByteString value = Bench.value(o.valSize());
        AtomicLong next = new AtomicLong();
        for (int c = 0; c < o.clients(); c++) {
            new Runnable() {
                @Override
                public void run() {
                    long n = next.getAndIncrement();
                    if (n < o.total()) {
                        put(putter, (int) n, value, this);
                    }
                }
            }.run();
        }
    }

    private void put(KVGrpc.KVStub putter, int n, ByteString value, Runnable then) {
        ByteString key = ByteString.copyFromUtf8(prefix + n);
        long t0 = System.nanoTime();
        sentAt.set(n, t0);
        putter.put(PutRequest.newBuilder().setKey(key).setValue(value).build(), new StreamObserver<>() {
            @Override
            public void onNext(PutResponse response) {
                putLatency.record(System.nanoTime() - t0);
            }

            @Override
            public void onError(Throwable t) {
                putErrors.incrementAndGet();
                firstError.compareAndSet(null, "put " + n + ": " + t);
                acknowledged.countDown();
                then.run();
            }

            @Override
            public void onCompleted() {
                acknowledged.countDown();
                then.run();
            }
        });
    }

    private void check(boolean complete) {
        if (putErrors.get() > 0) {
            Bench.fail(putErrors.get() + " puts failed (first: " + firstError.get() + ")");
        }
        long expected = o.total() * o.watchers();
        long incomplete = streams.stream().flatMap(s -> s.eventsByWatch.values().stream())
                .filter(count -> count.sum() != o.total()).count();
        if (!complete || events.get() != expected || incomplete > 0 || firstError.get() != null) {
            Bench.fail("delivered " + events.get() + " of " + expected + " events within "
                    + DELIVERY_TIMEOUT_SECONDS + " s of the last put; " + incomplete + " watchers saw other than "
                    + o.total() + " events" + (firstError.get() == null ? "" : "; first error: " + firstError.get()));
        }
    }

    /**
     * One watch stream carrying several watchers. gRPC calls it on one event loop at a time; the
     * counts it keeps are read by the main thread only after the run.
     */
    private final class WatchStream implements StreamObserver<WatchResponse> {
        StreamObserver<WatchRequest> requests;
        final Map<Long, LongAdder> eventsByWatch = new ConcurrentHashMap<>();

        @Override
        public void onNext(WatchResponse response) {
            long now = System.nanoTime();
            if (response.getCreated()) {
                eventsByWatch.put(response.getWatchId(), new LongAdder());
                created.countDown();
            }
            if (response.getCanceled()) {
                firstError.compareAndSet(null, "watch " + response.getWatchId() + " canceled: "
                        + response.getCancelReason());
                delivered.countDown();
            }
            for (Event event : response.getEventsList()) {
                arrived(response.getWatchId(), event, now);
            }
        }

        private void arrived(long watchId, Event event, long now) {
            String key = event.getKv().getKey().toString(StandardCharsets.UTF_8);
            int n = Integer.parseInt(key.substring(prefix.length()));
            fanOut.record(now - sentAt.get(n));
            eventsByWatch.get(watchId).increment();
            lastArrival.accumulateAndGet(now, Math::max);
            if (events.incrementAndGet() == o.total() * o.watchers()) {
                delivered.countDown();
            }
        }

        @Override
        public void onError(Throwable t) {
            firstError.compareAndSet(null, "watch stream: " + t);
            delivered.countDown();
        }

        @Override
        public void onCompleted() {
            firstError.compareAndSet(null, "watch stream closed by the server");
            delivered.countDown();
        }
    }
}
