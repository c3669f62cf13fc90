package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.CompactedException;
import io.kvorum.consensus.raft.core.ConfChange;
import io.kvorum.consensus.raft.core.ConfChangeType;
import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.MemoryStorage;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.MessageType;
import io.kvorum.consensus.raft.core.RaftConfig;
import io.kvorum.consensus.raft.core.RawNode;
import io.kvorum.consensus.raft.core.ReadState;
import io.kvorum.consensus.raft.core.Ready;
import io.kvorum.consensus.raft.core.RequestDroppedException;
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
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.consensus.StateMachine;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One member of a Raft cluster behind the consensus SPI.
 *
 * <p><b>Threads.</b> One driver thread owns the {@link RawNode}, the WAL, the in-memory log, the
 * member registry and every pending request, and it calls the state machine's {@code apply} and
 * {@code restoreSnapshot}. Everything else (API calls, transport threads) hands it {@link Task}s
 * through a queue. The one exception is {@code writeSnapshot} for a follower: a writer thread runs
 * it while the driver keeps ticking, persisting and sending but holds back committed entries (and
 * membership requests) until the write is done, so the state machine is never called twice at once
 * and a large state does not cost the leadership. The driver ticks the core every heartbeat
 * interval and runs the Ready loop: send a leader's appends, persist (one WAL write, one
 * fdatasync), send the rest, apply committed entries ({@code durable=false}: the WAL replays them
 * after a crash), answer reads, advance, and every {@code --snapshot-count} entries take a
 * snapshot and release old log.
 *
 * <p><b>Entries.</b> NORMAL entries start with a kind byte ({@link Wire}): the application's
 * proposals, and the consensus' own (a member publishing its name and client URLs, a peer URL
 * update). Configuration changes carry a {@link ChangeContext}. The state machine receives every
 * entry, its own ones with empty data, so its applied index has no gaps.
 *
 * <p><b>Snapshots sent to followers.</b> The core asks for its stored snapshot to be sent, but the
 * state machine can only write its state as of its applied index now, which is at or above the
 * stored snapshot. So the message sent describes what is written: the index and term of the
 * entry applied last, and the configuration and member registry as of that entry, which are the
 * driver's current ones because the driver applies conf changes as it hands entries to the state
 * machine. The receiver restores the state machine, then steps the message, and the core
 * installs the snapshot at that index; the leader's progress for it jumps there.
 *
 * <p><b>Restart.</b> The WAL gives the hard state, the entries after the last snapshot marker and
 * the marker; the snapshot file of that marker gives the registry. The core re-delivers every
 * committed entry after the snapshot; the driver replays their configuration and registry
 * effects and hands the state machine only those after its own applied index, which is the truth
 * about what it stored.
 */
final class RaftNode implements Consensus {
    private static final System.Logger LOG = System.getLogger(RaftNode.class.getName());

    static final long DEFAULT_SEGMENT_BYTES = Wal.DEFAULT_SEGMENT_BYTES;
    /** Entries kept in memory after a snapshot so a slow follower catches up from the log (etcd's 5000). */
    static final long DEFAULT_CATCH_UP_ENTRIES = 5000;
    static final String CATCH_UP_ENTRIES_OPTION = "snapshot-catch-up-entries";
    private static final long MAX_SIZE_PER_MSG = 1 << 20;
    private static final int MAX_INFLIGHT_MSGS = 512;
    /** etcd's readiness rule for promoting a learner: its log matches at least 90% of the leader's. */
    private static final double LEARNER_READY_PERCENT = 0.9;
    private static final byte[] NO_DATA = new byte[0];
    private static final int MAX_TASKS_PER_ROUND = 4096;
    /**
     * Client proposals waiting for the driver. Beyond this, a proposal fails at once with etcd's
     * "too many requests" instead of queueing without bound.
     */
    static final int MAX_QUEUED_PROPOSALS = 8192;
    /** Proposals the driver takes per round, after every peer message and call that waits. */
    private static final int MAX_PROPOSALS_PER_ROUND = 1024;
    /** etcd's maxGapBetweenApplyAndCommitIndex: above it, proposals are refused until applying catches up. */
    static final long MAX_APPLY_LAG = 5000;

    // Calls between members (Transport.call), answered by Peers.onCall.
    static final String CALL_MEMBERS = "raft.members";
    static final String CALL_ADD = "raft.member-add";
    static final String CALL_REMOVE = "raft.member-remove";
    static final String CALL_UPDATE = "raft.member-update";
    static final String CALL_PROMOTE = "raft.member-promote";
    static final String CALL_TRANSFER = "raft.transfer-leadership";
    static final String CALL_WAS_REMOVED = "raft.was-removed";

    private final ClusterSpec cluster;
    private final StateMachine stateMachine;
    private final ConsensusSettings settings;
    private final Path directory;
    private final long segmentBytes;
    private final long catchUpEntries;
    private final boolean walRepair;
    private final SegmentFiles walFiles;
    private final TransportFactory transports;
    private final long tickNanos;
    private final int electionTick;
    private final long requestTimeoutTicks;
    private static final int MAX_PARKED_PROPOSALS = 4096;
    private final long readRetryTicks;

    /**
     * Peer messages, calls and everything else the driver must do, taken before any proposal so
     * that votes, heartbeats and their answers never wait behind client load.
     */
    private final LinkedBlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
    /** Client proposals: bounded, and taken after {@link #tasks} in each round. */
    private final ArrayBlockingQueue<Task> proposals = new ArrayBlockingQueue<>(MAX_QUEUED_PROPOSALS);
    private volatile boolean stopping;
    private volatile boolean tasksDrained;
    private volatile boolean started;
    private volatile Thread driver;

