package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.HardState;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.MemoryStorage;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.MessageType;
import io.kvorum.consensus.raft.core.RaftConfig;
import io.kvorum.consensus.raft.core.RawNode;
import io.kvorum.consensus.raft.core.Ready;
import io.kvorum.consensus.raft.core.Snapshot;
import io.kvorum.consensus.raft.core.StateRole;
import io.kvorum.consensus.raft.core.Status;
import io.kvorum.consensus.raft.transport.Transport;
import io.kvorum.consensus.raft.wal.SegmentFiles;
import io.kvorum.consensus.raft.wal.Wal;
import io.kvorum.consensus.raft.wal.WalCorruptedException;
import io.kvorum.spi.consensus.ClusterSpec;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusSettings;
import io.kvorum.spi.consensus.ConsensusStatus;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.consensus.PeerTraffic;
import io.kvorum.spi.consensus.StateMachine;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * One member of a Raft cluster behind the consensus SPI: the driver and its Ready loop, as etcd's
 * {@code etcdserver/raft.go}. The other jobs of a member have files of their own, each owned by
 * the driver: {@link RaftOptions} (configuration), {@link Bootstrap} (recover, found or join),
 * {@link DriverQueue} (the hand-over to the driver and admission control), {@link Applier}
 * (committed entries), {@link ApplyStage} (the state machine's thread), {@link MembershipCalls} (membership requests, forwarding, removal),
 * {@link SnapshotShipping} (taking, sending and installing snapshots), {@link StandaloneRestart}
 * ({@code --force-new-cluster}), {@link PendingRequests}
 * (parked proposals, reads, waiters and transfers with their deadlines), {@link LeadershipHandOff}
 * (a stopping leader hands over leadership), {@link PeerQuestions} (the server's questions to
 * peers) and {@link PeerInbound} (what peers send).
 *
 * <p><b>Threads.</b> One driver thread owns the {@link RawNode}, the WAL, the in-memory log, the
 * member registry and every pending request, and it calls the state machine's {@code apply} and
 * {@code restoreSnapshot}; the fields below marked so are its own, and the parts above reach them
 * through this object. Everything else (API calls, transport threads) hands it tasks through the
 * {@link DriverQueue}. The exceptions are a follower's snapshot write (see
 * {@link SnapshotShipping}) and the state machine's {@code apply}, which runs on the
 * {@link ApplyStage}'s thread. The driver ticks the core every heartbeat interval and runs the
 * Ready loop: send a leader's appends, persist (one WAL write, one fdatasync), send the rest,
 * apply the consensus' own committed entries and hand the application's to the apply stage
 * ({@code durable=false}: the WAL replays them after a crash), answer reads, advance, and every
 * {@code --snapshot-count} entries take a snapshot and release old log. The next Ready's sends
 * and WAL write overlap the apply stage's work on the previous one; the driver drains the stage
 * before it touches the state machine itself (a snapshot taken, sent or restored).
 *
 * <p><b>Entries.</b> NORMAL entries start with a kind byte ({@link Wire}): the application's
 * proposals, and the consensus' own (a member publishing its name and client URLs, a peer URL
 * update). Configuration changes carry a {@link ChangeContext}. The state machine receives every
 * entry, its own ones with empty data, so its applied index has no gaps.
 *
 * <p><b>Restart.</b> The WAL gives the hard state, the entries after the last snapshot marker and
 * the marker; the snapshot file of that marker gives the registry. The core re-delivers every
 * committed entry after the snapshot; the driver replays their configuration and registry
 * effects and hands the state machine only those after its own applied index, which is the truth
 * about what it stored.
 */
final class RaftNode implements Consensus {
    private static final System.Logger LOG = System.getLogger(RaftNode.class.getName());

    private static final long MAX_SIZE_PER_MSG = 1 << 20;
    private static final int MAX_INFLIGHT_MSGS = 512;
    /** etcd's maxGapBetweenApplyAndCommitIndex: above it, proposals are refused until applying catches up. */
    static final long MAX_APPLY_LAG = 5000;

