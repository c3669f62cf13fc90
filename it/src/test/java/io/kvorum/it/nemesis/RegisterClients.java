package io.kvorum.it.nemesis;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.Compare;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.TxnResponse;
import io.kvorum.it.cluster.ClusterMember;
import io.kvorum.it.cluster.MemberClient;
import io.kvorum.it.server.ManagedProcess;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Clients reading, writing and compare-and-setting a few keys, each operation sent to a member the
 * client's own random source picks, with a deadline of {@link #DEADLINE_MILLIS}. A write that fails
 * (error, deadline) is recorded with an unknown outcome; the client then goes on with a new
 * operation (a new value), so a retry never repeats a value. A get that fails tells nothing and is
 * only counted. Linearizable reads (not serializable), so that every get is part of the model.
 *
 * <p>Threads: one per client; each appends to the shared history queue and owns everything else.
 */
final class RegisterClients implements AutoCloseable {
    static final long DEADLINE_MILLIS = 2_000;
    private static final long VALUES_PER_CLIENT = 1_000_000_000L;

    private final List<ClusterMember> members;
    private final List<String> keys;
    private final long start;
    private final ConcurrentLinkedQueue<Operation> history = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicLong failedGets = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final List<MemberClient> channels = new ArrayList<>();
    /** The first client that died of an unexpected exception: its operation in flight is not in the history. */
    private final AtomicReference<Throwable> died = new AtomicReference<>();

    private RegisterClients(List<ClusterMember> members, List<String> keys, long start) {
        this.members = List.copyOf(members);
        this.keys = List.copyOf(keys);
        this.start = start;
    }

    /**
     * Starts {@code count} clients; client {@code c} draws from {@code randoms.get(c)}. Times are
     * nanoseconds since {@code start} ({@link System#nanoTime()}).
     */
    static RegisterClients start(List<ClusterMember> members, List<String> keys, List<SplittableRandom> randoms,
            long start) {
        RegisterClients clients = new RegisterClients(members, keys, start);
        for (int c = 0; c < randoms.size(); c++) {
            List<MemberClient> own = new ArrayList<>();
            for (ClusterMember m : members) {
                own.add(new MemberClient(m.clientPort(), DEADLINE_MILLIS));
            }
            clients.channels.addAll(own);
            int client = c;
            SplittableRandom random = randoms.get(c);
            Thread t = new Thread(() -> clients.run(client, random, own), "nemesis-client-" + c);
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((thread, e) -> clients.died.compareAndSet(null, e));
            clients.threads.add(t);
        }
        clients.threads.forEach(Thread::start);
        return clients;
    }

    static String encode(long value) {
        return Long.toString(value);
    }

    static long decode(RangeResponse r) {
        return r.getKvsCount() == 0 ? 0 : Long.parseLong(r.getKvs(0).getValue().toString(StandardCharsets.UTF_8));
    }

    private void run(int client, SplittableRandom random, List<MemberClient> own) {
        long nextValue = (client + 1) * VALUES_PER_CLIENT;
        Map<String, Long> lastSeen = new HashMap<>();
        while (!stopping.get()) {
            String key = keys.get(random.nextInt(keys.size()));
            int target = random.nextInt(own.size());
            int dice = random.nextInt(10);
            long think = random.nextInt(10);
            long expected = lastSeen.getOrDefault(key, 0L);
            Operation.Kind kind = dice < 4 ? Operation.Kind.GET
                    : dice < 7 || expected == 0 ? Operation.Kind.PUT : Operation.Kind.CAS;
            long value = kind == Operation.Kind.GET ? 0 : ++nextValue;
            MemberClient via = own.get(target);
            String member = members.get(target).name();
            ByteString k = ByteString.copyFromUtf8(key);
            long id = ids.incrementAndGet();
            long invoke = System.nanoTime() - start;
            try {
                switch (kind) {
                    case GET -> {
                        long read = decode(via.kv().range(RangeRequest.newBuilder().setKey(k).build()));
                        record(new Operation(id, client, member, key, kind, 0, read, Operation.Outcome.OK, 0, 0, invoke,
                                now()));
                        lastSeen.put(key, read);
                    }
                    case PUT -> {
                        long revision = via.kv().put(PutRequest.newBuilder().setKey(k)
                                .setValue(ByteString.copyFromUtf8(encode(value))).build()).getHeader().getRevision();
                        record(new Operation(id, client, member, key, kind, 0, value, Operation.Outcome.OK, 0, revision,
                                invoke, now()));
                        lastSeen.put(key, value);
                    }
                    case CAS -> {
                        TxnResponse r = via.kv().txn(TxnRequest.newBuilder()
                                .addCompare(Compare.newBuilder().setKey(k).setTarget(Compare.CompareTarget.VALUE)
                                        .setResult(Compare.CompareResult.EQUAL)
                                        .setValue(ByteString.copyFromUtf8(encode(expected))))
                                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(k)
                                        .setValue(ByteString.copyFromUtf8(encode(value)))))
                                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(k)))
                                .build());
                        long at = now();
                        if (r.getSucceeded()) {
                            record(new Operation(id, client, member, key, kind, expected, value, Operation.Outcome.OK, 0,
                                    r.getHeader().getRevision(), invoke, at));
                            lastSeen.put(key, value);
                        } else {
                            long read = decode(r.getResponses(0).getResponseRange());
                            record(new Operation(id, client, member, key, kind, expected, value,
                                    Operation.Outcome.CAS_FAILED, read, 0, invoke, at));
                            lastSeen.put(key, read);
                        }
                    }
                }
            } catch (StatusRuntimeException e) {
                if (kind == Operation.Kind.GET) {
                    failedGets.incrementAndGet();
                } else {
                    record(new Operation(id, client, member, key, kind, expected, value, Operation.Outcome.UNKNOWN, 0, 0,
                            invoke, Operation.UNKNOWN));
                }
                via.reconnectNow();
            }
            if (think > 0) {
                ManagedProcess.pause(think);
            }
        }
    }

    private long now() {
        // a response in the same nanosecond as its invocation still comes after it
        return System.nanoTime() - start + 1;
    }

    private void record(Operation op) {
        history.add(op);
    }

    long failedGets() {
        return failedGets.get();
    }

    int operations() {
        return history.size();
    }

    /** Stops the clients (each finishes its operation in flight) and returns the history. */
    List<Operation> stop() {
        stopping.set(true);
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " still running 30 s after the stop");
            }
        }
        if (died.get() != null) {
            // a write it had sent may have taken effect unrecorded: no history check could be trusted
            throw new IllegalStateException("a client died; the history lacks its operation in flight", died.get());
        }
        return List.copyOf(history);
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            channels.forEach(MemberClient::close);
        }
    }
}
