package io.kvorum.server.standalone;

import io.kvorum.spi.consensus.ClusterSpec;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusStatus;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.consensus.PeerTraffic;
import io.kvorum.spi.consensus.StateMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member that is always its own leader. Proposals queue up; the apply thread takes everything
 * queued (up to a batch limit), numbers it, and hands it to the state machine as one batch, which
 * commits it durably with one fsync: group commit.
 *
 * <p>The term starts one above the last applied term at each start, as a single etcd member
 * elects itself anew on every start.
 */
final class StandaloneConsensus implements Consensus {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneConsensus.class);
    static final String MAX_BATCH_OPTION = "max-batch";
    static final int DEFAULT_MAX_BATCH = 4096;
    /** Like etcd's limit on applied lagging committed: beyond this many queued entries, refuse. */
    private static final int MAX_PENDING = 5000 * 4;
    /** And beyond this many queued bytes (large requests fill memory before they fill the count). */
    private static final long MAX_PENDING_BYTES = 256L << 20;

    private final ClusterSpec cluster;
    private final StateMachine stateMachine;
    private final int maxBatch;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    /** Guarded by lock; handed over to the apply thread whole. */
    private ArrayList<byte[]> queue = new ArrayList<>();
    private boolean closed;

    private final AtomicLong queuedBytes = new AtomicLong();
    private volatile long term;
    /** Highest index handed to the state machine (committed). Written by the apply thread only. */
    private volatile long commitIndex;
    private Thread applyThread;

    StandaloneConsensus(ConsensusContext context) {
        this.cluster = context.cluster();
        this.stateMachine = context.stateMachine();
        for (String option : context.options().asMap().keySet()) {
            if (!option.equals(MAX_BATCH_OPTION)) {
                throw new IllegalArgumentException("unknown option " + option + " (known: " + MAX_BATCH_OPTION + ")");
            }
        }
        long batch = context.options().getLong(MAX_BATCH_OPTION, DEFAULT_MAX_BATCH);
        if (batch < 1 || batch > 1_000_000) {
            throw new IllegalArgumentException("option " + MAX_BATCH_OPTION + " must be between 1 and 1000000, got " + batch);
        }
        this.maxBatch = (int) batch;
        if (cluster.existing()) {
            throw new IllegalArgumentException("a single member cannot join an existing cluster"
                    + " (--initial-cluster-state existing)");
        }
        if (cluster.initialMembers().size() != 1) {
            throw new IllegalArgumentException("the cluster must be this one member, but --initial-cluster names "
                    + cluster.initialMembers().size());
        }
    }

    @Override
    public void start() {
        term = Math.max(1, stateMachine.appliedTerm()) + 1;
        commitIndex = stateMachine.appliedIndex();
        // As a Raft leader does on taking office, open the term with an empty entry; it also makes
        // the new term durable, so terms never repeat across restarts.
        queue.add(new byte[0]);
        applyThread = new Thread(this::applyLoop, "kvorum-apply");
        applyThread.setDaemon(true);
        applyThread.start();
    }

    @Override
    public CompletableFuture<Void> propose(byte[] data) {
        lock.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.STOPPED,
                        "consensus stopped"));
            }
            if (queue.size() >= MAX_PENDING || queuedBytes.get() + data.length > MAX_PENDING_BYTES) {
                return CompletableFuture.failedFuture(new ConsensusException(
                        ConsensusException.Reason.TOO_MANY_REQUESTS, "too many pending proposals"));
            }
            queue.add(data);
            queuedBytes.addAndGet(data.length);
            if (queue.size() == 1) {
                notEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
        return CompletableFuture.completedFuture(null);
    }

    private void applyLoop() {
        ArrayList<byte[]> spare = new ArrayList<>();
        while (true) {
            ArrayList<byte[]> batch;
            lock.lock();
            try {
                while (queue.isEmpty() && !closed) {
                    notEmpty.awaitUninterruptibly();
                }
                if (queue.isEmpty()) {
                    return;
                }
                batch = queue;
                queue = spare;
            } finally {
                lock.unlock();
            }
            for (int from = 0; from < batch.size(); from += maxBatch) {
                int to = Math.min(batch.size(), from + maxBatch);
                List<Entry> entries = new ArrayList<>(to - from);
                long index = commitIndex;
                for (int i = from; i < to; i++) {
                    entries.add(new Entry(++index, term, batch.get(i)));
                    queuedBytes.addAndGet(-batch.get(i).length);
                }
                // Committed once ordered: there is no one to agree with. Set before applying, so
                // the applied index never runs ahead of it.
                commitIndex = index;
                try {
                    stateMachine.apply(entries, true);
                } catch (RuntimeException | Error e) {
                    // The state machine could not make the batch durable: stop taking proposals
                    // rather than acknowledge anything more.
                    LOG.error("apply failed at index {}; the member stops accepting writes", index, e);
                    lock.lock();
                    try {
                        closed = true;
                        queue.clear();
                    } finally {
                        lock.unlock();
                    }
                    return;
                }
            }
            batch.clear();
            spare = batch;
        }
    }

    @Override
    public CompletableFuture<Long> readIndex() {
        // Every acknowledged write was applied before it was acknowledged, so the committed
        // index covers them all; waiting for it also orders the read after queued writes.
        return CompletableFuture.completedFuture(commitIndex);
    }

    /** The one member leads from its start and sends no appends: it is reported as the leader at once. */
    @Override
    public void observePeerTraffic(PeerTraffic traffic) {
        traffic.becameLeader();
    }

    @Override
    public ConsensusStatus status() {
        long self = cluster.self().id();
        return new ConsensusStatus(self, cluster.clusterId(), self, term, commitIndex, stateMachine.appliedIndex(), false);
    }

    @Override
    public List<Member> members() {
        return List.of(cluster.self());
    }

    @Override
    public CompletableFuture<Member> addMember(List<String> peerUrls, boolean learner) {
        return unsupported();
    }

    @Override
    public CompletableFuture<Void> removeMember(long memberId) {
        return unsupported();
    }

    @Override
    public CompletableFuture<Void> updateMember(long memberId, List<String> peerUrls) {
        return unsupported();
    }

    @Override
    public CompletableFuture<Void> promoteMember(long memberId) {
        return unsupported();
    }

    @Override
    public CompletableFuture<Void> transferLeadership(long targetMemberId) {
        if (targetMemberId == cluster.self().id()) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.BAD_LEADER_TRANSFEREE,
                "no such voting member"));
    }

    private static <T> CompletableFuture<T> unsupported() {
        return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.UNSUPPORTED,
                "membership cannot change under the standalone consensus"));
    }

    @Override
    public boolean logIsDurable() {
        return false;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        if (applyThread != null) {
            try {
                applyThread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