    final ClusterSpec cluster;
    final StateMachine stateMachine;
    final ConsensusSettings settings;
    final RaftOptions options;
    private final Path directory;
    private final SegmentFiles walFiles;
    private final TransportFactory transports;
    private final Wal.Metrics walMetrics;
    private final SnapshotStore.Metrics snapshotMetrics;
    final Driving driving;
    private volatile Thread driver;

    final DriverQueue queue = new DriverQueue(() -> {
        Thread d = driver;
        if (d != null) {
            LockSupport.unpark(d); // the driver parks until the next tick or work
        }
    });
    final PendingRequests pending = new PendingRequests(this);
    final MembershipCalls membership;
    final SnapshotShipping shipping = new SnapshotShipping(this);
    final Applier applier = new Applier(this);
    /** Where the state machine applies: its own thread once the driver runs (see {@link ApplyStage}). */
    final ApplyStage applyStage;
    final LeadershipHandOff handOff = new LeadershipHandOff(this);
    final PeerQuestions questions = new PeerQuestions(this);

    // Set during start, then owned by the driver thread.
    Transport transport;
    Wal wal;
    SnapshotStore snapshots;
    MemoryStorage storage;
    RawNode raw;
    MemberRegistry registry = new MemberRegistry();
    private InitialTickAdvance tickAdvance;
    /** The last entry the driver handled (applied, or replayed for an already-applied state machine). */
    long applied;
    long snapshotIndex;
    long ticks;
    private long nextTickNanos;
    boolean removed;
    final CompletableFuture<Void> removal = new CompletableFuture<>();
    /** Completed once the registry shows this member's own name and client URLs (see {@link MembershipCalls#maybePublish}). */
    final CompletableFuture<Void> published = new CompletableFuture<>();

    // Published by the driver for other threads.
    volatile long memberId;
    volatile long clusterId;
    volatile long leaderId;
    /** The role and term last logged (driver thread only). */
    private StateRole loggedRole;
    private long loggedTerm = -1;
    private volatile long term;
    private volatile long commitIndex;
    private volatile boolean learner;
    volatile List<Member> members = List.of();
    /** Where peer traffic and leadership are reported (etcd's v2 statistics); replaced by {@link #observePeerTraffic}. */
    private volatile PeerTraffic traffic = PeerTraffic.NONE;
    /** Hands the transport's reports to whichever observer is current. */
    private final PeerTraffic trafficRelay = new PeerTraffic() {
        @Override
        public void appendSent(long to, int bytes) {
            traffic.appendSent(to, bytes);
        }

        @Override
        public void appendDelivered(long to, long nanos) {
            traffic.appendDelivered(to, nanos);
        }

        @Override
        public void appendDropped(long to) {
            traffic.appendDropped(to);
        }

        @Override
        public void appendReceived(long from, int bytes) {
            traffic.appendReceived(from, bytes);
        }
    };

    RaftNode(ConsensusContext context, TransportFactory transports) {
        this(context, transports, SegmentFiles.onDisk());
    }

    /** A member whose WAL files are opened through {@code walFiles} (tests: a simulated power cut). */
    RaftNode(ConsensusContext context, TransportFactory transports, SegmentFiles walFiles) {
        this(context, transports, walFiles, Driving.production());
    }

    /**
     * A member whose driver runs as {@code driving} says: with {@link Driving#ownThread()} false
     * (a simulation), nothing runs until the caller {@link #step}s it.
     */
    RaftNode(ConsensusContext context, TransportFactory transports, SegmentFiles walFiles, Driving driving) {
        this.driving = driving;
        this.membership = new MembershipCalls(this);
        this.walFiles = walFiles;
        this.cluster = context.cluster();
        this.stateMachine = context.stateMachine();
        this.applyStage = new ApplyStage(stateMachine, () -> {
            Thread d = driver;
            if (d != null) {
                LockSupport.unpark(d);
            }
        });
        this.settings = context.settings();
        this.directory = context.directory();
        this.walMetrics = Wal.Metrics.of(context.metrics());
        this.snapshotMetrics = SnapshotStore.Metrics.of(context.metrics());
        this.transports = transports;
        this.options = RaftOptions.parse(context);
        this.memberId = cluster.self().id();
        this.clusterId = cluster.clusterId();
    }

