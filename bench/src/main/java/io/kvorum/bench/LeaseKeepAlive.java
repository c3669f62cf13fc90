package io.kvorum.bench;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantResponse;
import io.kvorum.api.etcdserverpb.LeaseGrpc;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveRequest;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvorum.api.etcdserverpb.LeaseRevokeRequest;
import io.kvorum.api.etcdserverpb.LeaseRevokeResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * Lease keepalive throughput: grants {@code --leases} leases of {@code --ttl} seconds, then sends
 * {@code --total} keepalives over {@code --streams} keepalive streams (over {@code --conns}
 * connections), each stream keeping {@code --clients} keepalives in flight, as many clients'
 * lease renewers multiplexed on a few connections do.
 *
 * <p>Each stream renews its own share of the leases, and a lease has at most one keepalive in
 * flight, so a response is matched to its request by lease ID whatever order the server answers in.
 * A response with TTL 0 means the server lost the lease: it fails the run. The leases are revoked
 * afterwards, unmeasured, so that their expiry does not load the server during later runs.
 */
final class LeaseKeepAlive {
    private static final int WINDOW = 100;
    private static final long TIMEOUT_SECONDS = 120;

    private final Options o;
    private final Latencies latencies;
    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<String> firstError = new AtomicReference<>();

    private LeaseKeepAlive(Options o) {
        this.o = o;
        this.latencies = new Latencies(o.total());
    }

    static void run(Options o) throws InterruptedException {
        if (o.streams() < 1 || (long) o.streams() * o.clients() > o.leases()) {
            Bench.fail("--streams × --clients (keepalives in flight) must be between 1 and --leases ("
                    + o.leases() + ")");
        }
        new LeaseKeepAlive(o).measure();
    }

    private void measure() throws InterruptedException {
        List<ManagedChannel> channels = Bench.channels(o.endpoint(), o.conns());
        long[] ids = grant(channels);
        List<KeepAliveStream> streams = new ArrayList<>();
        for (int s = 0; s < o.streams(); s++) {
            streams.add(new KeepAliveStream(LeaseGrpc.newStub(channels.get(s % channels.size()))));
        }
        for (int i = 0; i < ids.length; i++) {
            streams.get(i % streams.size()).idle.add(ids[i]);
        }
        long start = System.nanoTime();
        for (KeepAliveStream stream : streams) {
            stream.prime(o.clients());
        }
        boolean complete = done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        long elapsed = System.nanoTime() - start;
        if (!complete || firstError.get() != null) {
            Bench.fail(answered.get() + " of " + o.total() + " keepalives answered" + (firstError.get() == null
                    ? " within " + TIMEOUT_SECONDS + " s" : "; first error: " + firstError.get()));
        }
        streams.forEach(KeepAliveStream::close);
        System.out.printf("keepalive leases=%d streams=%d in-flight/stream=%d conns=%d total=%d"
                        + "  %.0f keepalives/s  %s%n",
                o.leases(), o.streams(), o.clients(), o.conns(), o.total(), o.total() / (elapsed / 1e9),
                latencies.summary());
        revoke(channels, ids);
        Bench.close(channels);
    }

    /** Grants the leases, {@value #WINDOW} in flight; grants are writes, so they are not measured. */
    private long[] grant(List<ManagedChannel> channels) throws InterruptedException {
        long[] ids = new long[o.leases()];
        LeaseGrantRequest request = LeaseGrantRequest.newBuilder().setTTL(o.ttl()).build();
        this.<LeaseGrantResponse>windowed(channels, ids.length,
                (stub, i, observer) -> stub.leaseGrant(request, observer),
                (i, response) -> {
                    if (response.getTTL() <= 0 || !response.getError().isEmpty()) {
                        firstError.compareAndSet(null, "grant answered TTL " + response.getTTL() + " "
                                + response.getError());
                    }
                    ids[i] = response.getID();
                });
        return ids;
    }

    private void revoke(List<ManagedChannel> channels, long[] ids) throws InterruptedException {
        this.<LeaseRevokeResponse>windowed(channels, ids.length,
                (stub, i, observer) -> stub.leaseRevoke(
                        LeaseRevokeRequest.newBuilder().setID(ids[i]).build(), observer),
                (i, response) -> { });
    }

    /** One unary Lease call, the {@code i}th of a windowed series. */
    private interface UnaryCall<T> {
        void start(LeaseGrpc.LeaseStub stub, int i, StreamObserver<T> observer);
    }

    /** Issues {@code count} unary calls round robin over the connections, {@value #WINDOW} at a time; waits for all. */
    private <T> void windowed(List<ManagedChannel> channels, int count, UnaryCall<T> call,
                              BiConsumer<Integer, T> onResponse) throws InterruptedException {
        Semaphore window = new Semaphore(WINDOW);
        for (int i = 0; i < count; i++) {
            window.acquire();
            int n = i;
            call.start(LeaseGrpc.newStub(channels.get(i % channels.size())), i, new StreamObserver<>() {
                @Override
                public void onNext(T response) {
                    onResponse.accept(n, response);
                }

                @Override
                public void onError(Throwable t) {
                    firstError.compareAndSet(null, t.toString());
                    window.release();
                }

                @Override
                public void onCompleted() {
                    window.release();
                }
            });
        }
        window.acquire(WINDOW);
        if (firstError.get() != null) {
            Bench.fail(firstError.get());
        }
    }

    /**
     * One keepalive stream with its share of the leases. The main thread primes it while gRPC's event
     * loop delivers its responses, so its state is guarded by its monitor.
     */
    private final class KeepAliveStream implements StreamObserver<LeaseKeepAliveResponse> {
        final ArrayDeque<Long> idle = new ArrayDeque<>();
        private final Map<Long, Long> sentAt = new HashMap<>();
        private final StreamObserver<LeaseKeepAliveRequest> requests;

        KeepAliveStream(LeaseGrpc.LeaseStub stub) {
            this.requests = stub.leaseKeepAlive(this);
        }

        synchronized void prime(int inFlight) {
            for (int i = 0; i < inFlight; i++) {
                sendNext();
            }
        }

        private void sendNext() {
            if (issued.incrementAndGet() > o.total()) {
                return;
            }
            long id = idle.poll();
            sentAt.put(id, System.nanoTime());
            requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
        }

        @Override
        public synchronized void onNext(LeaseKeepAliveResponse response) {
            Long t0 = sentAt.remove(response.getID());
            if (t0 == null) {
                fail("keepalive response for lease " + response.getID() + ", which had none in flight");
                return;
            }
            latencies.record(System.nanoTime() - t0);
            if (response.getTTL() <= 0) {
                fail("keepalive of lease " + response.getID() + " answered TTL " + response.getTTL());
                return;
            }
            idle.add(response.getID());
            if (answered.incrementAndGet() == o.total()) {
                done.countDown();
            }
            sendNext();
        }

        @Override
        public void onError(Throwable t) {
            fail("keepalive stream: " + t);
        }

        @Override
        public void onCompleted() {
            if (answered.get() < o.total()) {
                fail("keepalive stream closed by the server");
            }
        }

        synchronized void close() {
            requests.onCompleted();
        }

        private void fail(String reason) {
            firstError.compareAndSet(null, reason);
            done.countDown();
        }
    }
}
