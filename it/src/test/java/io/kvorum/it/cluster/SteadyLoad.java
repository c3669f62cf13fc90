package io.kvorum.it.cluster;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.it.server.ManagedProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * A steady load on one member and the record of every request it made: {@code clients} clients,
 * each one request at a time with its own deadline, half of them putting small values, half
 * reading keys with linearizable gets. A client waits for its answer, then for the rest of its
 * {@code period} (none when zero), so that the rate stays steady whatever the member does. Each
 * request is kept with its wall-clock start and end, its latency and its outcome.
 *
 * <p>Threads: one per client, each with its own channel; samples go to a concurrent queue.
 */
final class SteadyLoad implements AutoCloseable {
    static final String PUT = "put";
    static final String GET = "get";
    static final String OK = "ok";
    static final String TIMEOUT = "timeout";

    /** One request: what it was, when it ran (epoch milliseconds), how long it took, how it ended. */
    record Sample(String kind, long startMillis, long endMillis, long latencyNanos, String outcome) {
        boolean overlaps(long fromMillis, long toMillis) {
            return startMillis <= toMillis && endMillis >= fromMillis;
        }

        boolean failed() {
            return !outcome.equals(OK);
        }
    }

    private final Queue<Sample> samples = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<MemberClient> clients = new ArrayList<>();
    private volatile boolean stopping;

    private SteadyLoad() {
    }

    /**
     * Starts the clients against {@code member}: even ones put under {@code putPrefix}, odd ones
     * get keys named by {@code readKey} (given a random number). Returns at once.
     */
    static SteadyLoad start(ClusterMember member, int clientCount, Duration deadline, Duration period,
            String putPrefix, int valueBytes, IntFunction<String> readKey) {
        SteadyLoad load = new SteadyLoad();
        for (int c = 0; c < clientCount; c++) {
            MemberClient client = new MemberClient(member.clientPort(), deadline.toMillis());
            load.clients.add(client);
            int id = c;
            Thread t = new Thread(() -> load.run(id, client, period, putPrefix, valueBytes, readKey),
                    "steady-load-" + c);
            t.setDaemon(true);
            load.threads.add(t);
        }
        load.threads.forEach(Thread::start);
        return load;
    }

    private void run(int id, MemberClient client, Duration period, String putPrefix, int valueBytes,
            IntFunction<String> readKey) {
        SplittableRandom random = new SplittableRandom(id);
        boolean puts = id % 2 == 0;
        byte[] value = new byte[valueBytes];
        for (long seq = 0; !stopping; seq++) {
            long started = System.nanoTime();
            long startMillis = System.currentTimeMillis();
            String outcome = OK;
            try {
                if (puts) {
                    random.nextBytes(value);
                    client.kv().put(PutRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8(
                                    String.format("%s%02d/%010d", putPrefix, id, seq % 100_000)))
                            .setValue(ByteString.copyFrom(value)).build());
                } else {
                    client.kv().range(RangeRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8(readKey.apply(random.nextInt(Integer.MAX_VALUE)))).build());
                }
            } catch (StatusRuntimeException e) {
                Status s = e.getStatus();
                outcome = s.getCode() == Status.Code.DEADLINE_EXCEEDED ? TIMEOUT
                        : s.getCode() + ": " + s.getDescription();
            }
            long latency = System.nanoTime() - started;
            samples.add(new Sample(puts ? PUT : GET, startMillis, System.currentTimeMillis(), latency, outcome));
            long rest = period.toNanos() - latency;
            if (rest > 0 && !stopping) {
                ManagedProcess.pause(TimeUnit.NANOSECONDS.toMillis(rest));
            }
        }
    }

    /** Stops the clients after their request in flight; returns every sample, in no particular order. */
    List<Sample> stop() throws InterruptedException {
        stopping = true;
        for (Thread t : threads) {
            t.join(30_000);
        }
        return List.copyOf(samples);
    }

    @Override
    public void close() {
        stopping = true;
        clients.forEach(MemberClient::close);
    }

    /** Counts, latency percentiles and failures of the puts and the gets among the {@code samples} picked. */
    static String summary(List<Sample> samples, Predicate<Sample> which) {
        List<Sample> picked = samples.stream().filter(which).toList();
        return kindSummary(picked, PUT) + "; " + kindSummary(picked, GET);
    }

    private static String kindSummary(List<Sample> picked, String kind) {
        List<Sample> of = picked.stream().filter(s -> s.kind().equals(kind)).toList();
        long[] okMicros = of.stream().filter(s -> !s.failed()).mapToLong(s -> s.latencyNanos() / 1_000).sorted()
                .toArray();
        long timeouts = of.stream().filter(s -> s.outcome().equals(TIMEOUT)).count();
        long otherFailures = of.stream().filter(s -> s.failed() && !s.outcome().equals(TIMEOUT)).count();
        return String.format(Locale.ROOT, "%ss %d (ok %d, timeouts %d, other failures %d), latency of the ok ones"
                        + " p50 %s p99 %s max %s", kind, of.size(), okMicros.length, timeouts, otherFailures,
                millis(percentile(okMicros, 0.50)), millis(percentile(okMicros, 0.99)),
                millis(okMicros.length == 0 ? -1 : okMicros[okMicros.length - 1]));
    }

    /** The nearest-rank percentile of sorted {@code values}, -1 when there are none. */
    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static String millis(long micros) {
        return micros < 0 ? "-" : String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
    }

    /** The first few failures among {@code samples} that {@code which} picks, for a message. */
    static String failures(List<Sample> samples, Predicate<Sample> which) {
        return Arrays.toString(samples.stream().filter(which).filter(Sample::failed).limit(10).toArray());
    }
}
