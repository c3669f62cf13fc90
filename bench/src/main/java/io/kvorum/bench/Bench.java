package io.kvorum.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop load generator in the manner of etcd's {@code benchmark} tool: {@code --clients}
 * concurrent requesters over {@code --conns} connections, each sending its next request when the
 * previous one is answered, until {@code --total} requests are done.
 *
 * <pre>
 * Bench put   --endpoint 127.0.0.1:2379 --clients 100 --conns 10 --total 100000 --key-size 8 --val-size 256
 * Bench range --endpoint 127.0.0.1:2379 --clients 100 --conns 10 --total 100000 [--serializable]
 * Bench watch --endpoint 127.0.0.1:2379 --watchers 1000 --streams 100 --conns 10 --total 1000 --put-rate 100
 * Bench keepalive --endpoint 127.0.0.1:2379 --leases 10000 --streams 10 --clients 10 --conns 10 --total 100000
 * </pre>
 * Prints one line: op, clients, requests/s, mean and percentile latencies in ms. The watch and
 * keepalive loads are described in {@link WatchFanOut} and {@link LeaseKeepAlive}.
 */
public final class Bench {

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !List.of("put", "range", "watch", "keepalive").contains(args[0])) {
            System.err.println(Options.USAGE);
            System.exit(2);
        }
        Options o = Options.parse(args);
        switch (o.op()) {
            case "watch" -> WatchFanOut.run(o);
            case "keepalive" -> LeaseKeepAlive.run(o);
            default -> kv(o);
        }
    }

    /** Closed-loop puts or single-key ranges: {@code --clients} requesters over {@code --conns}. */
    private static void kv(Options o) throws InterruptedException {
        String op = o.op();
        int clients = o.clients();
        int conns = o.conns();
        long total = o.total();
        int keySize = o.keySize();
        int keySpace = o.keySpace();
        boolean serializable = o.serializable();
        List<ManagedChannel> channels = channels(o.endpoint(), conns);
        ByteString val = value(o.valSize());
        Run run = new Run(total, clients);

        // Warm the connections (and, for range, the keys) before measuring.
        for (ManagedChannel ch : channels) {
            KVGrpc.newBlockingStub(ch).put(PutRequest.newBuilder().setKey(key(0, keySize)).setValue(val).build());
        }
        if (op.equals("range")) {
            KVGrpc.KVBlockingStub s = KVGrpc.newBlockingStub(channels.get(0));
            for (int k = 0; k < Math.min(keySpace, 1000); k++) {
                s.put(PutRequest.newBuilder().setKey(key(k, keySize)).setValue(val).build());
            }
        }

        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            KVGrpc.KVStub stub = KVGrpc.newStub(channels.get(c % conns));
            Client client = new Client(stub, run, op, keySize, Math.min(keySpace, op.equals("range") ? 1000 : keySpace),
                    val, serializable, c);
            client.next();
        }
        run.done.await();
        long elapsed = System.nanoTime() - start;
        close(channels);
        if (run.errors.get() > 0) {
            System.err.println("errors: " + run.errors.get() + " (first: " + run.firstError + ")");
        }
        long[] lat = Arrays.copyOf(run.latencies, (int) Math.min(run.latencies.length, run.recorded.get()));
        Arrays.sort(lat);
        double secs = elapsed / 1e9;
        System.out.printf("%s clients=%d conns=%d total=%d  %.0f req/s  mean %.3f ms  p50 %.3f ms  p99 %.3f ms  max %.3f ms%n",
                op + (op.equals("range") ? (serializable ? "(serializable)" : "(linearizable)") : ""),
                clients, conns, total, total / secs, mean(lat) / 1e6, pct(lat, 0.50) / 1e6, pct(lat, 0.99) / 1e6,
                lat.length == 0 ? 0 : lat[lat.length - 1] / 1e6);
    }

    /** {@code n} plaintext connections; callbacks run on gRPC's event loops, so a reply costs no thread hop. */
    static List<ManagedChannel> channels(String endpoint, int n) {
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            channels.add(NettyChannelBuilder.forTarget(endpoint).usePlaintext().directExecutor().build());
        }
        return channels;
    }

    static void close(List<ManagedChannel> channels) throws InterruptedException {
        for (ManagedChannel ch : channels) {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The same pseudo-random bytes in every run, so that compression treats both servers alike. */
    static ByteString value(int size) {
        byte[] value = new byte[size];
        new Random(1).nextBytes(value);
        return ByteString.copyFrom(value);
    }

    /** Exits with status 1 and the reason: a load that went wrong must not print a figure. */
    static void fail(String reason) {
        System.err.println("FAILED: " + reason);
        System.exit(1);
    }

    private static ByteString key(long n, int size) {
        byte[] k = new byte[size];
        for (int i = size - 1; i >= 0 && n > 0; i--) {
            k[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        for (int i = 0; i < size; i++) {
            if (k[i] == 0) {
                k[i] = '0';
            }
        }
        return ByteString.copyFrom(k);
    }

    static double mean(long[] a) {
        return a.length == 0 ? 0 : Arrays.stream(a).average().orElse(0);
    }

    static long pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    }

    /** Shared progress of one run. */
    private static final class Run {
        final long total;
        final AtomicLong issued = new AtomicLong();
        final AtomicLong recorded = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final long[] latencies;
        final CountDownLatch done;
        volatile Throwable firstError;

        Run(long total, int clients) {
            this.total = total;
            this.latencies = new long[(int) total];
            this.done = new CountDownLatch(clients);
        }
    }

    /** One closed-loop requester. */
    private static final class Client {
        private final KVGrpc.KVStub stub;
        private final Run run;
        private final String op;
        private final int keySize;
        private final int keySpace;
        private final ByteString value;
        private final boolean serializable;
        private final Random random;

        Client(KVGrpc.KVStub stub, Run run, String op, int keySize, int keySpace, ByteString value,
               boolean serializable, int seed) {
            this.stub = stub;
            this.run = run;
            this.op = op;
            this.keySize = keySize;
            this.keySpace = keySpace;
            this.value = value;
            this.serializable = serializable;
            this.random = new Random(seed);
        }

        void next() {
            if (run.issued.incrementAndGet() > run.total) {
                run.done.countDown();
                return;
            }
            long t0 = System.nanoTime();
            ByteString k = key(random.nextInt(keySpace), keySize);
            if (op.equals("put")) {
                stub.put(PutRequest.newBuilder().setKey(k).setValue(value).build(), observer(t0));
            } else {
                stub.range(RangeRequest.newBuilder().setKey(k).setSerializable(serializable).build(), observer(t0));
            }
        }

        private <T> StreamObserver<T> observer(long t0) {
            return new StreamObserver<>() {
                @Override
                public void onNext(T value) {
                }

                @Override
                public void onError(Throwable t) {
                    if (run.errors.getAndIncrement() == 0) {
                        run.firstError = t;
                    }
                    record(t0);
                    next();
                }

                @Override
                public void onCompleted() {
                    record(t0);
                    next();
                }
            };
        }

        private void record(long t0) {
            long i = run.recorded.getAndIncrement();
            if (i < run.latencies.length) {
                run.latencies[(int) i] = System.nanoTime() - t0;
            }
        }
    }

    private Bench() {
    }

}
