package io.kvorum.it.nemesis;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.it.cluster.ClusterMember;
import io.kvorum.it.server.ManagedProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A watcher on one member following a key prefix from revision 1, as a careful client does: when
 * its stream ends (the member was killed, the connection cut) it watches again from its last
 * revision + 1 on the same member. A compacted or otherwise cancelled watch is recorded as a
 * problem (the test never compacts). A revision received twice or going back is recorded too.
 *
 * <p>Threads: one thread of its own opens streams one after the other; gRPC calls back on its
 * threads, one stream at a time. {@code events}, {@code problems} and {@code next} are guarded by
 * {@code this}.
 */
final class MemberWatcher implements AutoCloseable {
    private final ClusterMember member;
    private final ByteString key;
    private final ByteString rangeEnd;
    private final ManagedChannel channel;
    private final Thread thread;
    private final List<WatchLog.Event> events = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private long next = 1;
    private int streams;
    private volatile boolean stopping;
    private volatile ClientCallStreamObserver<WatchRequest> current;

    MemberWatcher(ClusterMember member, String prefix) {
        this.member = member;
        this.key = ByteString.copyFromUtf8(prefix);
        this.rangeEnd = ByteString.copyFromUtf8(prefix.substring(0, prefix.length() - 1)
                + (char) (prefix.charAt(prefix.length() - 1) + 1));
        this.channel = Grpc.newChannelBuilderForAddress("127.0.0.1", member.clientPort(),
                InsecureChannelCredentials.create()).maxInboundMessageSize(64 * 1024 * 1024).build();
        this.thread = new Thread(this::run, "nemesis-watcher-" + member.name());
        thread.setDaemon(true);
        thread.start();
    }

    String name() {
        return "watcher on " + member.name();
    }

    private void run() {
        while (!stopping) {
            CountDownLatch ended = new CountDownLatch(1);
            long from;
            synchronized (this) {
                from = next;
                streams++;
            }
            channel.resetConnectBackoff();
            StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
                @Override
                public void onNext(WatchResponse r) {
                    received(r);
                }

                @Override
                public void onError(Throwable t) {
                    ended.countDown();
                }

                @Override
                public void onCompleted() {
                    ended.countDown();
                }
            });
            current = (ClientCallStreamObserver<WatchRequest>) requests;
            requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(key)
                    .setRangeEnd(rangeEnd).setStartRevision(from)).build());
            try {
                while (!stopping && !ended.await(100, TimeUnit.MILLISECONDS)) {
                    // wait for the stream to end
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (!stopping) {
                ManagedProcess.pause(100);
            }
        }
    }

    private synchronized void received(WatchResponse r) {
        if (r.getCompactRevision() != 0) {
            problems.add(name() + ": compacted at " + r.getCompactRevision() + " while watching from " + next);
        }
        if (r.getCanceled()) {
            problems.add(name() + ": watch cancelled: '" + r.getCancelReason() + "'");
            current.cancel("cancelled by the server", null);
        }
        for (Event e : r.getEventsList()) {
            long revision = e.getKv().getModRevision();
            if (revision < next) {
                problems.add(name() + ": revision " + revision + " received again or out of order (expected >= "
                        + next + ")");
                continue;
            }
            if (e.getType() != Event.EventType.PUT) {
                problems.add(name() + ": unexpected " + e.getType() + " of " + e.getKv().getKey().toStringUtf8()
                        + " at " + revision);
            }
            events.add(new WatchLog.Event(revision, e.getKv().getKey().toStringUtf8(),
                    Long.parseLong(e.getKv().getValue().toString(StandardCharsets.UTF_8))));
            next = revision + 1;
        }
    }

    synchronized long lastRevision() {
        return next - 1;
    }

    synchronized int streams() {
        return streams;
    }

    synchronized List<WatchLog.Event> events() {
        return List.copyOf(events);
    }

    synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    /** Waits until this watcher has seen revision {@code revision}; false if it has not within {@code timeout}. */
    boolean awaitRevision(long revision, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (lastRevision() < revision) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            ManagedProcess.pause(50);
        }
        return true;
    }

    @Override
    public void close() {
        stopping = true;
        ClientCallStreamObserver<WatchRequest> c = current;
        if (c != null) {
            c.cancel("the test is done watching", null);
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.shutdownNow();
    }
}
