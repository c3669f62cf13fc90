package io.kvorum.it.cluster;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.it.server.ManagedProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Several clients putting distinct keys into a cluster, each connected to every member: a client
 * sends to one member and, when a put fails (member down, no leader, timeout), moves to the next
 * member and puts the same key and value again until it is acknowledged. Every acknowledged put is
 * recorded; a put that failed may or may not have happened, and is never counted.
 */
final class WriteLoad implements AutoCloseable {
    /** A put some member acknowledged, and the revision it reported. */
    record Acked(String key, String value, long revision) {
    }

    private final String prefix;
    private final List<ClusterMember> members;
    private final Queue<Acked> acked = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicLong failedAttempts = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final List<MemberClient> clients = new ArrayList<>();

    private WriteLoad(String prefix, List<ClusterMember> members) {
        this.prefix = prefix;
        this.members = List.copyOf(members);
    }

    /** Starts {@code writers} clients putting keys under {@code prefix} through {@code members}. */
    static WriteLoad start(String prefix, List<ClusterMember> members, int writers) {
        WriteLoad load = new WriteLoad(prefix, members);
        for (int w = 0; w < writers; w++) {
            List<MemberClient> own = new ArrayList<>();
            for (ClusterMember m : members) {
                own.add(new MemberClient(m.clientPort(), 3_000));
            }
            load.clients.addAll(own);
            int writer = w;
            Thread t = new Thread(() -> load.write(writer, own), prefix + "writer-" + w);
            t.setDaemon(true);
            load.threads.add(t);
        }
        load.threads.forEach(Thread::start);
        return load;
    }

    static String valueOf(String key) {
        return "value-of-" + key;
    }

    private void write(int writer, List<MemberClient> own) {
        int target = writer % own.size();
        for (int seq = 0; !stopping.get(); seq++) {
            String key = prefix + "w" + writer + "/" + String.format("%06d", seq);
            PutRequest put = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                    .setValue(ByteString.copyFromUtf8(valueOf(key))).build();
            while (!stopping.get()) {
                try {
                    long revision = own.get(target).kv().put(put).getHeader().getRevision();
                    acked.add(new Acked(key, valueOf(key), revision));
                    break;
                } catch (StatusRuntimeException e) {
                    failedAttempts.incrementAndGet();
                    target = (target + 1) % own.size();
                    own.get(target).reconnectNow();
                    ManagedProcess.pause(20);
                }
            }
        }
    }

    int ackedCount() {
        return acked.size();
    }

    long failedAttempts() {
        return failedAttempts.get();
    }

    /** Waits until {@code more} puts beyond those acknowledged now are acknowledged. */
    void awaitMoreAcked(int more, Duration timeout, Cluster cluster) {
        int goal = acked.size() + more;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (acked.size() < goal) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + acked.size() + " of " + goal + " puts acknowledged within "
                        + timeout.toSeconds() + " s (" + failedAttempts.get() + " attempts failed)\n" + cluster.logTails());
            }
            ManagedProcess.pause(10);
        }
    }

    /** Stops the clients (each finishes or abandons its put in flight) and returns what was acknowledged. */
    List<Acked> stop() {
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
        return List.copyOf(acked);
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            clients.forEach(MemberClient::close);
        }
    }
}