    /** The election ticks this member fast-forwarded after its start (see {@link InitialTickAdvance}). */
    int ticksAdvanced() {
        return tickAdvance == null ? 0 : tickAdvance.advanced();
    }

    // ---- start and stop

    @Override
    public void start() throws IOException {
        if (queue.isStarted()) {
            throw new IllegalStateException("already started");
        }
        queue.started();
        try {
            open();
        } catch (IOException | RuntimeException e) {
            queue.stop();
            if (transport != null) {
                transport.close();
                transport = null;
            }
            if (wal != null) {
                Wal opened = wal;
                wal = null;
                opened.close();
            }
            throw e;
        }
        nextTickNanos = driving.nanoTime() + options.tickNanos();
        if (driving.ownThread()) {
            applyStage.start("kvorum-apply-" + hex(memberId));
            driver = new Thread(this::drive, "kvorum-raft-" + hex(memberId));
            driver.setDaemon(true);
            driver.start();
        }
    }

    /** Recovers or bootstraps, joins when asked to, and delivers what was committed before a crash. */
    private void open() throws IOException {
        Files.createDirectories(directory);
        snapshots = new SnapshotStore(directory.resolve("snap"), snapshotMetrics);
        try {
            wal = Wal.open(options.walDir().orElse(directory.resolve("wal")), options.segmentBytes(), options.walRepair(),
                    walFiles, snapshots.newestIndex());
        } catch (WalCorruptedException e) {
            if (!e.atRecord()) {
                throw e;
            }
            throw new WalCorruptedException("the Raft log is corrupt: " + e.getMessage() + "; to cut the log there, "
                    + "dropping what follows, start once with --consensus-opt " + RaftOptions.WAL_REPAIR_OPTION
                    + "=true");
        }
        wal.recordInto(walMetrics);
        Wal.Recovered recovered = wal.recovered();
        boolean hasLog = !recovered.hardState().isEmpty() || !recovered.entries().isEmpty()
                || !recovered.snapshot().isEmpty();
        transport = transports.create(settings);
        transport.observe(trafficRelay);
        transport.start(new PeerInbound(this));

        Bootstrap bootstrap = new Bootstrap(cluster, settings, transport, driving);
        Bootstrap.Start start = bootstrap.identify(directory, hasLog);
        memberId = start.identity().memberId();
        clusterId = start.identity().clusterId();
        transport.identify(memberId, clusterId);

        Snapshot snapshot = Snapshot.EMPTY;
        if (!recovered.snapshot().isEmpty()) {
            snapshot = snapshots.load(recovered.snapshot().index());
            if (snapshot.term() != recovered.snapshot().term()) {
                throw new IOException("the snapshot file at " + snapshot.index() + " has term " + snapshot.term()
                        + " but the log's marker has " + recovered.snapshot().term());
            }
        }
        long smApplied = stateMachine.appliedIndex();
        if (smApplied < snapshot.index()) {
            throw new IOException("the state machine has applied up to " + smApplied
                    + " but the Raft log starts after its snapshot at " + snapshot.index()
                    + ": the state machine's data was lost or replaced");
        }
        if (!hasLog && smApplied > 0) {
            throw new IOException("the state machine has applied up to " + smApplied + " but " + directory
                    + " holds no Raft log: its data belongs to another consensus or the log was removed");
        }
        List<LogEntry> entries = recovered.entries();
        HardState hardState = recovered.hardState();
        if (hasLog && settings.forceNewCluster()) {
            StandaloneRestart forced = StandaloneRestart.of(memberId, snapshot, hardState, entries);
            int dropped = StandaloneRestart.uncommitted(entries, hardState);
            if (dropped > 0) {
                LOG.log(Level.WARNING, "discarding {0} uncommitted WAL entries", dropped);
            }
            wal.append(forced.appended(), forced.hardState(), true);
            entries = forced.entries();
            hardState = forced.hardState();
            LOG.log(Level.WARNING, "forcing restart of member {0} in cluster {1} at commit index {2}, removing {3}",
                    hex(memberId), hex(clusterId), hardState.commit(), forced.removed().stream().map(RaftNode::hex)
                            .toList());
        }
        storage = new MemoryStorage(snapshot);
        storage.append(entries);
        storage.setHardState(hardState);
        registry = MemberRegistry.decode(snapshot.data());
        if (hasLog && registry.wasRemoved(memberId)) {
            membership.learnRemoved("its snapshot says so", 0); // a removal in the log after it is found as it replays
        }
        applied = snapshot.index();
        snapshotIndex = snapshot.index();

        raw = new RawNode(new RaftConfig(memberId, options.electionTick(), 1, storage, 0, MAX_SIZE_PER_MSG,
                MAX_INFLIGHT_MSGS, true, settings.preVote(), driving.random()));
        if (!hasLog && !cluster.existing()) {
            raw.bootstrapWith(bootstrap.initialChanges());
        }
        if (registry.isEmpty() && !start.discovered().isEmpty()) {
            // A joining member: talk to the members it was told of until the log tells it more.
            members = start.discovered();
            membership.updatePeers(membership.peersOf(start.discovered()));
        } else {
            membership.membersChanged();
        }
        LOG.log(Level.INFO, "member {0} of cluster {1} starting: {2}, snapshot at {3}, {4} entries in the log, "
                + "state machine at {5}, {6} WAL segments before the snapshot not read", hex(memberId), hex(clusterId),
                hasLog ? "restart" : cluster.existing() ? "joining" : "new cluster", snapshot.index(),
                recovered.entries().size(), smApplied, wal.segmentsSkipped());
        // Deliver what was committed before a crash before serving, as the SPI promises.
        while (raw.hasReady()) {
            handleReady();
        }
        tickAdvance = new InitialTickAdvance(settings.initialElectionTickAdvance(), options.electionTick(),
                settings.heartbeatInterval().toMillis(), hex(memberId));
        tickAdvance.atStart(raw, members.size());
        publishStatus();
    }

