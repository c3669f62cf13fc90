package io.kvorum.server.forward;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.LeaseGrpc;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveRequest;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusException.Reason;
import io.kvorum.spi.consensus.ConsensusStatus;
import io.kvorum.spi.consensus.Member;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The current leader's client port, for a member that does not lead. One connection per
 * leader, found through {@link Consensus#members()} and opened on first use; it is closed when
 * another member leads and at {@link #close()}. Keepalives of all this member's streams share one
 * keepalive stream to the leader.
 *
 * <p>Each call is one attempt: it fails with {@link ConsensusException} when no leader can be
 * reached ({@code NO_LEADER}, or {@code LEADER_CHANGED} when this member leads now), or with the
 * leader's own error; the caller decides whether to try again.
 */
public final class LeaderClient implements AutoCloseable {
    private final Consensus consensus;
    private final long callTimeoutMillis;
    private final MemberChannels channels;
    private final EventLoopGroup eventLoop = new MultiThreadIoEventLoopGroup(1,
            new DefaultThreadFactory("kvorum-leader-client", true), NioIoHandler.newFactory());
    /** The connection to the leader; guarded by this. */
    private Link link;
    private boolean closed;

    /**
     * @param callTimeoutMillis the deadline of one forwarded unary call
     * @param channels          how to reach the leader's client URL (plaintext or TLS)
     */
    public LeaderClient(Consensus consensus, long callTimeoutMillis, MemberChannels channels) {
        this.consensus = consensus;
        this.callTimeoutMillis = callTimeoutMillis;
        this.channels = channels;
    }

    /** Renews a lease on the leader: the lease's TTL, or 0 when the leader knows no such lease. */
    public CompletableFuture<Long> keepAlive(long leaseId) {
        try {
            return link().keepAlive(leaseId);
        } catch (ConsensusException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The leader's answer to a time-to-live request, header and all. */
    public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r) {
        Link l;
        try {
            l = link();
        } catch (ConsensusException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<LeaseTimeToLiveResponse> answer = new CompletableFuture<>();
        l.stub.withDeadlineAfter(callTimeoutMillis, TimeUnit.MILLISECONDS).leaseTimeToLive(r, new StreamObserver<>() {
            @Override
            public void onNext(LeaseTimeToLiveResponse value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                answer.completeExceptionally(new ConsensusException(Reason.LEADER_CHANGED, "leader sent no answer"));
            }
        });
        return answer;
    }

    private synchronized Link link() {
        if (closed) {
            throw new ConsensusException(Reason.STOPPED, "member stopped");
        }
        ConsensusStatus s = consensus.status();
        long leader = s.leaderId();
        if (leader == 0) {
            throw new ConsensusException(Reason.NO_LEADER, "no leader");
        }
        if (leader == s.memberId()) {
            throw new ConsensusException(Reason.LEADER_CHANGED, "this member leads now");
        }
        if (link != null && link.leaderId == leader) {
            return link;
        }
        if (link != null) {
            link.close();
            link = null;
        }
        String url = consensus.members().stream()
                .filter(m -> m.id() == leader)
                .map(Member::clientUrls)
                .filter(urls -> !urls.isEmpty())
                .map(urls -> urls.get(0))
                .findFirst()
                .orElseThrow(() -> new ConsensusException(Reason.NO_LEADER, "the leader has published no client URL"));
        link = new Link(leader, URI.create(url), eventLoop, channels);
        return link;
    }

    @Override
    public void close() {
        Link l;
        synchronized (this) {
            closed = true;
            l = link;
            link = null;
        }
        if (l != null) {
            l.close();
        }
        eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** The connection to one leader: a channel of its own, so closing it closes the connection. */
    private static final class Link {
        final long leaderId;
        final ManagedChannel channel;
        final LeaseGrpc.LeaseStub stub;
        /** The shared keepalive stream; guarded by this link; replaced when it breaks. */
        private KeepAlives keepAlives;
        private boolean closed;

        Link(long leaderId, URI url, EventLoopGroup eventLoop, MemberChannels channels) {
            this.leaderId = leaderId;
            NettyChannelBuilder channel = channels.to(url)
                    .eventLoopGroup(eventLoop)
                    .channelType(NioSocketChannel.class)
                    // a time-to-live answer lists the lease's keys: etcd's clients take any size
                    .maxInboundMessageSize(Integer.MAX_VALUE)
                    // keepalives are matched to answers here; a retried stream would resend them
                    .disableRetry();
            this.channel = channel.build();
            // Keepalive streams live as long as the leader does: no deadline on them.
            this.stub = LeaseGrpc.newStub(this.channel);
        }

        CompletableFuture<Long> keepAlive(long leaseId) {
            KeepAlives stream;
            synchronized (this) {
                if (closed) {
                    return CompletableFuture.failedFuture(new ConsensusException(Reason.LEADER_CHANGED, "leader changed"));
                }
                if (keepAlives == null || keepAlives.broken()) {
                    keepAlives = new KeepAlives();
                    keepAlives.open(stub);
                }
                stream = keepAlives;
            }
            CompletableFuture<Long> answer = stream.send(leaseId);
            // A renewal the caller gave up waiting for means the leader is not answering on this
            // stream: drop it, so the next renewal opens a new one.
            answer.whenComplete((ttl, failure) -> {
                if (failure instanceof TimeoutException) {
                    stream.abandon();
                }
            });
            return answer;
        }

        void close() {
            KeepAlives stream;
            synchronized (this) {
                closed = true;
                stream = keepAlives;
            }
            if (stream != null) {
                stream.close();
            }
            channel.shutdownNow();
        }
    }

    /**
     * One keepalive stream to the leader, shared by every renewal this member forwards. Answers
     * are matched to requests by lease id: one answer completes every renewal of that lease
     * waiting for it.
     */
    private static final class KeepAlives implements StreamObserver<LeaseKeepAliveResponse> {
        /** Guarded by this. */
        private final Map<Long, List<CompletableFuture<Long>>> pending = new HashMap<>();
        private StreamObserver<LeaseKeepAliveRequest> requests;
        private boolean broken;

        synchronized void open(LeaseGrpc.LeaseStub stub) {
            requests = stub.leaseKeepAlive(this);
        }

        synchronized boolean broken() {
            return broken;
        }

        CompletableFuture<Long> send(long leaseId) {
            CompletableFuture<Long> answer = new CompletableFuture<>();
            synchronized (this) {
                if (broken) {
                    answer.completeExceptionally(new ConsensusException(Reason.LEADER_CHANGED, "keepalive stream closed"));
                    return answer;
                }
                pending.computeIfAbsent(leaseId, k -> new ArrayList<>()).add(answer);
                requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(leaseId).build());
            }
            return answer;
        }

        @Override
        public void onNext(LeaseKeepAliveResponse response) {
            List<CompletableFuture<Long>> waiting;
            synchronized (this) {
                waiting = pending.remove(response.getID());
            }
            if (waiting != null) {
                waiting.forEach(f -> f.complete(response.getTTL()));
            }
        }

        @Override
        public void onError(Throwable t) {
            breakWith(t);
        }

        @Override
        public void onCompleted() {
            breakWith(new ConsensusException(Reason.LEADER_CHANGED, "the leader ended the keepalive stream"));
        }

        void close() {
            synchronized (this) {
                if (!broken && requests != null) {
                    requests.onCompleted();
                }
            }
            breakWith(new ConsensusException(Reason.LEADER_CHANGED, "leader changed"));
        }

        void abandon() {
            synchronized (this) {
                if (!broken && requests != null) {
                    requests.onError(Status.CANCELLED.withDescription("the leader did not answer in time").asRuntimeException());
                }
            }
            breakWith(new ConsensusException(Reason.TIMEOUT, "the leader did not answer in time"));
        }

        private void breakWith(Throwable t) {
            List<CompletableFuture<Long>> waiting = new ArrayList<>();
            synchronized (this) {
                broken = true;
                pending.values().forEach(waiting::addAll);
                pending.clear();
            }
            waiting.forEach(f -> f.completeExceptionally(t));
        }
    }
}
