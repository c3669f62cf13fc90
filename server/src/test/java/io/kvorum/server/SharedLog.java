package io.kvorum.server;

import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusException.Reason;
import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.spi.consensus.ConsensusStatus;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.consensus.StateMachine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A consensus test double for several members in one JVM: one shared, ordered log that every
 * member's state machine receives in order, on a delivery thread of its own. There is no Raft:
 * the test says who leads ({@link #elect}, {@link #loseLeader}), may hold delivery to one member
 * so that it lags ({@link #hold}), and may make proposals or reads fail with a reason
 * ({@link #failWith}) or never commit ({@link #stallCommits}).
 *
 * <p>One monitor (this object) guards the log, the membership and leadership; delivery threads
 * copy what they deliver and call the state machine outside it.
 */
final class SharedLog {
    private final List<Entry> log = new ArrayList<>();
    /** The membership, in the order members were named or added. */
    private final Map<Long, Member> members = new LinkedHashMap<>();
    private final Map<Long, Node> nodes = new LinkedHashMap<>();
    private long term = 1;
    private long leaderId;
    private long clusterId;
    private Reason failure;
    private boolean stalled;
    private boolean readsStalled;
    private long nextAddedId = 0x1000;
    /** Whether members can ask each other questions ({@link Consensus#ask}); off, as a consensus without a peer channel. */
    private boolean peerQuestions;

    /** The provider every member of this log is built with. */
    ConsensusProvider provider() {
        return new ConsensusProvider() {
            @Override
            public String name() {
                return "shared-log";
            }

            @Override
            public Consensus create(ConsensusContext context) {
                synchronized (SharedLog.this) {
                    if (members.isEmpty()) {
                        clusterId = context.cluster().clusterId();
                        context.cluster().initialMembers().forEach(m -> members.put(m.id(), m));
                    }
                    Member self = context.cluster().self();
                    Member known = members.get(self.id());
                    // Starting publishes this member's name and client URLs, as etcd's members do.
                    members.put(self.id(), new Member(self.id(), self.name(), self.peerUrls(), self.clientUrls(),
                            known != null && known.learner()));
                    Node node = new Node(self.id(), context.stateMachine());
                    nodes.put(self.id(), node);
                    return node;
                }
            }
        };
    }

    /** Lets members ask each other questions ({@link Consensus#ask}) directly, as over a peer channel. */
    synchronized void peerQuestions(boolean on) {
        peerQuestions = on;
    }

    /** Makes {@code memberId} the leader of a new term. */
    synchronized void elect(long memberId) {
        term++;
        leaderId = memberId;
    }

    /** Leaves the cluster without a leader; the term stays. */
    synchronized void loseLeader() {
        leaderId = 0;
    }

    synchronized long leader() {
        return leaderId;
    }

    synchronized long term() {
        return term;
    }

    synchronized long lastIndex() {
        return log.size();
    }

    /** Makes every proposal, read index and membership call fail with {@code reason}; null stops it. */
    synchronized void failWith(Reason reason) {
        failure = reason;
    }

    /** Proposals are accepted but never committed (a leader that lost its quorum). */
    synchronized void stallCommits(boolean stall) {
        stalled = stall;
    }

    /** Read indexes are never answered (a leader that cannot confirm its leadership). */
    synchronized void stallReads(boolean stall) {
        readsStalled = stall;
    }

    /** Stops delivering entries to {@code memberId} until {@link #release}. */
    void hold(long memberId) {
        node(memberId).setHeld(true);
    }

    void release(long memberId) {
        node(memberId).setHeld(false);
    }

    /** Marks a member as a learner (or not), as a learner added before it started would be. */
    synchronized void setLearner(long memberId, boolean learner) {
        Member m = members.get(memberId);
        members.put(memberId, new Member(m.id(), m.name(), m.peerUrls(), m.clientUrls(), learner));
    }

    private synchronized Node node(long memberId) {
        Node n = nodes.get(memberId);
        if (n == null) {
            throw new IllegalArgumentException("no member " + Long.toHexString(memberId));
        }
        return n;
    }

    private static ConsensusException failed(Reason reason) {
        return new ConsensusException(reason, "shared log: " + reason);
    }

    /** Appends an entry (a proposal, or an empty one for a membership change), waking every member. */
    private void append(byte[] data) {
        log.add(new Entry(log.size() + 1, term, data));
        notifyAll();
    }

    /** Checks the common preconditions of a call that needs the leader. */
    private Optional<Reason> refusal() {
        if (failure != null) {
            return Optional.of(failure);
        }
        if (leaderId == 0) {
            return Optional.of(Reason.NO_LEADER);
        }
        return Optional.empty();
    }

    private <T> CompletableFuture<T> membership(java.util.function.Supplier<T> change) {
        synchronized (this) {
            Optional<Reason> no = refusal();
            if (no.isPresent()) {
                return CompletableFuture.failedFuture(failed(no.get()));
            }
            try {
                T result = change.get();
                append(new byte[0]);
                return CompletableFuture.completedFuture(result);
            } catch (ConsensusException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    private Member existing(long memberId) {
        Member m = members.get(memberId);
        if (m == null) {
            throw failed(Reason.MEMBER_NOT_FOUND);
        }
        return m;
    }

    /** One member's view of the shared log. */
    final class Node implements Consensus {
        private final long id;
        private final StateMachine stateMachine;
        /** Guarded by the log's monitor. */
        private boolean held;
        private boolean closed;
        private long delivered;
        private Thread delivery;
        private final Map<String, Function<byte[], CompletableFuture<byte[]>>> answerers = new ConcurrentHashMap<>();

        Node(long id, StateMachine stateMachine) {
            this.id = id;
            this.stateMachine = stateMachine;
        }

        void setHeld(boolean hold) {
            synchronized (SharedLog.this) {
                held = hold;
                SharedLog.this.notifyAll();
            }
        }

        @Override
        public void start() {
            synchronized (SharedLog.this) {
                delivered = stateMachine.appliedIndex();
            }
            delivery = new Thread(this::deliver, "shared-log-delivery-" + Long.toHexString(id));
            delivery.setDaemon(true);
            delivery.start();
        }

        private void deliver() {
            while (true) {
                List<Entry> batch;
                synchronized (SharedLog.this) {
                    while (!closed && (held || delivered >= log.size())) {
                        try {
                            SharedLog.this.wait();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    if (closed) {
                        return;
                    }
                    batch = List.copyOf(log.subList((int) delivered, log.size()));
                    delivered = log.size();
                }
                stateMachine.apply(batch, false);
            }
        }

        @Override
        public CompletableFuture<Void> propose(byte[] data) {
            synchronized (SharedLog.this) {
                if (closed) {
                    return CompletableFuture.failedFuture(failed(Reason.STOPPED));
                }
                Optional<Reason> no = refusal();
                if (no.isPresent()) {
                    return CompletableFuture.failedFuture(failed(no.get()));
                }
                if (!stalled) {
                    append(data);
                }
                return CompletableFuture.completedFuture(null);
            }
        }

        @Override
        public CompletableFuture<Long> readIndex() {
            synchronized (SharedLog.this) {
                Optional<Reason> no = refusal();
                if (no.isPresent()) {
                    return CompletableFuture.failedFuture(failed(no.get()));
                }
                return readsStalled ? new CompletableFuture<>() : CompletableFuture.completedFuture((long) log.size());
            }
        }

        @Override
        public ConsensusStatus status() {
            synchronized (SharedLog.this) {
                Member self = members.get(id);
                return new ConsensusStatus(id, clusterId, leaderId, term, log.size(), stateMachine.appliedIndex(),
                        self != null && self.learner());
            }
        }

        @Override
        public List<Member> members() {
            synchronized (SharedLog.this) {
                return List.copyOf(members.values());
            }
        }

        @Override
        public CompletableFuture<Member> addMember(List<String> peerUrls, boolean learner) {
            return membership(() -> {
                for (Member m : members.values()) {
                    if (m.peerUrls().stream().anyMatch(peerUrls::contains)) {
                        throw failed(Reason.PEER_URL_EXISTS);
                    }
                }
                if (learner && members.values().stream().anyMatch(Member::learner)) {
                    throw failed(Reason.TOO_MANY_LEARNERS);
                }
                Member added = new Member(nextAddedId++, "", peerUrls, List.of(), learner);
                members.put(added.id(), added);
                return added;
            });
        }

        @Override
        public CompletableFuture<Void> removeMember(long memberId) {
            return membership(() -> {
                existing(memberId);
                members.remove(memberId);
                if (leaderId == memberId) {
                    leaderId = 0;
                }
                return null;
            });
        }

        @Override
        public CompletableFuture<Void> updateMember(long memberId, List<String> peerUrls) {
            return membership(() -> {
                Member m = existing(memberId);
                members.put(memberId, new Member(m.id(), m.name(), peerUrls, m.clientUrls(), m.learner()));
                return null;
            });
        }

        @Override
        public CompletableFuture<Void> promoteMember(long memberId) {
            return membership(() -> {
                Member m = existing(memberId);
                if (!m.learner()) {
                    throw failed(Reason.MEMBER_NOT_LEARNER);
                }
                Node learner = nodes.get(memberId);
                if (learner == null || learner.held || learner.delivered < log.size()) {
                    throw failed(Reason.LEARNER_NOT_READY);
                }
                members.put(memberId, new Member(m.id(), m.name(), m.peerUrls(), m.clientUrls(), false));
                return null;
            });
        }

        @Override
        public CompletableFuture<Void> transferLeadership(long targetMemberId) {
            synchronized (SharedLog.this) {
                Optional<Reason> no = refusal();
                if (no.isPresent()) {
                    return CompletableFuture.failedFuture(failed(no.get()));
                }
                Member target = members.get(targetMemberId);
                if (target == null || target.learner()) {
                    return CompletableFuture.failedFuture(failed(Reason.BAD_LEADER_TRANSFEREE));
                }
                if (targetMemberId != leaderId) {
                    elect(targetMemberId);
                }
                return CompletableFuture.completedFuture(null);
            }
        }

        @Override
        public CompletableFuture<byte[]> ask(long memberId, String topic, byte[] question) {
            Node to;
            synchronized (SharedLog.this) {
                if (!peerQuestions) {
                    return Consensus.super.ask(memberId, topic, question);
                }
                to = nodes.get(memberId);
            }
            if (to == null) {
                return CompletableFuture.failedFuture(new java.io.IOException("member " + memberId + " is not running"));
            }
            Function<byte[], CompletableFuture<byte[]>> answerer = to.answerers.get(topic);
            if (answerer == null) {
                return CompletableFuture.failedFuture(new ConsensusException(Reason.UNSUPPORTED, "no answerer for " + topic));
            }
            return answerer.apply(question.clone());
        }

        @Override
        public void answer(String topic, Function<byte[], CompletableFuture<byte[]>> answerer) {
            answerers.put(topic, answerer);
        }

        @Override
        public boolean logIsDurable() {
            return true;
        }

        @Override
        public void close() {
            synchronized (SharedLog.this) {
                closed = true;
                nodes.remove(id, this);
                SharedLog.this.notifyAll();
            }
            if (delivery != null) {
                try {
                    delivery.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
