package io.kvorum.tck.consensus;

import io.kvorum.spi.consensus.ClusterSpec;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.spi.consensus.ConsensusStatus;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.consensus.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A multi-member consensus for the TCK's self-test, without a network: the members of one cluster
 * (one TCK test) share one in-memory log, which outlives their restarts. The running member with
 * the lowest id leads; a change of leader opens a new term with an empty entry. Every
 * {@code snapshotCount} entries the leader snapshots its state machine and the log before it is
 * dropped, once every running member applied it, so a member that was stopped meanwhile comes
 * back through {@link StateMachine#restoreSnapshot}. Correct, to prove the cluster tests pass a
 * sound provider.
 */
final class SharedLogConsensus implements Consensus {
    private static final Map<String, SharedLog> LOGS = new ConcurrentHashMap<>();
    private static final int MAX_BATCH = 512;

    static ConsensusProvider provider() {
        return new ConsensusProvider() {
            @Override
            public String name() {
                return "tck-shared-log";
            }

            @Override
            public Consensus create(ConsensusContext context) {
                if (!context.options().asMap().isEmpty()) {
                    throw new IllegalArgumentException("unknown options " + context.options().asMap().keySet());
                }
                // the TCK gives each test its own folder, with one folder per member in it
                SharedLog log = LOGS.computeIfAbsent(context.directory().getParent().toString(), k -> new SharedLog());
                return new SharedLogConsensus(context, log);
            }
        };
    }

    /** One cluster's log and leadership; its monitor guards everything. */
    private static final class SharedLog {
        private final List<Entry> entries = new ArrayList<>();
        /** Entries up to here are dropped: only the snapshot holds them. */
        private long compacted;
        private byte[] snapshot;
        /** The state machine's applied index in {@link #snapshot}, at or after {@link #compacted}. */
        private long snapshotIndex;
        private final TreeSet<Long> running = new TreeSet<>();
        private final Map<Long, Long> applied = new ConcurrentHashMap<>();
        private long term;
        private long leader;

        long lastIndex() {
            return compacted + entries.size();
        }

        void append(byte[] data) {
            entries.add(new Entry(lastIndex() + 1, term, data));
            notifyAll();
        }

        /** The lowest running id leads; a new leader opens a new term. */
        void elect() {
            long next = running.isEmpty() ? 0 : running.first();
            if (next != leader) {
                leader = next;
                if (next != 0) {
                    term++;
                    append(new byte[0]);
                }
            }
            notifyAll();
        }
    }

    private final ClusterSpec cluster;
    private final StateMachine stateMachine;
    private final SharedLog log;
    private final long snapshotCount;
    private volatile boolean closed;
    private Thread applyThread;

    private SharedLogConsensus(ConsensusContext context, SharedLog log) {
        this.cluster = context.cluster();
        this.stateMachine = context.stateMachine();
        this.log = log;
        this.snapshotCount = context.settings().snapshotCount();
    }

    private long self() {
        return cluster.self().id();
    }

    @Override
    public void start() {
        synchronized (log) {
            log.running.add(self());
            log.applied.put(self(), stateMachine.appliedIndex());
            log.elect();
        }
        applyThread = new Thread(this::applyLoop, "tck-shared-log-" + cluster.self().name());
        applyThread.setDaemon(true);
        applyThread.start();
    }

    private void applyLoop() {
        try {
            while (true) {
                List<Entry> batch;
                byte[] restore = null;
                synchronized (log) {
                    while (!closed && log.lastIndex() <= stateMachine.appliedIndex()) {
                        log.wait();
                    }
                    if (closed) {
                        return;
                    }
                    long from = stateMachine.appliedIndex() + 1;
                    if (from <= log.compacted) {
                        restore = log.snapshot;
                        from = log.snapshotIndex + 1;
                    }
                    int start = (int) (from - log.compacted - 1);
                    batch = List.copyOf(log.entries.subList(start, Math.min(log.entries.size(), start + MAX_BATCH)));
                }
                if (restore != null) {
                    stateMachine.restoreSnapshot(new ByteArrayInputStream(restore));
                }
                if (!batch.isEmpty()) {
                    stateMachine.apply(batch, false);
                }
                afterApply();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records progress; the leader snapshots at each multiple of the snapshot count and drops what all applied. */
    private void afterApply() throws IOException {
        long applied = stateMachine.appliedIndex();
        boolean snapshot;
        synchronized (log) {
            log.applied.put(self(), applied);
            snapshot = log.leader == self() && applied / snapshotCount > log.compacted / snapshotCount;
        }
        if (!snapshot) {
            return;
        }
        ByteArrayOutputStream image = new ByteArrayOutputStream();
        stateMachine.writeSnapshot(image);
        synchronized (log) {
            // drop only what every running member applied; the snapshot covers the rest
            long upTo = applied;
            for (long member : log.running) {
                upTo = Math.min(upTo, log.applied.getOrDefault(member, 0L));
            }
            if (upTo > log.compacted) {
                log.entries.subList(0, (int) (upTo - log.compacted)).clear();
                log.compacted = upTo;
                log.snapshot = image.toByteArray();
                log.snapshotIndex = applied;
            }
        }
    }

    @Override
    public CompletableFuture<Void> propose(byte[] data) {
        synchronized (log) {
            if (closed) {
                return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.STOPPED, "stopped"));
            }
            if (log.leader == 0) {
                return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.NO_LEADER, "no leader"));
            }
            log.append(data.clone());
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Long> readIndex() {
        synchronized (log) {
            return CompletableFuture.completedFuture(log.lastIndex());
        }
    }

    @Override
    public ConsensusStatus status() {
        synchronized (log) {
            return new ConsensusStatus(self(), cluster.clusterId(), log.leader, log.term, log.lastIndex(),
                    stateMachine.appliedIndex(), false);
        }
    }

    @Override
    public List<Member> members() {
        return cluster.initialMembers();
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

    private static <T> CompletableFuture<T> unsupported() {
        return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.UNSUPPORTED,
                "the shared log has a fixed membership"));
    }

    @Override
    public CompletableFuture<Void> transferLeadership(long targetMemberId) {
        synchronized (log) {
            if (targetMemberId == log.leader) {
                return CompletableFuture.completedFuture(null);
            }
        }
        return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.BAD_LEADER_TRANSFEREE,
                "the lowest running id leads"));
    }

    @Override
    public boolean logIsDurable() {
        return true;
    }

    @Override
    public void close() {
        synchronized (log) {
            if (closed) {
                return;
            }
            closed = true;
            log.notifyAll();
        }
        if (applyThread != null) {
            try {
                applyThread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (log) {
                log.running.remove(self());
                log.elect();
            }
        }
    }
}
