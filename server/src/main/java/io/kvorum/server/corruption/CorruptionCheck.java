package io.kvorum.server.corruption;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.AlarmRequest;
import io.kvorum.api.etcdserverpb.AlarmType;
import io.kvorum.api.etcdserverpb.HashKVRequest;
import io.kvorum.api.etcdserverpb.HashKVResponse;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.server.request.KvRequests;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.forward.MemberChannels;
import io.kvorum.server.mvcc.CompactedException;
import io.kvorum.server.mvcc.FutureRevisionException;
import io.kvorum.server.mvcc.KeyValueHash;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusStatus;
import io.kvorum.spi.consensus.Member;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares this member's HashKV with its peers', as etcd's corruption checks do. A peer is asked
 * for its HashKV at this member's revision over the consensus' peer channel
 * ({@link Consensus#ask}, topic {@value PeerHashKV#TOPIC}), as etcd asks its peers'
 * {@code /members/hashkv} on the peer port: that needs no client credentials, so the check works
 * with auth enabled. A consensus that cannot ask its peers, or a peer that answers no such
 * question, is asked through its client URLs instead (Maintenance.HashKV). This member answers
 * its peers' questions the same way, hashing on a thread of its own with a short queue: what does
 * not fit is answered "too many requests".
 *
 * <p>Threads: {@link #checkInitial} runs on the starting thread, before clients are served; the
 * periodic checks (the HashKV one and the compaction hash one) run on one thread of their own, and only
 * while this member leads.
 */
public final class CorruptionCheck implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CorruptionCheck.class);
    /** Peers' HashKV questions waiting for the one thread that answers them; beyond, "too many requests". */
    private static final int MAX_QUEUED_ANSWERS = 8;

    private final KvRequests kv;
    private final Consensus consensus;
    private final Duration timeout;
    private final MemberChannels channels;
    /** The peers' connections, opened for one pass and closed after it; checks are seconds apart at the least. */
    private final EventLoopGroup eventLoop = new MultiThreadIoEventLoopGroup(1,
            new DefaultThreadFactory("kvorum-corrupt-check-io", true), NioIoHandler.newFactory());
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kvorum-corrupt-check");
        t.setDaemon(true);
        return t;
    });
    /** Hashes for the peers' questions: one at a time, a few waiting, the rest refused. */
    private final ThreadPoolExecutor answering = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(MAX_QUEUED_ANSWERS), r -> {
                Thread t = new Thread(r, "kvorum-corrupt-check-answer");
                t.setDaemon(true);
                return t;
            });

    /** A peer's answer, or why there is none. */
    record PeerHash(Member member, HashKVResponse response, StatusRuntimeException error) {
    }

    /**
     * @param timeout  how long to wait for each peer's answer (etcd: its request timeout)
     * @param channels how to reach the peers' client URLs (plaintext or TLS)
     */
    public CorruptionCheck(KvRequests kv, Consensus consensus, Duration timeout, MemberChannels channels) {
        this.kv = kv;
        this.consensus = consensus;
        this.timeout = timeout;
        this.channels = channels;
        consensus.answer(PeerHashKV.TOPIC, this::answerPeer);
    }

    /** A peer's question: this member's HashKV at the revision asked, or the error a client would get. */
    private CompletableFuture<byte[]> answerPeer(byte[] question) {
        long revision;
        try {
            revision = PeerHashKV.revision(question);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(PeerHashKV.failure(
                    Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException()));
        }
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    KeyValueHash h = kv.store().hashKV(revision);
                    ConsensusStatus s = consensus.status();
                    return PeerHashKV.answer(HashKVResponse.newBuilder()
                            .setHeader(ResponseHeader.newBuilder().setClusterId(s.clusterId()).setMemberId(s.memberId())
                                    .setRevision(kv.currentRevision()).setRaftTerm(s.term()))
                            .setHash(h.hash()).setCompactRevision(h.compactRevision()).build());
                } catch (FutureRevisionException e) {
                    return PeerHashKV.failure(EtcdError.FUTURE_REV.asException());
                } catch (CompactedException e) {
                    return PeerHashKV.failure(EtcdError.COMPACTED.asException());
                }
            }, answering);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(PeerHashKV.failure(EtcdError.TOO_MANY_REQUESTS.asException()));
        }
    }

    /**
     * etcd's initial check: this member's HashKV at its current revision against each peer's at
     * the same revision. A peer with the same compacted revision and another hash means this
     * member's data differs from the cluster's: the start is refused. Peers that cannot answer
     * (down, behind, compacted past that revision) are logged and passed over, as etcd does.
     *
     * @throws IllegalStateException on a mismatch: "{@code <id>} found data inconsistency with peers"
     */
    public void checkInitial() {
        String self = hex(consensus.status().memberId());
        LOG.info("starting initial corruption check (local member {}, timeout {} ms)", self, timeout.toMillis());
        KeyValueHash local = kv.store().hashKV(0);
        int mismatches = 0;
        for (PeerHash p : peerHashes(local.revision())) {
            if (p.response() != null) {
                HashKVResponse r = p.response();
                if (r.getHash() == local.hash()) {
                    continue;
                }
                if (r.getCompactRevision() == local.compactRevision()) {
                    LOG.warn("found different hash values from remote peer {} ({}): local revision {} compact revision {} hash {},"
                                    + " remote revision {} compact revision {} hash {}", hex(p.member().id()),
                            p.member().clientUrls(), local.revision(), local.compactRevision(), Integer.toUnsignedString(local.hash()),
                            r.getHeader().getRevision(), r.getCompactRevision(), Integer.toUnsignedString(r.getHash()));
                    mismatches++;
                } else {
                    LOG.warn("found different compact revision values from remote peer {}: local {}, remote {}",
                            hex(p.member().id()), local.compactRevision(), r.getCompactRevision());
                }
            } else if (EtcdError.FUTURE_REV.message().equals(p.error().getStatus().getDescription())) {
                LOG.warn("cannot fetch hash from slow remote peer {} at revision {}", hex(p.member().id()), local.revision());
            } else if (EtcdError.COMPACTED.message().equals(p.error().getStatus().getDescription())) {
                LOG.warn("cannot fetch hash from remote peer {}; local member is behind (revision {})",
                        hex(p.member().id()), local.revision());
            }
        }
        if (mismatches > 0) {
            throw new IllegalStateException(self + " found data inconsistency with peers");
        }
        LOG.info("initial corruption checking passed; no corruption (local member {})", self);
    }

    /** Starts etcd's periodic check on the leader, every {@code interval}; zero leaves it off. */
    public void start(Duration interval) {
        if (interval.isZero()) {
            return;
        }
        LOG.info("enabled corruption checking with {} ms interval", interval.toMillis());
        timer.scheduleWithFixedDelay(() -> {
            try {
                ConsensusStatus s = consensus.status();
                if (s.leaderId() != 0 && s.leaderId() == s.memberId()) {
                    checkHashKV();
                }
            } catch (RuntimeException e) {
                LOG.warn("failed to check hash KV", e);
            }
        }, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Starts etcd 3.5's compaction hash check ({@code --experimental-compact-hash-check-enabled}) on the
     * leader, every {@code interval}.
     */
    public void startCompactHashCheck(Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            return;
        }
        LOG.info("enabled compaction hash check with {} ms interval", interval.toMillis());
        timer.scheduleWithFixedDelay(() -> {
            try {
                ConsensusStatus s = consensus.status();
                if (s.leaderId() != 0 && s.leaderId() == s.memberId()) {
                    checkCompactHash();
                }
            } catch (RuntimeException e) {
                LOG.warn("failed to check compaction hash", e);
            }
        }, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The latest compaction revision every peer was checked at (only the check's thread touches it). */
    private long latestCompactionChecked;

    /**
     * One pass of etcd 3.5's CompactHashCheck: the leader's hash at its last compaction revision against
     * each peer's at that revision. A peer that compacted at the same revision must hash the same, or the
     * CORRUPT alarm is raised for that peer, as etcd raises it; peers that have not compacted there yet are
     * passed over until a later pass. etcd keeps the hashes of its last ten compactions and checks the
     * newest it can; the store here hashes its last compaction when asked, so the newest is the one checked.
     */
    void checkCompactHash() {
        long compacted = kv.store().hashKV(0).compactRevision();
        if (compacted <= 0 || compacted <= latestCompactionChecked) {
            return;
        }
        KeyValueHash local = kv.store().hashKV(compacted);
        List<PeerHash> peers = peerHashes(compacted);
        int checked = 0;
        for (PeerHash p : peers) {
            HashKVResponse r = p.response();
            if (r == null || r.getCompactRevision() != local.compactRevision()) {
                continue;
            }
            if (r.getHash() != local.hash()) {
                LOG.error("failed compaction hash check: revision {} compact revision {} leader hash {},"
                                + " member {} hash {}", compacted, local.compactRevision(),
                        Integer.toUnsignedString(local.hash()), hex(p.member().id()), Integer.toUnsignedString(r.getHash()));
                raiseCorrupt(p.member().id());
                return;
            }
            checked++;
            LOG.info("successfully checked hash on follower {} at revision {}", hex(p.member().id()), compacted);
        }
        if (checked == peers.size() && checked == peerCount()) {
            LOG.info("successfully checked hash on whole cluster at revision {}", compacted);
            latestCompactionChecked = compacted;
        } else {
            LOG.warn("skipped revision {} in compaction hash check; was not able to check all peers", compacted);
        }
    }

    private int peerCount() {
        long self = consensus.status().memberId();
        return (int) consensus.members().stream().filter(m -> m.id() != self && !m.clientUrls().isEmpty()).count();
    }

    private void raiseCorrupt(long memberId) {
        kv.alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(memberId)
                .setAlarm(AlarmType.CORRUPT).build()).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        LOG.warn("failed to raise the CORRUPT alarm", failure);
                    }
                });
    }

    /**
     * One pass of etcd's leader check: its own hash before and after a linearizable barrier (the
     * same revision must hash the same), and each peer's at that revision, which may not be ahead
     * of the leader's revision or compacted revision and, with the same compacted revision, must
     * hash the same. Any mismatch raises the CORRUPT alarm for the whole cluster (member 0), once.
     */
    void checkHashKV() {
        KeyValueHash first = kv.store().hashKV(0);
        List<PeerHash> peers = peerHashes(first.revision());
        kv.linearizableBarrier().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
        KeyValueHash second = kv.store().hashKV(0);
        boolean corrupt = false;
        if (second.hash() != first.hash() && second.revision() == first.revision()
                && second.compactRevision() == first.compactRevision()) {
            LOG.warn("found hash mismatch at revision {}: {} and then {}", first.revision(),
                    Integer.toUnsignedString(first.hash()), Integer.toUnsignedString(second.hash()));
            corrupt = true;
        }
        int checked = 0;
        for (PeerHash p : peers) {
            if (p.response() == null) {
                continue;
            }
            checked++;
            HashKVResponse r = p.response();
            String peer = hex(p.member().id());
            if (r.getHeader().getRevision() > second.revision()) {
                LOG.warn("revision {} from member {}, expected at most {}", r.getHeader().getRevision(), peer, second.revision());
                corrupt = true;
            }
            if (r.getCompactRevision() > second.compactRevision()) {
                LOG.warn("compact revision {} from member {}, expected at most {}", r.getCompactRevision(), peer,
                        second.compactRevision());
                corrupt = true;
            }
            if (r.getCompactRevision() == first.compactRevision() && r.getHash() != first.hash()) {
                LOG.warn("hash {} at revision {} from member {}, expected hash {}", Integer.toUnsignedString(r.getHash()),
                        first.revision(), peer, Integer.toUnsignedString(first.hash()));
                corrupt = true;
            }
        }
        LOG.info("finished peer corruption check ({} peers checked)", checked);
        if (corrupt) {
            kv.alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(0)
                    .setAlarm(AlarmType.CORRUPT).build()).whenComplete((ok, failure) -> {
                        if (failure != null) {
                            LOG.warn("failed to raise the CORRUPT alarm", failure);
                        }
                    });
        }
    }

    /**
     * Each peer's HashKV at {@code revision}: asked over the peer channel, or, when the consensus or
     * the peer cannot answer that way, from the first of its client URLs that answers.
     */
    private List<PeerHash> peerHashes(long revision) {
        long self = consensus.status().memberId();
        List<PeerHash> answers = new ArrayList<>();
        for (Member m : consensus.members()) {
            if (m.id() == self) {
                continue;
            }
            try {
                answers.add(new PeerHash(m, askPeer(m, revision), null));
                continue;
            } catch (StatusRuntimeException e) {
                LOG.warn("failed hash kv request to member {} through the peer channel: {}", hex(m.id()), e.getStatus());
                answers.add(new PeerHash(m, null, e));
                continue;
            } catch (UnsupportedOperationException e) {
                LOG.debug("member {} answers no HashKV through the peer channel: {}", hex(m.id()), e.getMessage());
            }
            if (m.clientUrls().isEmpty()) {
                continue;
            }
            StatusRuntimeException last = null;
            HashKVResponse response = null;
            for (String url : m.clientUrls()) {
                ManagedChannel channel = channel(URI.create(url));
                try {
                    response = MaintenanceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                            .hashKV(HashKVRequest.newBuilder().setRevision(revision).build());
                    break;
                } catch (StatusRuntimeException e) {
                    LOG.warn("failed hash kv request to member {} at {}: {}", hex(m.id()), url, e.getStatus());
                    last = e;
                } finally {
                    channel.shutdownNow();
                }
            }
            if (response != null || last != null) {
                answers.add(new PeerHash(m, response, response != null ? null : last));
            }
        }
        return answers;
    }

    /**
     * {@code m}'s HashKV at {@code revision}, asked over the peer channel.
     *
     * @throws StatusRuntimeException        what the peer answered instead, or why it could not be asked
     * @throws UnsupportedOperationException when the consensus or the peer cannot be asked that way
     */
    private HashKVResponse askPeer(Member m, long revision) {
        byte[] answer;
        try {
            answer = consensus.ask(m.id(), PeerHashKV.TOPIC, PeerHashKV.question(revision))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        } catch (TimeoutException e) {
            throw Status.DEADLINE_EXCEEDED.withDescription("no answer within " + timeout.toMillis() + " ms")
                    .asRuntimeException();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause()
                    : e.getCause();
            if (cause instanceof ConsensusException ce && ce.reason() == ConsensusException.Reason.UNSUPPORTED) {
                throw new UnsupportedOperationException(ce.getMessage(), ce);
            }
            throw Status.UNAVAILABLE.withDescription(String.valueOf(cause.getMessage())).asRuntimeException();
        }
        return PeerHashKV.response(answer);
    }

    private ManagedChannel channel(URI url) {
        return channels.to(url)
                .eventLoopGroup(eventLoop)
                .channelType(NioSocketChannel.class)
                .build();
    }

    private static String hex(long id) {
        return Long.toHexString(id);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        answering.shutdownNow();
        eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