    // Set during start, then owned by the driver thread.
    private Transport transport;
    private Wal wal;
    private SnapshotStore snapshots;
    private MemoryStorage storage;
    private RawNode raw;
    private MemberRegistry registry = new MemberRegistry();
    private InitialTickAdvance tickAdvance;
    /** The last entry the driver handled (applied, or replayed for an already-applied state machine). */
    private long applied;
    private long snapshotIndex;
    private long ticks;
    private long readSequence;
    private long requestSequence = new SplittableRandom().nextLong() & Long.MAX_VALUE;
    private long lastPublishTick = Long.MIN_VALUE / 2;
    /** The last tick this member led or heard from the leader it knows. */
    private long lastLeaderContactTick;
    private long lastRemovalQuestionTick = Long.MIN_VALUE / 2;
    private boolean removed;
    private final CompletableFuture<Void> removal = new CompletableFuture<>();
    private final Map<Long, PendingRead> reads = new HashMap<>();
    /**
     * Proposals made while this member knows no leader. As in etcd they wait for one, until the
     * request timeout, rather than fail at once: a client writing during an election sees a
     * slower answer, not an error. Oldest first, so their deadlines are in order.
     */
    private final ArrayDeque<ParkedProposal> parked = new ArrayDeque<>();
    private final Map<Long, Waiter> waiters = new HashMap<>();
    private final List<Transfer> transfers = new ArrayList<>();
    /**
     * While the state machine writes a follower's snapshot on its own thread, committed entries
     * wait here instead of being applied (the state machine is never called twice at once), and
     * membership requests wait in {@link #deferredRequests} (a change must be applied before the
     * next is proposed).
     */
    private Thread snapshotWriter;
    /** Set (through a task) when the writer is done; the driver then finishes the send. */
    private WrittenSnapshot written;
    private final List<LogEntry> backlog = new ArrayList<>();
    private final List<Deferred> deferredRequests = new ArrayList<>();

    // Published by the driver for other threads.
    private volatile long memberId;
    private volatile long clusterId;
    private volatile long leaderId;
    private volatile long term;
    private volatile long commitIndex;
    private volatile boolean learner;
    private volatile List<Member> members = List.of();

    RaftNode(ConsensusContext context, TransportFactory transports) {
        this(context, transports, SegmentFiles.onDisk());
    }

