package io.kvorum.it.cluster;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.it.server.ManagedProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@link #IN_FLIGHT} clients putting as fast as they can, each its own distinct keys: every client
 * sends its next put the moment the last is answered, so that many requests are in flight at all
 * times. They share a few gRPC channels per member (asynchronous calls), spread evenly over the
 * members. Each put has a {@link #DEADLINE}; every answer is counted by its kind, every
 * acknowledged put kept.
 *
 * <p>Threads: gRPC answers on a small pool of this class's own, which also sends the next put;
 * counters are atomic, acknowledged puts go to a concurrent queue.
 */
final class PutFlood implements AutoCloseable {
    static final int IN_FLIGHT = 5_000;
    private static final int CHANNELS_PER_MEMBER = 4;
    /** Well beyond etcd's own request timeout (5 s + 2 election timeouts): the server answers first. */
    static final Duration DEADLINE = Duration.ofSeconds(20);
    static final String TOO_MANY_REQUESTS = "etcdserver: too many requests";

    /** What the flood saw: every put by the kind of its answer, and the acknowledged ones. */
    record Result(long sent, long ok, long tooManyRequests, Map<String, Long> otherErrors, long deadlineExceeded,
            Map<String, Long> deadlineExceededVia, long hanging, long maxLatencyMillis, Map<String, Long> latencies,
            List<WriteLoad.Acked> acked) {
        String summary(Duration load) {
            return sent + " puts sent, " + ok + " acknowledged (" + ok / Math.max(1, load.toSeconds()) + "/s), "
                    + tooManyRequests + " refused with '" + TOO_MANY_REQUESTS + "', " + deadlineExceeded
                    + " past their deadline (by member sent to: " + deadlineExceededVia + "), " + hanging
                    + " never answered, other errors " + otherErrors + ", slowest answer " + maxLatencyMillis
                    + " ms, answers by latency " + latencies;
        }
    }

    /** Upper bounds of the latency buckets reported, in seconds. */
    private static final long[] BUCKETS = {1, 2, 5, 7, 10, 15, 20};

    private final String prefix;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<String> memberOfChannel = new ArrayList<>();
    private final Map<String, LongAdder> deadlineExceededVia = new ConcurrentHashMap<>();
    private final LongAdder[] latencies = new LongAdder[BUCKETS.length + 1];
    private final ExecutorService callbacks = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "put-flood");
        t.setDaemon(true);
        return t;
    });
    private final Queue<WriteLoad.Acked> acked = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder sent = new LongAdder();
    private final LongAdder tooMany = new LongAdder();
    private final LongAdder deadlineExceeded = new LongAdder();
    private final Map<String, LongAdder> otherErrors = new ConcurrentHashMap<>();
    private final LongAccumulator maxLatency = new LongAccumulator(Math::max, 0);
    private volatile boolean stopping;

    private PutFlood(String prefix) {
        this.prefix = prefix;
        for (int i = 0; i < latencies.length; i++) {
            latencies[i] = new LongAdder();
        }
    }

    /** Starts the clients against {@code members}; returns at once. */
    static PutFlood start(String prefix, List<ClusterMember> members) {
        PutFlood flood = new PutFlood(prefix);
        for (int c = 0; c < CHANNELS_PER_MEMBER; c++) {
            for (ClusterMember m : members) {
                flood.channels.add(Grpc.newChannelBuilderForAddress("127.0.0.1", m.clientPort(),
                        InsecureChannelCredentials.create()).executor(flood.callbacks).build());
                flood.memberOfChannel.add(m.name());
            }
        }
        for (int client = 0; client < IN_FLIGHT; client++) {
            flood.put(client, 0);
        }
        return flood;
    }

    private void put(int client, long seq) {
        String key = prefix + "c" + client + "/" + seq;
        String value = WriteLoad.valueOf(key);
        long started = System.nanoTime();
        inFlight.incrementAndGet();
        sent.increment();
        KVGrpc.newStub(channels.get(client % channels.size())).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
                        .build(), new StreamObserver<>() {
                            @Override
                            public void onNext(PutResponse r) {
                                acked.add(new WriteLoad.Acked(key, value, r.getHeader().getRevision()));
                            }

                            @Override
                            public void onError(Throwable t) {
                                Status s = Status.fromThrowable(t);
                                if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                                    deadlineExceeded.increment();
                                    deadlineExceededVia.computeIfAbsent(memberOfChannel.get(client % channels.size()),
                                            k -> new LongAdder()).increment();
                                } else if (TOO_MANY_REQUESTS.equals(s.getDescription())) {
                                    tooMany.increment();
                                } else {
                                    otherErrors.computeIfAbsent(s.getCode() + ": " + s.getDescription(),
                                            k -> new LongAdder()).increment();
                                }
                                answered(client, seq, started);
                            }

                            @Override
                            public void onCompleted() {
                                answered(client, seq, started);
                            }
                        });
    }

    private void answered(int client, long seq, long started) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        maxLatency.accumulate(millis);
        int bucket = 0;
        while (bucket < BUCKETS.length && millis >= BUCKETS[bucket] * 1000) {
            bucket++;
        }
        latencies[bucket].increment();
        inFlight.decrementAndGet();
        if (!stopping) {
            put(client, seq + 1);
        }
    }

    /**
     * Stops sending, waits until every put in flight is answered (or its deadline passed and then
     * some), and returns the counts.
     */
    Result stop() {
        stopping = true;
        long deadline = System.nanoTime() + DEADLINE.plusSeconds(10).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            ManagedProcess.pause(20);
        }
        Map<String, Long> others = new TreeMap<>();
        otherErrors.forEach((k, v) -> others.put(k, v.sum()));
        Map<String, Long> via = new TreeMap<>();
        deadlineExceededVia.forEach((k, v) -> via.put(k, v.sum()));
        Map<String, Long> byLatency = new LinkedHashMap<>();
        for (int i = 0; i < latencies.length; i++) {
            byLatency.put(i < BUCKETS.length ? "<" + BUCKETS[i] + "s" : ">=" + BUCKETS[BUCKETS.length - 1] + "s",
                    latencies[i].sum());
        }
        return new Result(sent.sum(), acked.size(), tooMany.sum(), others, deadlineExceeded.sum(), via, inFlight.get(),
                maxLatency.get(), byLatency, List.copyOf(acked));
    }

    @Override
    public void close() {
        stopping = true;
        channels.forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels) {
            try {
                c.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        callbacks.shutdownNow();
    }
}