    /**
     * Stops the member. A leader of a cluster with other voters first hands leadership to the
     * most up-to-date of them that is active (see {@link LeadershipHandOff}), for at most the
     * request timeout, so that the others need not wait out an election timeout.
     */
    @Override
    public void close() throws IOException {
        if (queue.stopping() && queue.drained()) {
            return;
        }
        if (!queue.stopping() && driver != null && driver != Thread.currentThread()) {
            handOff.beforeStop(Duration.ofNanos(options.requestTimeoutTicks() * options.tickNanos()));
        }
        queue.stop();
        Thread d = driver;
        if (d != null) {
            LockSupport.unpark(d);
        }
        if (driver != null && driver != Thread.currentThread()) {
            try {
                driver.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping the Raft driver", e);
            }
        }
        try {
            applyStage.stop(); // what was handed over is applied (it is durable in the WAL either way)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the apply stage", e);
        }
        shipping.awaitWriter(); // the state machine must be left alone once close returns
        queue.abandonAll();
        failPending();
        if (transport != null) {
            transport.close();
        }
        if (wal != null) {
            wal.close();
        }
    }

    private void failPending() {
        pending.failAll();
    }

    // ---- the driver

    /** The driver thread: parks until the next tick or work, then {@link #step}s, until the member stops. */
    private void drive() {
        try {
            while (!queue.stopping()) {
                long wait = nextTickNanos - driving.nanoTime();
                if (wait > 0 && queue.isEmpty()) {
                    LockSupport.parkNanos(this, wait); // the queue unparks
                    if (Thread.interrupted()) {
                        throw new InterruptedException("the Raft driver was interrupted");
                    }
                }
                step(driving.nanoTime());
            }
        } catch (Throwable e) {
            LOG.log(Level.ERROR, "the Raft driver of member " + hex(memberId) + " failed; the member stops", e);
            queue.stop();
            failPending();
        }
    }