    /** A member whose WAL files are opened through {@code walFiles} (tests: a simulated power cut). */
    RaftNode(ConsensusContext context, TransportFactory transports, SegmentFiles walFiles) {
        this.walFiles = walFiles;
        this.cluster = context.cluster();
        this.stateMachine = context.stateMachine();
        this.settings = context.settings();
        this.directory = context.directory();
        this.transports = transports;
        for (String option : context.options().asMap().keySet()) {
            if (!option.equals(RaftConsensusProvider.SEGMENT_BYTES_OPTION) && !option.equals(CATCH_UP_ENTRIES_OPTION)
                    && !option.equals(RaftConsensusProvider.WAL_REPAIR_OPTION)) {
                throw new IllegalArgumentException("unknown option " + option + " of the raft consensus (known: "
                        + RaftConsensusProvider.SEGMENT_BYTES_OPTION + ", " + CATCH_UP_ENTRIES_OPTION + ", "
                        + RaftConsensusProvider.WAL_REPAIR_OPTION + ")");
            }
        }
        this.walRepair = context.options().getBoolean(RaftConsensusProvider.WAL_REPAIR_OPTION, false);
        this.segmentBytes = context.options().getLong(RaftConsensusProvider.SEGMENT_BYTES_OPTION, DEFAULT_SEGMENT_BYTES);
        if (segmentBytes < 4096) {
            throw new IllegalArgumentException("option " + RaftConsensusProvider.SEGMENT_BYTES_OPTION
                    + " must be at least 4096, got " + segmentBytes);
        }
        this.catchUpEntries = context.options().getLong(CATCH_UP_ENTRIES_OPTION, DEFAULT_CATCH_UP_ENTRIES);
        if (catchUpEntries < 1) {
            throw new IllegalArgumentException("option " + CATCH_UP_ENTRIES_OPTION + " must be positive, got "
                    + catchUpEntries);
        }
        long heartbeatMs = settings.heartbeatInterval().toMillis();
        long electionMs = settings.electionTimeout().toMillis();
        if (heartbeatMs < 1) {
            throw new IllegalArgumentException("--heartbeat-interval must be at least 1 ms, got " + heartbeatMs);
        }
        if (electionMs < 5 * heartbeatMs) {
            throw new IllegalArgumentException("--election-timeout[" + electionMs
                    + "ms] should be at least as 5 times as --heartbeat-interval[" + heartbeatMs + "ms]");
        }
        this.tickNanos = settings.heartbeatInterval().toNanos();
        this.electionTick = (int) (electionMs / heartbeatMs);
        // etcd's request timeout: 5s + 2 * election timeout.
        this.requestTimeoutTicks = (5000 + 2 * electionMs) / heartbeatMs;
        this.readRetryTicks = Math.max(1, 500 / heartbeatMs);
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
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        try {
            open();
        } catch (IOException | RuntimeException e) {
            stopping = true;
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
        driver = new Thread(this::drive, "kvorum-raft-" + hex(memberId));
        driver.setDaemon(true);
        driver.start();
    }

    /** Recovers or bootstraps, joins when asked to, and delivers what was committed before a crash. */
    private void open() throws IOException {
        Files.createDirectories(directory);
        snapshots = new SnapshotStore(directory.resolve("snap"));
        try {
            wal = Wal.open(directory.resolve("wal"), segmentBytes, walRepair, walFiles);
        } catch (WalCorruptedException e) {
            if (!e.atRecord()) {
                throw e;
            }
            throw new WalCorruptedException("the Raft log is corrupt: " + e.getMessage() + "; to cut the log there, "
                    + "dropping what follows, start once with --consensus-opt " + RaftConsensusProvider.WAL_REPAIR_OPTION
                    + "=true");
        }
        Wal.Recovered recovered = wal.recovered();
        boolean hasLog = !recovered.hardState().isEmpty() || !recovered.entries().isEmpty()
                || !recovered.snapshot().isEmpty();
        transport = transports.create(settings);
        transport.start(new Peers());

        Identity identity;
        List<Member> discovered = List.of();
        if (hasLog) {
            identity = Identity.load(directory).orElseThrow(() -> new IOException(directory
                    + " holds a Raft log but not the member identity file"));
        } else if (cluster.existing()) {
            Joined joined = join();
            identity = joined.identity();
            discovered = joined.members();
        } else {
            identity = new Identity(cluster.self().id(), cluster.clusterId());
        }
        if (!hasLog) {
            identity.save(directory);
        }
        memberId = identity.memberId();
        clusterId = identity.clusterId();
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
        storage = new MemoryStorage(snapshot);
        storage.append(recovered.entries());
        storage.setHardState(recovered.hardState());
        registry = MemberRegistry.decode(snapshot.data());
        if (hasLog && registry.wasRemoved(memberId)) {
            learnRemoved("its snapshot says so", 0); // a removal in the log after it is found as it replays
        }
        applied = snapshot.index();
        snapshotIndex = snapshot.index();

        raw = new RawNode(new RaftConfig(memberId, electionTick, 1, storage, 0, MAX_SIZE_PER_MSG, MAX_INFLIGHT_MSGS,
                true, settings.preVote(), new SplittableRandom()));
        if (!hasLog && !cluster.existing()) {
            raw.bootstrapWith(cluster.initialMembers().stream()
                    .sorted((a, b) -> Long.compareUnsigned(a.id(), b.id()))
                    .map(m -> new ConfChange(ConfChangeType.ADD_NODE, m.id(), new ChangeContext(0, false,
                            new Member(m.id(), "", m.peerUrls(), List.of(), false)).encode()))
                    .toList());
        }
        if (registry.isEmpty() && !discovered.isEmpty()) {
            // A joining member: talk to the members it was told of until the log tells it more.
            members = discovered;
            updatePeers(peersOf(discovered));
        } else {
            membersChanged();
        }
        LOG.log(Level.INFO, "member {0} of cluster {1} starting: {2}, snapshot at {3}, {4} entries in the log, "
                + "state machine at {5}", hex(memberId), hex(clusterId), hasLog ? "restart" : cluster.existing()
                ? "joining" : "new cluster", snapshot.index(), recovered.entries().size(), smApplied);
        // Deliver what was committed before a crash before serving, as the SPI promises.
        while (raw.hasReady()) {
            handleReady();
        }
        tickAdvance = new InitialTickAdvance(settings.initialElectionTickAdvance(), electionTick,
                settings.heartbeatInterval().toMillis(), hex(memberId));
        tickAdvance.atStart(raw, members.size());
        publishStatus();
    }

    @Override
    public void close() throws IOException {
        if (stopping && tasksDrained) {
            return;
        }
        stopping = true;
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
        awaitSnapshotWriter(); // the state machine must be left alone once close returns
        abandonQueuedTasks();
        failPending();
        if (transport != null) {
            transport.close();
        }
        if (wal != null) {
            wal.close();
        }
    }

    private void abandonQueuedTasks() {
        for (Queue<Task> queue : List.of(tasks, proposals)) {
            for (Task t = queue.poll(); t != null; t = queue.poll()) {
                t.abandon();
            }
        }
        tasksDrained = true;
        for (Queue<Task> queue : List.of(tasks, proposals)) {
            for (Task t = queue.poll(); t != null; t = queue.poll()) {
                t.abandon();
            }
        }
    }

    private void failPending() {
        parked.forEach(p -> p.future().completeExceptionally(EtcdErrors.stopped()));
        parked.clear();
        reads.values().forEach(r -> r.future().completeExceptionally(EtcdErrors.stopped()));
        reads.clear();
        waiters.values().forEach(w -> w.answer().complete(Wire.failure(EtcdErrors.stopped())));
        waiters.clear();
        transfers.forEach(t -> t.answer().complete(Wire.failure(EtcdErrors.stopped())));
        transfers.clear();
        deferredRequests.forEach(d -> d.answer().complete(Wire.failure(EtcdErrors.stopped())));
        deferredRequests.clear();
    }

    /** Asks the members named at start for the cluster, and finds this member in it by its peer URLs. */
    private Joined join() throws IOException {
        List<URI> targets = cluster.initialMembers().stream()
                .filter(m -> !m.peerUrls().equals(cluster.self().peerUrls()))
                .flatMap(m -> m.peerUrls().stream()).map(URI::create).toList();
        if (targets.isEmpty()) {
            throw new IOException("--initial-cluster names no other member to join (--initial-cluster-state existing)");
        }
        String lastProblem = "no answer";
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5000 + 2 * settings.electionTimeout().toMillis());
        do {
            for (URI target : targets) {
                try {
                    byte[] body = Wire.body(transport.call(target, CALL_MEMBERS, NO_DATA).get(
                            settings.electionTimeout().toMillis() * 2, TimeUnit.MILLISECONDS));
                    long remoteCluster = Wire.read(body, in -> in.readLong());
                    List<Member> remote = Wire.read(body, in -> {
                        in.readLong();
                        return Wire.readMembers(in);
                    });
                    Optional<Member> self = MemberRegistry.byPeerUrls(remote, cluster.self().peerUrls());
                    if (self.isPresent()) {
                        Optional<String> mismatch = mismatchWithInitialCluster(remote);
                        if (mismatch.isPresent()) {
                            // as etcd: the operator's --initial-cluster must describe the cluster it joins
                            throw new IOException("error validating peerURLs of cluster " + hex(remoteCluster)
                                    + " (learned from " + target + "): " + mismatch.get());
                        }
                        LOG.log(Level.INFO, "joining cluster {0} as member {1} (learned from {2})", hex(remoteCluster),
                                hex(self.get().id()), target);
                        return new Joined(new Identity(self.get().id(), remoteCluster), remote);
                    }
                    lastProblem = target + " answered for cluster " + hex(remoteCluster) + " whose members "
                            + remote.stream().map(m -> m.peerUrls().toString()).toList()
                            + " do not include this member's peer URLs " + cluster.self().peerUrls()
                            + " (add it with MemberAdd first)";
                } catch (ExecutionException | TimeoutException | RuntimeException e) {
                    lastProblem = target + ": " + (e instanceof ExecutionException ? e.getCause() : e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while joining the cluster", e);
                }
            }
            sleep(settings.heartbeatInterval().toMillis());
        } while (System.nanoTime() - deadline < 0);
        throw new IOException("cannot join the running cluster: " + lastProblem);
    }

    private record Joined(Identity identity, List<Member> members) {
    }

    /**
     * etcd's check of a joining member's {@code --initial-cluster} against the running members:
     * as many members (learners too), and the same peer URLs member by member; names do not count.
     */
    private Optional<String> mismatchWithInitialCluster(List<Member> running) {
        List<List<String>> local = cluster.initialMembers().stream().map(m -> m.peerUrls().stream().sorted().toList())
                .sorted(Comparator.comparing(Object::toString)).toList();
        List<List<String>> remote = running.stream().map(m -> m.peerUrls().stream().sorted().toList())
                .sorted(Comparator.comparing(Object::toString)).toList();
        if (local.size() != remote.size()) {
            return Optional.of("member count is unequal (--initial-cluster names " + local.size()
                    + ", the cluster has " + remote.size() + ": " + remote + ")");
        }
        for (int i = 0; i < local.size(); i++) {
            if (!local.get(i).equals(remote.get(i))) {
                return Optional.of("unmatched member while checking PeerURLs (" + remote.get(i) + " != "
                        + local.get(i) + ")");
            }
        }
        return Optional.empty();
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    // ---- the driver

    private void drive() {
        long next = System.nanoTime() + tickNanos;
        try {
            while (!stopping) {
                long wait = next - System.nanoTime();
                if (wait > 0 && tasks.isEmpty() && proposals.isEmpty()) {
                    LockSupport.parkNanos(this, wait); // enqueue() unparks
                    if (Thread.interrupted()) {
                        throw new InterruptedException("the Raft driver was interrupted");
                    }
                }
                runQueued(tasks, MAX_TASKS_PER_ROUND);
                runQueued(proposals, MAX_PROPOSALS_PER_ROUND);
                if (written != null) {
                    WrittenSnapshot w = written;
                    written = null;
                    snapshotWritten(w);
                }
                long now = System.nanoTime();
                if (now - next >= 0) {
                    tick();
                    next += tickNanos;
                    if (now - next >= 0) {
                        next = now + tickNanos; // fell behind (a long fsync or GC): do not tick in a burst
                    }
                }
                while (raw.hasReady() && !stopping) {
                    handleReady();
                }
                publishStatus();
            }
        } catch (Throwable e) {
            LOG.log(Level.ERROR, "the Raft driver of member " + hex(memberId) + " failed; the member stops", e);
            stopping = true;
            failPending();
        }
    }

    private void runQueued(Queue<Task> queue, int max) {
        for (int n = 0; n < max && !stopping; n++) {
            Task task = queue.poll();
            if (task == null) {
                return;
            }
            task.run();
        }
    }

    private void tick() {
        raw.tick();
        ticks++;
        tickAdvance.tick(raw, () -> members.stream().map(Member::id).filter(id -> id != memberId).toList(), transport,
                r -> enqueue(new Task(r, null)));
        proposeParked();
        maybeAskWhetherRemoved();
        for (Map.Entry<Long, PendingRead> e : reads.entrySet()) {
            PendingRead r = e.getValue();
            if (ticks - r.issuedAt() >= readRetryTicks) {
                // The request or its answer may have been lost (or the leader changed): ask again.
                try {
                    raw.readIndex(context(e.getKey()));
                } catch (RequestDroppedException ignored) {
                    // no leader now; the next retry or the deadline settles it
                }
                e.setValue(new PendingRead(r.future(), ticks, r.deadline()));
            }
        }
        for (Iterator<PendingRead> it = reads.values().iterator(); it.hasNext(); ) {
            PendingRead r = it.next();
            if (ticks >= r.deadline()) {
                it.remove();
                r.future().completeExceptionally(EtcdErrors.timeout());
            }
        }
        for (Iterator<Waiter> it = waiters.values().iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (ticks >= w.deadline()) {
                it.remove();
                w.answer().complete(Wire.failure(EtcdErrors.timeout()));
            }
        }
        for (Iterator<Transfer> it = transfers.iterator(); it.hasNext(); ) {
            Transfer t = it.next();
            if (ticks >= t.deadline()) {
                it.remove();
                t.answer().complete(Wire.failure(EtcdErrors.transferTimeout()));
            }
        }
        maybePublish();
    }

    private void handleReady() throws IOException {
        Ready rd = raw.ready();
        if (!rd.snapshot().isEmpty()) {
            installSnapshot(rd.snapshot());
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
        if (snapshotWriter != null) {
            backlog.addAll(rd.committedEntries());
        } else {
            apply(rd.committedEntries());
        }
        for (ReadState rs : rd.readStates()) {
            ByteBuffer context = ByteBuffer.wrap(rs.context());
            if (rs.context().length == 16 && context.getLong() == memberId) {
                PendingRead r = reads.remove(context.getLong());
                if (r != null) {
                    r.future().complete(rs.index());
                }
            }
        }
        raw.advance(rd);
        if (snapshotWriter == null) {
            maybeSnapshot();
        }
        for (Message m : snapshotsToSend) {
            sendSnapshot(m);
        }
    }

    private void publishStatus() {
        Status s = raw.status();
        long leader = s.softState().leader();
        if (leader != leaderId) {
            LOG.log(Level.INFO, "member {0} sees leader {1} at term {2}", hex(memberId), hex(leader),
                    s.hardState().term());
            leaderId = leader;
            maybePublish();
        }
        term = s.hardState().term();
        commitIndex = s.hardState().commit();
        learner = s.learner();
        for (Iterator<Transfer> it = transfers.iterator(); it.hasNext(); ) {
            Transfer t = it.next();
            if (t.target() == leader) {
                it.remove();
                t.answer().complete(Wire.answer(NO_DATA));
            }
        }
    }

    private boolean isLeader() {
        return raw.status().softState().role() == StateRole.LEADER;
    }

    // ---- applying

    private void apply(List<LogEntry> committed) {
        if (committed.isEmpty()) {
            return;
        }
        long smApplied = stateMachine.appliedIndex();
        List<Entry> batch = new ArrayList<>(committed.size());
        List<Runnable> afterApply = new ArrayList<>();
        boolean changed = false;
        for (LogEntry e : committed) {
            if (e.index() <= applied) {
                continue;
            }
            byte[] data = NO_DATA;
            if (e.type() == EntryType.CONF_CHANGE) {
                applyConfChange(e, afterApply);
                changed = true;
            } else if (e.data().length > 0) {
                if (e.data()[0] == Wire.APPLICATION) {
                    data = Arrays.copyOfRange(e.data(), 1, e.data().length);
                } else {
                    applyInternal(e, afterApply);
                    changed = true;
                }
            }
            if (e.index() > smApplied) {
                batch.add(new Entry(e.index(), e.term(), data));
            }
            applied = e.index();
        }
        if (!batch.isEmpty()) {
            // A snapshot follows this batch: the state machine must hold everything up to it durably
            // before the log that could replay it is released.
            stateMachine.apply(batch, applied - snapshotIndex >= settings.snapshotCount());
        }
        if (changed) {
            membersChanged();
        }
        afterApply.forEach(Runnable::run);
    }

    private void applyConfChange(LogEntry e, List<Runnable> afterApply) {
        ConfChange cc = Encoding.decodeConfChange(e.data());
        ChangeContext ctx = ChangeContext.decode(cc.context());
        Optional<ConsensusException> refusal = switch (cc.type()) {
            case ADD_NODE -> ctx.promote() ? registry.refusePromote(cc.nodeId()) : registry.refuseAdd(ctx.member());
            case ADD_LEARNER_NODE -> registry.refuseAdd(ctx.member());
            case REMOVE_NODE -> registry.refuseRemove(cc.nodeId());
        };
        if (refusal.isPresent()) {
            // Refused alike on every member: the core applies a no-op in its place.
            raw.applyConfChange(new ConfChange(cc.type(), 0));
            afterApply.add(() -> answer(ctx.requestId(), Wire.failure(refusal.get())));
            return;
        }
        switch (cc.type()) {
            case ADD_NODE, ADD_LEARNER_NODE -> {
                if (ctx.promote()) {
                    registry.promote(cc.nodeId());
                } else {
                    registry.add(ctx.member());
                }
            }
            case REMOVE_NODE -> registry.remove(cc.nodeId());
        }
        raw.applyConfChange(cc);
        if (cc.type() == ConfChangeType.REMOVE_NODE && cc.nodeId() == memberId) {
            // A leader stays a moment, as etcd's does, so that the others learn the commit
            // (and a forwarded MemberRemove its answer) before they must elect another.
            long delayMillis = isLeader() ? 10 * settings.heartbeatInterval().toMillis() : 0;
            afterApply.add(() -> learnRemoved("applied its removal", delayMillis));
        }
        Member member = registry.get(cc.nodeId()).orElse(ctx.member());
        afterApply.add(() -> answer(ctx.requestId(), Wire.answer(Wire.bytes(out -> Wire.writeMember(out, member)))));
    }

    private void applyInternal(LogEntry e, List<Runnable> afterApply) {
        byte[] body = Arrays.copyOfRange(e.data(), 1, e.data().length);
        switch (e.data()[0]) {
            case Wire.PUBLISH -> Wire.read(body, in -> {
                registry.publish(in.readLong(), in.readUTF(), Wire.readStrings(in));
                return null;
            });
            case Wire.UPDATE -> Wire.read(body, in -> {
                long requestId = in.readLong();
                long id = in.readLong();
                List<String> peerUrls = Wire.readStrings(in);
                Optional<ConsensusException> refusal = registry.refuseUpdate(id, peerUrls);
                if (refusal.isPresent()) {
                    afterApply.add(() -> answer(requestId, Wire.failure(refusal.get())));
                } else {
                    registry.updatePeerUrls(id, peerUrls);
                    afterApply.add(() -> answer(requestId, Wire.answer(NO_DATA)));
                }
                return null;
            });
            default -> throw new IllegalStateException("entry " + e.index() + " has unknown kind " + e.data()[0]);
        }
    }

    private void answer(long requestId, byte[] answer) {
        Waiter w = waiters.remove(requestId);
        if (w != null) {
            w.answer().complete(answer);
        }
    }

    private void membersChanged() {
        members = registry.list();
        updatePeers(registry.peers(memberId));
    }

    private void updatePeers(Map<Long, List<URI>> peers) {
        try {
            transport.updatePeers(peers);
        } catch (IllegalArgumentException e) {
            // A URL this transport cannot dial (a change was committed, so it stands): that member
            // stays unreachable from here until its URLs are updated.
            LOG.log(Level.WARNING, "member " + hex(memberId) + " cannot reach every peer: " + e.getMessage());
        }
    }

    private Map<Long, List<URI>> peersOf(List<Member> list) {
        Map<Long, List<URI>> peers = new HashMap<>();
        list.stream().filter(m -> m.id() != memberId)
                .forEach(m -> peers.put(m.id(), m.peerUrls().stream().map(URI::create).toList()));
        return peers;
    }

    /** This member is no longer in the cluster: it serves nothing more, and the server stops. */
    private void learnRemoved(String how, long delayMillis) {
        if (removed) {
            return;
        }
        removed = true;
        LOG.log(Level.WARNING, "member {0} was removed from the cluster ({1})", hex(memberId), how);
        // not on the driver: the server stops, which stops the driver
        removal.completeAsync(() -> null, CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS));
    }

    /**
     * A member removed while it could not hear of it (the leader stops sending to it once the
     * removal is applied, maybe before this member has it) hears from no leader: after two
     * election timeouts without a word from one (a learner never campaigns, so it may still name
     * the old leader), and as often after that, it asks the members it knows whether they removed
     * it, as etcd's peers tell a removed member when it dials them.
     */
    private void maybeAskWhetherRemoved() {
        if (removed || isLeader()) {
            lastLeaderContactTick = ticks;
            return;
        }
        if (ticks - lastLeaderContactTick < 2L * electionTick || ticks - lastRemovalQuestionTick < 2L * electionTick) {
            return;
        }
        lastRemovalQuestionTick = ticks;
        byte[] question = Wire.bytes(out -> out.writeLong(memberId));
        for (long peer : peersOf(members).keySet()) {
            transport.call(peer, CALL_WAS_REMOVED, question).thenAccept(answer -> {
                if (Wire.read(Wire.body(answer), DataInputStream::readBoolean)) {
                    onDriver(done -> {
                        learnRemoved("member " + hex(peer) + " says so", 0);
                        done.complete(null);
                    });
                }
            });
        }
    }

    /** Once a leader is known, proposes this member's name and client URLs until the registry shows them. */
    private void maybePublish() {
        if (leaderId == 0 || removed || ticks - lastPublishTick < requestTimeoutTicks / 2) {
            return;
        }
        Optional<Member> me = registry.get(memberId);
        Member self = cluster.self();
        if (me.isEmpty() || (me.get().name().equals(self.name()) && me.get().clientUrls().equals(self.clientUrls()))) {
            return;
        }
        lastPublishTick = ticks;
        try {
            raw.propose(Wire.entry(Wire.PUBLISH, Wire.bytes(out -> {
                out.writeLong(memberId);
                out.writeUTF(self.name());
                Wire.writeStrings(out, self.clientUrls());
            })));
        } catch (RequestDroppedException e) {
            lastPublishTick = Long.MIN_VALUE / 2; // try again at the next tick
        }
    }

    // ---- snapshots

    private void maybeSnapshot() throws IOException {
        if (applied - snapshotIndex < settings.snapshotCount()) {
            return;
        }
        if (stateMachine.appliedIndex() < applied) {
            return; // cannot happen while the driver alone applies; never snapshot state that is not there
        }
        Snapshot s = storage.createSnapshot(applied, raw.confState(), registry.encode());
        snapshots.save(s);
        wal.saveSnapshot(s, storage.hardState());
        snapshotIndex = s.index();
        long compactTo = s.index() - catchUpEntries;
        if (compactTo >= storage.firstIndex()) {
            storage.compact(compactTo);
        }
        wal.releaseBeforeSnapshot();
        snapshots.releaseBefore(s.index());
        LOG.log(Level.DEBUG, "member {0} took a snapshot at {1}; log kept from {2}", hex(memberId), s.index(),
                storage.firstIndex());
    }

    /** Records a snapshot the core installed from the leader (the state machine restored it already). */
    private void installSnapshot(Snapshot s) throws IOException {
        if (stateMachine.appliedIndex() < s.index()) {
            throw new IllegalStateException("the core installs a snapshot at " + s.index()
                    + " but the state machine was restored only to " + stateMachine.appliedIndex());
        }
        snapshots.save(s);
        wal.saveSnapshot(s, storage.hardState());
        storage.applySnapshot(s);
        registry = MemberRegistry.decode(s.data());
        applied = s.index();
        snapshotIndex = s.index();
        wal.releaseBeforeSnapshot();
        snapshots.releaseBefore(s.index());
        membersChanged();
        LOG.log(Level.INFO, "member {0} installed a snapshot at {1} term {2}", hex(memberId), s.index(), s.term());
    }

    /**
     * Sends a follower the state machine as applied now, described as the class comment says. The
     * state machine writes it on a thread of its own while the driver goes on ticking, persisting
     * and sending, so a large state does not cost the leadership; entries committed meanwhile are
     * applied when the write is done.
     */
    private void sendSnapshot(Message request) {
        long to = request.to();
        if (snapshotWriter != null || stateMachine.appliedIndex() != applied) {
            // One write at a time; or still replaying after a restart. The core asks again later.
            raw.reportSnapshot(to, false);
            return;
        }
        Path file;
        Snapshot meta;
        try {
            meta = new Snapshot(applied, storage.term(applied), raw.confState(), registry.encode());
            file = snapshots.temporary("send-");
        } catch (IOException | CompactedException e) {
            LOG.log(Level.WARNING, "cannot prepare a snapshot for " + hex(to), e);
            raw.reportSnapshot(to, false);
            return;
        }
        Message message = request.toBuilder().snapshot(meta).build();
        snapshotWriter = new Thread(() -> {
            Throwable failure = null;
            try (OutputStream out = Files.newOutputStream(file)) {
                stateMachine.writeSnapshot(out);
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
            Throwable outcome = failure;
            enqueue(new Task(() -> written = new WrittenSnapshot(message, file, outcome), null));
        }, "kvorum-raft-snapshot-" + hex(memberId));
        snapshotWriter.setDaemon(true);
        snapshotWriter.start();
    }

    /** On the driver, once the state machine wrote a snapshot: catch up on applying, then ship it. */
    private void snapshotWritten(WrittenSnapshot w) throws IOException {
        Message message = w.message();
        Path file = w.file();
        Throwable failure = w.failure();
        awaitSnapshotWriter();
        List<LogEntry> waiting = List.copyOf(backlog);
        backlog.clear();
        apply(waiting);
        maybeSnapshot();
        List<Deferred> requests = List.copyOf(deferredRequests);
        deferredRequests.clear();
        for (Deferred d : requests) {
            if (isLeader()) {
                serveAsLeader(d.method(), d.request(), d.answer());
            } else {
                d.answer().complete(Wire.failure(EtcdErrors.leaderChanged()));
            }
        }
        long to = message.to();
        if (failure != null) {
            LOG.log(Level.WARNING, "cannot write a snapshot for " + hex(to), failure);
            deleteQuietly(file);
            raw.reportSnapshot(to, false);
            return;
        }
        LOG.log(Level.INFO, "member {0} sends a snapshot at {1} to {2}", hex(memberId), message.snapshot().index(),
                hex(to));
        transport.sendSnapshot(message, out -> Files.copy(file, out)).whenComplete((ok, error) -> {
            deleteQuietly(file);
            if (error != null) {
                LOG.log(Level.WARNING, "snapshot to " + hex(to) + " failed", error);
            }
            enqueue(new Task(() -> raw.reportSnapshot(to, error == null), null));
        });
    }

    private void awaitSnapshotWriter() {
        Thread writer = snapshotWriter;
        snapshotWriter = null;
        if (writer == null) {
            return;
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** On the driver: restores the state machine from a leader's snapshot the core will install, then steps it. */
    private void receiveSnapshot(Message m, Path file) throws IOException {
        if (snapshotWriter != null || !backlog.isEmpty()) {
            throw new IOException("member " + hex(memberId) + " is writing a snapshot of its own; send it later");
        }
        Snapshot s = m.snapshot();
        Status st = raw.status();
        boolean installs = m.term() >= st.hardState().term() && s.index() > st.hardState().commit()
                && s.confState().contains(memberId) && !hasEntry(s.index(), s.term());
        if (installs && s.index() > stateMachine.appliedIndex()) {
            try (InputStream in = Files.newInputStream(file)) {
                stateMachine.restoreSnapshot(in);
            }
            if (stateMachine.appliedIndex() != s.index()) {
                throw new IOException("the snapshot claims index " + s.index() + " but the state machine restored "
                        + stateMachine.appliedIndex());
            }
        }
        raw.step(m);
    }

    private boolean hasEntry(long index, long entryTerm) {
        try {
            return index <= storage.lastIndex() && storage.term(index) == entryTerm;
        } catch (CompactedException e) {
            return false;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot delete " + file, e);
        }
    }

    // ---- the SPI

    @Override
    public CompletableFuture<Void> propose(byte[] data) {
        if (commitIndex - stateMachine.appliedIndex() > MAX_APPLY_LAG) {
            return CompletableFuture.failedFuture(EtcdErrors.tooManyRequests());
        }
        byte[] framed = Wire.entry(Wire.APPLICATION, data);
        return onDriver(proposals, f -> {
            proposeParked();
            if (!parked.isEmpty()) {
                park(framed, f);
                return;
            }
            try {
                raw.propose(framed);
                f.complete(null);
            } catch (RequestDroppedException e) {
                park(framed, f);
            }
        });
    }

    /** A proposal waiting for a leader; fails with "no leader" when too many wait already or the member left. */
    private void park(byte[] entry, CompletableFuture<Void> future) {
        if (removed || leaderId != 0 || parked.size() >= MAX_PARKED_PROPOSALS) {
            future.completeExceptionally(dropped());
            return;
        }
        parked.add(new ParkedProposal(entry, future, ticks + requestTimeoutTicks));
    }

    /** Proposes what waited for a leader, once there is one; fails what waited past the request timeout. */
    private void proposeParked() {
        while (!parked.isEmpty()) {
            ParkedProposal p = parked.peek();
            if (ticks >= p.deadline()) {
                parked.poll();
                p.future().completeExceptionally(EtcdErrors.timeout());
                continue;
            }
            if (leaderId == 0) {
                return;
            }
            try {
                raw.propose(p.entry());
            } catch (RequestDroppedException e) {
                return;
            }
            parked.poll();
            p.future().complete(null);
        }
    }

    private record ParkedProposal(byte[] entry, CompletableFuture<Void> future, long deadline) {
    }

    @Override
    public CompletableFuture<Long> readIndex() {
        return onDriver(f -> {
            long id = ++readSequence;
            try {
                raw.readIndex(context(id));
            } catch (RequestDroppedException e) {
                if (removed || leaderId != 0) {
                    f.completeExceptionally(dropped());
                    return;
                }
                // no leader yet: asked again on the retry ticks until one answers or the deadline passes
            }
            reads.put(id, new PendingRead(f, ticks, ticks + requestTimeoutTicks));
        });
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
        return onLeader(CALL_ADD, Wire.bytes(out -> {
            Wire.writeStrings(out, peerUrls);
            out.writeBoolean(asLearner);
        }), body -> Wire.read(body, Wire::readMember));
    }

    @Override
    public CompletableFuture<Void> removeMember(long id) {
        return onLeader(CALL_REMOVE, Wire.bytes(out -> out.writeLong(id)), body -> null);
    }

    @Override
    public CompletableFuture<Void> updateMember(long id, List<String> peerUrls) {
        return onLeader(CALL_UPDATE, Wire.bytes(out -> {
            out.writeLong(id);
            Wire.writeStrings(out, peerUrls);
        }), body -> null);
    }

    @Override
    public CompletableFuture<Void> promoteMember(long id) {
        return onLeader(CALL_PROMOTE, Wire.bytes(out -> out.writeLong(id)), body -> null);
    }

    @Override
    public CompletableFuture<Void> transferLeadership(long target) {
        return onLeader(CALL_TRANSFER, Wire.bytes(out -> out.writeLong(target)), body -> null);
    }

    @Override
    public boolean logIsDurable() {
        return true;
    }

    @Override
    public CompletableFuture<Void> removal() {
        return removal;
    }

    // ---- requests the leader serves: locally on the leader, forwarded from a follower

    /** Runs a request on the leader (here, or through a call to it) and decodes its answer. */
    private <T> CompletableFuture<T> onLeader(String method, byte[] request, Function<byte[], T> decode) {
        CompletableFuture<byte[]> answer = onDriver(a -> {
            if (isLeader()) {
                serveAsLeader(method, request, a);
            } else if (leaderId == 0) {
                a.complete(Wire.failure(EtcdErrors.noLeader()));
            } else {
                transport.call(leaderId, method, request).whenComplete((bytes, failure) -> {
                    if (failure != null) {
                        LOG.log(Level.DEBUG, "forwarding " + method + " to the leader failed", failure);
                        a.complete(Wire.failure(EtcdErrors.noLeader()));
                    } else {
                        a.complete(bytes);
                    }
                });
            }
        });
        CompletableFuture<T> result = new CompletableFuture<>();
        answer.whenComplete((bytes, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure instanceof CompletionException c ? c.getCause() : failure);
                return;
            }
            try {
                result.complete(decode.apply(Wire.body(bytes)));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** On the driver of the leader: checks a request as etcd does and proposes it; answers once applied. */
    private void serveAsLeader(String method, byte[] request, CompletableFuture<byte[]> answer) {
        if (snapshotWriter != null && !method.equals(CALL_TRANSFER)) {
            deferredRequests.add(new Deferred(method, request, answer));
            return;
        }
        try {
            switch (method) {
                case CALL_ADD -> {
                    // etcd keeps a member's peer URLs sorted.
                    List<String> peerUrls = Wire.read(request, Wire::readStrings).stream().sorted().toList();
                    boolean asLearner = Wire.read(request, in -> {
                        Wire.readStrings(in);
                        return in.readBoolean();
                    });
                    Member m = new Member(MemberIds.newMemberId(peerUrls, "", Instant.now().getEpochSecond()), "",
                            peerUrls, List.of(), asLearner);
                    Optional<ConsensusException> refusal = registry.refuseAdd(m);
                    if (refusal.isEmpty() && !asLearner && settings.strictReconfigCheck()
                            && !registry.readyToAddVoter()) {
                        refusal = Optional.of(EtcdErrors.notEnoughStartedMembers());
                    }
                    proposeChange(asLearner ? ConfChangeType.ADD_LEARNER_NODE : ConfChangeType.ADD_NODE, m, false,
                            refusal, answer);
                }
                case CALL_REMOVE -> {
                    long id = Wire.read(request, in -> in.readLong());
                    Optional<ConsensusException> refusal = registry.refuseRemove(id);
                    if (refusal.isEmpty() && settings.strictReconfigCheck() && !registry.get(id).get().learner()
                            && !registry.readyToRemoveVoter(id)) {
                        refusal = Optional.of(EtcdErrors.notEnoughStartedMembers());
                    }
                    proposeChange(ConfChangeType.REMOVE_NODE, registry.get(id)
                            .orElse(new Member(id, "", List.of(), List.of(), false)), false, refusal, answer);
                }
                case CALL_PROMOTE -> {
                    long id = Wire.read(request, in -> in.readLong());
                    Optional<ConsensusException> refusal = registry.refusePromote(id);
                    if (refusal.isEmpty() && !learnerReady(id)) {
                        refusal = Optional.of(EtcdErrors.learnerNotReady());
                    }
                    if (refusal.isEmpty() && settings.strictReconfigCheck() && !registry.readyToPromote(id)) {
                        refusal = Optional.of(EtcdErrors.notEnoughStartedMembers());
                    }
                    Member m = registry.get(id).orElse(new Member(id, "", List.of(), List.of(), true));
                    proposeChange(ConfChangeType.ADD_NODE, new Member(id, m.name(), m.peerUrls(), m.clientUrls(),
                            false), true, refusal, answer);
                }
                case CALL_UPDATE -> {
                    long id = Wire.read(request, in -> in.readLong());
                    List<String> peerUrls = Wire.read(request, in -> {
                        in.readLong();
                        return Wire.readStrings(in);
                    }).stream().sorted().toList();
                    Optional<ConsensusException> refusal = registry.refuseUpdate(id, peerUrls);
                    if (refusal.isPresent()) {
                        answer.complete(Wire.failure(refusal.get()));
                        return;
                    }
                    long requestId = ++requestSequence;
                    raw.propose(Wire.entry(Wire.UPDATE, Wire.bytes(out -> {
                        out.writeLong(requestId);
                        out.writeLong(id);
                        Wire.writeStrings(out, peerUrls);
                    })));
                    waiters.put(requestId, new Waiter(answer, ticks + requestTimeoutTicks));
                }
                case CALL_TRANSFER -> {
                    long target = Wire.read(request, in -> in.readLong());
                    if (target == memberId) {
                        answer.complete(Wire.answer(NO_DATA));
                    } else if (!raw.confState().voters().contains(target)) {
                        answer.complete(Wire.failure(EtcdErrors.badLeaderTransferee()));
                    } else {
                        raw.transferLeader(target);
                        transfers.add(new Transfer(target, answer, ticks + requestTimeoutTicks));
                    }
                }
                default -> answer.complete(Wire.failure(new ConsensusException(ConsensusException.Reason.UNSUPPORTED,
                        "unknown call " + method)));
            }
        } catch (RequestDroppedException e) {
            answer.complete(Wire.failure(dropped()));
        }
    }

    private void proposeChange(ConfChangeType type, Member m, boolean promote, Optional<ConsensusException> refusal,
                               CompletableFuture<byte[]> answer) {
        if (refusal.isPresent()) {
            answer.complete(Wire.failure(refusal.get()));
            return;
        }
        long requestId = ++requestSequence;
        raw.proposeConfChange(new ConfChange(type, m.id(), new ChangeContext(requestId, promote, m).encode()));
        waiters.put(requestId, new Waiter(answer, ticks + requestTimeoutTicks));
    }

    /** etcd's isLearnerReady: the learner's log matches at least 90% of the leader's. */
    private boolean learnerReady(long id) {
        Map<Long, Long> matches = raw.matchIndexes();
        Long learnerMatch = matches.get(id);
        if (learnerMatch == null) {
            return true;
        }
        return learnerMatch >= matches.getOrDefault(memberId, 0L) * LEARNER_READY_PERCENT;
    }

    private ConsensusException dropped() {
        if (removed) {
            return EtcdErrors.stopped();
        }
        return raw.status().softState().leader() == 0 ? EtcdErrors.noLeader() : EtcdErrors.leaderChanged();
    }

    /** A read's context: the leader queues reads of every member by it, so it names this member too. */
    private byte[] context(long readId) {
        return ByteBuffer.allocate(16).putLong(memberId).putLong(readId).array();
    }

    private static String hex(long id) {
        return Long.toHexString(id);
    }

    // ---- hand-over to the driver

    /** Work for the driver; {@code future} is failed if the work never runs because the member stops. */
    private record Task(Runnable body, CompletableFuture<?> future) {
        void run() {
            try {
                body.run();
            } catch (RequestDroppedException e) {
                // a proposal or read forwarded here while this member knows no leader: the sender retries
                if (future != null) {
                    future.completeExceptionally(e);
                }
                LOG.log(Level.DEBUG, "dropped a request: {0}", e.getMessage());
            } catch (RuntimeException e) {
                if (future != null) {
                    future.completeExceptionally(e);
                } else {
                    LOG.log(Level.WARNING, "a peer's message could not be handled", e);
                }
            }
        }

        void abandon() {
            if (future != null) {
                future.completeExceptionally(EtcdErrors.stopped());
            }
        }
    }

    private <T> CompletableFuture<T> onDriver(Consumer<CompletableFuture<T>> body) {
        return onDriver(tasks, body);
    }

    private <T> CompletableFuture<T> onDriver(Queue<Task> queue, Consumer<CompletableFuture<T>> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (!started) {
            f.completeExceptionally(EtcdErrors.stopped());
            return f;
        }
        enqueue(queue, new Task(() -> body.accept(f), f));
        return f;
    }

    private void enqueue(Task task) {
        enqueue(tasks, task);
    }

    private void enqueue(Queue<Task> queue, Task task) {
        if (stopping) {
            task.abandon();
            return;
        }
        if (!queue.offer(task)) {
            // only the bounded proposal queue refuses: the client hears etcd's "too many requests"
            task.future().completeExceptionally(EtcdErrors.tooManyRequests());
            return;
        }
        if (tasksDrained && queue.remove(task)) {
            task.abandon(); // close() emptied the queue already: nobody will run it
            return;
        }
        Thread d = driver;
        if (d != null) {
            LockSupport.unpark(d);
        }
    }

    private record PendingRead(CompletableFuture<Long> future, long issuedAt, long deadline) {
    }

    private record Waiter(CompletableFuture<byte[]> answer, long deadline) {
    }

    private record Transfer(long target, CompletableFuture<byte[]> answer, long deadline) {
    }

    private record WrittenSnapshot(Message message, Path file, Throwable failure) {
    }

    /** A membership request waiting for a snapshot write to end. */
    private record Deferred(String method, byte[] request, CompletableFuture<byte[]> answer) {
    }

    /** What peers send, handed to the driver. */
    private final class Peers implements Transport.Inbound {

        @Override
        public void onMessage(Message message) {
            if (message.type() == MessageType.SNAP) {
                return; // snapshots come with their bytes through onSnapshot only
            }
            enqueue(new Task(() -> {
                raw.step(message);
                if (message.from() == leaderId && message.from() != 0) {
                    lastLeaderContactTick = ticks;
                }
            }, null));
        }

        @Override
        public void onSnapshot(Message message, InputStream body) throws IOException {
            Path file = snapshots.temporary("receive-");
            try {
                Files.copy(body, file, StandardCopyOption.REPLACE_EXISTING);
                CompletableFuture<Void> done = onDriver(f -> {
                    try {
                        receiveSnapshot(message, file);
                        f.complete(null);
                    } catch (IOException e) {
                        f.completeExceptionally(e);
                    }
                });
                done.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while installing a snapshot", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } finally {
                deleteQuietly(file);
            }
        }

        @Override
        public CompletableFuture<byte[]> onCall(String method, byte[] request) {
            if (method.equals(CALL_MEMBERS)) {
                List<Member> known = members;
                long cluster = clusterId;
                return CompletableFuture.completedFuture(Wire.answer(Wire.bytes(out -> {
                    out.writeLong(cluster);
                    Wire.writeMembers(out, known);
                })));
            }
            CompletableFuture<byte[]> answer = onDriver(a -> {
                if (method.equals(CALL_WAS_REMOVED)) {
                    long asking = Wire.read(request, DataInputStream::readLong);
                    a.complete(Wire.answer(Wire.bytes(out -> out.writeBoolean(registry.wasRemoved(asking)))));
                } else if (isLeader()) {
                    serveAsLeader(method, request, a);
                } else {
                    a.complete(Wire.failure(EtcdErrors.notLeader()));
                }
            });
            return answer.exceptionally(e -> {
                if (e instanceof ConsensusException c) {
                    return Wire.failure(c);
                }
                LOG.log(Level.WARNING, "the call " + method + " failed", e);
                return Wire.failure(EtcdErrors.stopped());
            });
        }

        @Override
        public void onUnreachable(long peerId) {
            enqueue(new Task(() -> raw.reportUnreachable(peerId), null));
        }
    }
}
