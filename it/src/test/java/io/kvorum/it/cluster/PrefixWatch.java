package io.kvorum.it.cluster;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.it.server.ManagedProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * One watch on a key prefix of one member, on a channel of its own, recording what a client sees:
 * the revision in the created response's header, every event in the order it came, and anything
 * else (a cancel, a compacted revision, the stream's end). It never re-watches: a watch that must
 * follow a member across its start is opened before the member listens and waits for it
 * (gRPC's wait-for-ready), so its created response is the first the member can give.
 *
 * <p>Threads: gRPC calls back on its own threads, one response at a time; the recorded state is
 * guarded by {@code this}.
 */
final class PrefixWatch implements AutoCloseable {
    /** An event as a watcher saw it. */
    record Seen(long revision, String type, String key, String value) {
        static Seen of(Event e) {
            return new Seen(e.getKv().getModRevision(), e.getType().name(), e.getKv().getKey().toStringUtf8(),
                    e.getKv().getValue().toStringUtf8());
        }

        @Override
        public String toString() {
            return revision + ":" + type + " " + key + "=" + value;
        }
    }

    private final String name;
    private final ManagedChannel channel;
    private final ClientCallStreamObserver<WatchRequest> requests;
    private final List<Seen> events = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private long createdRevision = -1;
    private long last;
    private Status ended;

    private PrefixWatch(String name, ClusterMember member, String prefix, long startRevision) {
        this.name = name + " on " + member.name();
        this.channel = Grpc.newChannelBuilderForAddress("127.0.0.1", member.clientPort(),
                InsecureChannelCredentials.create()).maxInboundMessageSize(64 * 1024 * 1024).build();
        this.requests = (ClientCallStreamObserver<WatchRequest>) WatchGrpc.newStub(channel).withWaitForReady()
                .watch(new StreamObserver<>() {
                    @Override
                    public void onNext(WatchResponse r) {
                        received(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        end(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        end(Status.OK);
                    }
                });
        ByteString from = ByteString.copyFromUtf8(prefix);
        ByteString to = ByteString.copyFromUtf8(prefix.substring(0, prefix.length() - 1)
                + (char) (prefix.charAt(prefix.length() - 1) + 1));
        WatchCreateRequest.Builder create = WatchCreateRequest.newBuilder().setKey(from).setRangeEnd(to);
        if (startRevision > 0) {
            create.setStartRevision(startRevision);
        }
        requests.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
    }

    /**
     * Watches {@code prefix} on {@code member} from {@code startRevision}, or from the member's next
     * revision when it is 0 (no start revision); the member need not listen yet.
     */
    static PrefixWatch open(String name, ClusterMember member, String prefix, long startRevision) {
        return new PrefixWatch(name, member, prefix, startRevision);
    }

    private synchronized void received(WatchResponse r) {
        if (r.getCreated()) {
            if (createdRevision >= 0) {
                problems.add("a second created response");
            }
            createdRevision = r.getHeader().getRevision();
        }
        if (r.getCompactRevision() != 0) {
            problems.add("compacted at " + r.getCompactRevision() + " after revision " + last);
        }
        if (r.getCanceled()) {
            problems.add("canceled after revision " + last + ": '" + r.getCancelReason() + "'");
        }
        for (Event e : r.getEventsList()) {
            events.add(Seen.of(e));
            last = Math.max(last, e.getKv().getModRevision());
        }
    }

    private synchronized void end(Status status) {
        ended = status;
    }

    String name() {
        return name;
    }

    /** The revision in the created response's header, once it came. */
    synchronized OptionalLong createdRevision() {
        return createdRevision < 0 ? OptionalLong.empty() : OptionalLong.of(createdRevision);
    }

    synchronized List<Seen> events() {
        return List.copyOf(events);
    }

    /** Cancels, compactions, a second created response, the stream's end: none is expected. */
    synchronized List<String> problems() {
        List<String> all = new ArrayList<>(problems);
        if (ended != null) {
            all.add("the stream ended: " + ended);
        }
        return all;
    }

    /** Waits for the created response; false if none came within {@code timeout}. */
    boolean awaitCreated(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (createdRevision().isEmpty()) {
            if (System.nanoTime() > deadline || ended()) {
                return false;
            }
            channel.resetConnectBackoff(); // the member is starting: connect again at once
            ManagedProcess.pause(20);
        }
        return true;
    }

    /** Waits until an event at {@code revision} or later came; false if none within {@code timeout}. */
    boolean awaitRevision(long revision, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            synchronized (this) {
                if (last >= revision) {
                    return true;
                }
            }
            if (System.nanoTime() > deadline || ended()) {
                return false;
            }
            ManagedProcess.pause(20);
        }
    }

    private synchronized boolean ended() {
        return ended != null;
    }

    @Override
    public void close() {
        requests.cancel("the test is done with this watch", null);
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