    /**
     * One round of the driver at {@code now} (nanoseconds, of {@link Driving#nanoTime}): the
     * waiting tasks, a finished snapshot write, a tick when one is due, and every Ready. The
     * driver thread calls it in a loop; a simulation calls it itself, on the thread that owns the
     * member.
     */
    void step(long now) throws IOException {
        applyStage.check(); // a member that cannot apply stops
        queue.runRound();
        shipping.finishWritten();
        if (now - nextTickNanos >= 0) {
            tick();
            nextTickNanos += options.tickNanos();
            if (now - nextTickNanos >= 0) {
                nextTickNanos = now + options.tickNanos(); // fell behind (a long fsync or GC): do not tick in a burst
            }
        }
        pending.askForReads();
        while (raw.hasReady() && !queue.stopping()) {
            handleReady();
            pending.askForReads(); // the reads that waited for an index answered in that Ready
        }
        publishStatus();
    }

    private void tick() {
        raw.tick();
        ticks++;
        tickAdvance.tick(raw, () -> members.stream().map(Member::id).filter(id -> id != memberId).toList(), transport,
                queue::run);
        pending.proposeParked();
        membership.maybeAskWhetherRemoved();
        pending.tick();
        membership.maybePublish();
    }

    private void handleReady() throws IOException {
        Ready rd = raw.ready();
        if (!rd.snapshot().isEmpty()) {
            shipping.installSnapshot(rd.snapshot());
        }
        // A leader's appends go out before its own write, so that its fsync and the followers'
        // overlap; nothing is stepped on this thread until the write is done.
        List<Message> messages = rd.messages();
        int early = rd.sendableBeforePersisting(storage.lastIndex());
        for (Message m : messages.subList(0, early)) {
            transport.send(m);
        }
        wal.append(rd.entries(), rd.hardState(), rd.mustSync());
        if (!rd.hardState().isEmpty()) {
            storage.setHardState(rd.hardState());
        }
        storage.append(rd.entries());
        List<Message> snapshotsToSend = new ArrayList<>();
        for (Message m : messages.subList(early, messages.size())) {
            if (m.type() == MessageType.SNAP) {
                snapshotsToSend.add(m);
            } else {
                transport.send(m);
            }
        }
        applier.apply(rd.committedEntries());
        pending.readStates(rd.readStates());
        raw.advance(rd);
        shipping.maybeSnapshot();
        for (Message m : snapshotsToSend) {
            shipping.sendSnapshot(m);
        }
    }

    private void publishStatus() {
        Status s = raw.status();
        long leader = s.softState().leader();
        logRoleChange(s.softState().role(), s.hardState().term());
        if (leader != leaderId) {
            logLeaderChange(leaderId, leader, s.hardState().term());
            leaderId = leader;
            if (leader == memberId) {
                traffic.becameLeader();
            }
            membership.leaderChanged();
        }
        term = s.hardState().term();
        commitIndex = s.hardState().commit();
        learner = s.learner();
        pending.leaderIs(leader);
        handOff.check();
    }

    /**
     * etcd's raft line for a role this member took, {@code 8e9e05c52164694d became leader at term 2},
     * once per role and term seen after a step (a role held only within one step goes unlogged).
     */
    private void logRoleChange(StateRole role, long term) {
        if (role == loggedRole && term == loggedTerm) {
            return;
        }
        loggedRole = role;
        loggedTerm = term;
        String name = switch (role) {
            case FOLLOWER -> "follower";
            case PRE_CANDIDATE -> "pre-candidate";
            case CANDIDATE -> "candidate";
            case LEADER -> "leader";
        };
        LOG.log(Level.INFO, hex(memberId) + " became " + name + " at term " + term);
    }

    /** etcd's raft.node lines: {@code raft.node: 8e9e05c52164694d elected leader 8e9e05c52164694d at term 2}. */
    private void logLeaderChange(long from, long to, long term) {
        String self = hex(memberId);
        if (to == 0) {
            LOG.log(Level.INFO, "raft.node: " + self + " lost leader " + hex(from) + " at term " + term);
        } else if (from == 0) {
            LOG.log(Level.INFO, "raft.node: " + self + " elected leader " + hex(to) + " at term " + term);
        } else {
            LOG.log(Level.INFO, "raft.node: " + self + " changed leader from " + hex(from) + " to " + hex(to)
                    + " at term " + term);
        }
    }

    boolean isLeader() {
        return raw.status().softState().role() == StateRole.LEADER;
    }

    /** Why a request the core refused failed: this member left, knows no leader, or the leader changed. */
    ConsensusException dropped() {
        if (removed) {
            return EtcdErrors.stopped();
        }
        return raw.status().softState().leader() == 0 ? EtcdErrors.noLeader() : EtcdErrors.leaderChanged();
    }

    static String hex(long id) {
        return Long.toHexString(id);
    }

    // ---- the SPI

    @Override
    public CompletableFuture<Void> propose(byte[] data) {
        if (commitIndex - stateMachine.appliedIndex() > MAX_APPLY_LAG) {
            return CompletableFuture.failedFuture(EtcdErrors.tooManyRequests());
        }
        byte[] framed = Wire.entry(Wire.APPLICATION, data);
        return queue.propose(f -> pending.propose(framed, f));
    }

    @Override
    public CompletableFuture<Long> readIndex() {
        return queue.call(pending::read);
    }

    @Override
    public ConsensusStatus status() {
        // The driver records the commit index after a Ready is handled, and applies within it: an
        // applied entry was committed, even if the recorded index has not caught up yet.
        long applied = stateMachine.appliedIndex();
        return new ConsensusStatus(memberId, clusterId, leaderId, term, Math.max(commitIndex, applied), applied,
                learner);
    }

    @Override
    public List<Member> members() {
        return members;
    }

    @Override
    public CompletableFuture<Member> addMember(List<String> peerUrls, boolean asLearner) {
        return membership.onLeader(MembershipCalls.CALL_ADD, Wire.bytes(out -> {
            Wire.writeStrings(out, peerUrls);
            out.writeBoolean(asLearner);
        }), body -> Wire.read(body, Wire::readMember));
    }

    @Override
    public CompletableFuture<Void> removeMember(long id) {
        return membership.onLeader(MembershipCalls.CALL_REMOVE, Wire.bytes(out -> out.writeLong(id)), body -> null);
    }

    @Override
    public CompletableFuture<Void> updateMember(long id, List<String> peerUrls) {
        return membership.onLeader(MembershipCalls.CALL_UPDATE, Wire.bytes(out -> {
            out.writeLong(id);
            Wire.writeStrings(out, peerUrls);
        }), body -> null);
    }

    @Override
    public CompletableFuture<Void> promoteMember(long id) {
        return membership.onLeader(MembershipCalls.CALL_PROMOTE, Wire.bytes(out -> out.writeLong(id)), body -> null);
    }

    @Override
    public CompletableFuture<Void> transferLeadership(long target) {
        return membership.onLeader(MembershipCalls.CALL_TRANSFER, Wire.bytes(out -> out.writeLong(target)),
                body -> null);
    }

    @Override
    public CompletableFuture<byte[]> ask(long targetMemberId, String topic, byte[] question) {
        return questions.ask(targetMemberId, topic, question);
    }

    @Override
    public void answer(String topic, Function<byte[], CompletableFuture<byte[]>> answerer) {
        questions.answer(topic, answerer);
    }

    @Override
    public boolean logIsDurable() {
        return true;
    }

    @Override
    public void observePeerTraffic(PeerTraffic observer) {
        traffic = Objects.requireNonNull(observer, "observer");
        // a leader elected before the observer came is reported now (the driver reports later ones)
        if (leaderId != 0 && leaderId == memberId) {
            observer.becameLeader();
        }
    }

    @Override
    public CompletableFuture<Void> removal() {
        return removal;
    }

    @Override
    public CompletableFuture<Void> published() {
        return published;
    }
}
