package io.kvorum.consensus.raft.simulation;

import io.kvorum.consensus.raft.core.ConfChange;
import io.kvorum.consensus.raft.core.ConfState;
import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.HardState;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.MemoryStorage;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.RaftConfig;
import io.kvorum.consensus.raft.core.RawNode;
import io.kvorum.consensus.raft.core.Ready;
import io.kvorum.consensus.raft.core.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * One simulated member: its disk (a {@link MemoryStorage} that survives crashes), and while it
 * runs, its Raft node and key-value store. It handles each {@link Ready} in the order the core's
 * contract asks for, and snapshots and compacts its log now and then.
 */
final class SimNode {
    static final int ELECTION_TICK = 10;
    static final int HEARTBEAT_TICK = 1;
    private static final int SNAPSHOT_EVERY = 25;
    private static final int KEEP_AFTER_COMPACTION = 5;

    /** One applied entry, and the configuration change it made (if a conf change entry). */
    record Applied(LogEntry entry, ConfChange confChange) {
    }

    /** What handling one Ready produced. */
    record Outcome(Ready ready, List<Applied> applied) {
    }

    final long id;
    private MemoryStorage disk;
    private RawNode raft;
    private KvStore kv;
    private ConfState conf = ConfState.EMPTY;
    private long applied;
    private int incarnation;
    private boolean removed;

    private SimNode(long id) {
        this.id = id;
        this.disk = new MemoryStorage();
    }

    /** A member of the initial configuration. */
    static SimNode bootstrap(long id, List<Long> voters, RandomGenerator random) {
        SimNode n = new SimNode(id);
        n.start(random);
        n.raft.bootstrap(voters);
        return n;
    }

    /** A member joining a running cluster: empty, it learns everything from the leader. */
    static SimNode joining(long id, RandomGenerator random) {
        SimNode n = new SimNode(id);
        n.start(random);
        return n;
    }

    private void start(RandomGenerator random) {
        Snapshot s = disk.snapshot();
        kv = KvStore.restore(s.data());
        conf = s.confState();
        applied = s.index();
        // Small messages and a small window, so splitting and flow control happen all the time.
        raft = new RawNode(new RaftConfig(id, ELECTION_TICK, HEARTBEAT_TICK, disk, s.index(), 256, 4, true, true,
                random));
        incarnation++;
    }

    boolean isUp() {
        return raft != null;
    }

    boolean isRemoved() {
        return removed;
    }

    RawNode raft() {
        return raft;
    }

    KvStore kv() {
        return kv;
    }

    MemoryStorage disk() {
        return disk;
    }

    long applied() {
        return applied;
    }

    int incarnation() {
        return incarnation;
    }

    /** Stops the member, losing everything not on its disk. */
    void crash() {
        raft = null;
        kv = null;
    }

    /** Stops the member for good: it was removed from the cluster. */
    void remove() {
        crash();
        removed = true;
    }

    void restart(RandomGenerator random, Fault fault) {
        if (fault == Fault.FORGET_VOTE) {
            HardState hs = disk.hardState();
            disk.setHardState(new HardState(hs.term(), 0, hs.commit()));
        } else if (fault == Fault.AMNESIA) {
            disk = new MemoryStorage();
        }
        start(random);
    }

    /**
     * Crashes while persisting the next Ready, as a crash during the WAL write would: a prefix of
     * its records reaches the disk (snapshot, then entries; the hard state is written last and
     * is lost). Of its messages, only those a leader sends before persisting have left (to
     * {@code send}, before anything reaches the disk), as the real driver sends them.
     */
    void crashWhilePersisting(RandomGenerator random, Consumer<Message> send) {
        Ready rd = raft.ready();
        rd.messages().subList(0, rd.sendableBeforePersisting(disk.lastIndex())).forEach(send);
        boolean snapshotKept = rd.snapshot().isEmpty() || random.nextBoolean();
        if (!rd.snapshot().isEmpty() && snapshotKept) {
            disk.applySnapshot(rd.snapshot());
        }
        if (snapshotKept && !rd.entries().isEmpty()) {
            disk.append(rd.entries().subList(0, random.nextInt(rd.entries().size() + 1)));
        }
        crash();
    }

    Outcome handleReady() {
        Ready rd = raft.ready();
        // 1. Persist.
        if (!rd.snapshot().isEmpty()) {
            disk.applySnapshot(rd.snapshot());
        }
        disk.append(rd.entries());
        if (!rd.hardState().isEmpty()) {
            disk.setHardState(rd.hardState());
        }
        // 2. (The caller sends rd.messages() once this returns.) 3. Apply.
        if (!rd.snapshot().isEmpty()) {
            kv = KvStore.restore(rd.snapshot().data());
            conf = rd.snapshot().confState();
            applied = rd.snapshot().index();
        }
        List<Applied> done = new ArrayList<>();
        for (LogEntry e : rd.committedEntries()) {
            ConfChange change = null;
            if (e.type() == EntryType.CONF_CHANGE) {
                change = admissible(Encoding.decodeConfChange(e.data()));
                conf = raft.applyConfChange(change);
            } else if (e.data().length > 0) {
                kv.apply(KvCommand.decode(e.data()));
            }
            applied = e.index();
            done.add(new Applied(e, change));
        }
        raft.advance(rd);
        maybeSnapshot();
        return new Outcome(rd, done);
    }

    /**
     * The change itself, or a no-op when it no longer makes sense against the applied
     * configuration (as etcd's server checks): the same on every member, since it depends only
     * on the applied log.
     */
    private ConfChange admissible(ConfChange c) {
        boolean ok = switch (c.type()) {
            case ADD_LEARNER_NODE -> !conf.contains(c.nodeId());
            case ADD_NODE -> !conf.voters().contains(c.nodeId()); // a new voter, or a learner's promotion
            case REMOVE_NODE -> conf.learners().contains(c.nodeId())
                    || conf.voters().contains(c.nodeId()) && conf.voters().size() > 3;
        };
        return ok ? c : new ConfChange(c.type(), 0);
    }

    private void maybeSnapshot() {
        if (applied - disk.snapshot().index() < SNAPSHOT_EVERY) {
            return;
        }
        disk.createSnapshot(applied, conf, kv.snapshot());
        long compactTo = applied - KEEP_AFTER_COMPACTION;
        if (compactTo >= disk.firstIndex()) {
            disk.compact(compactTo);
        }
    }

    /** A snapshot of the state as applied now, for a member that needs one (see {@link Ready}). */
    Snapshot currentSnapshot() {
        return new Snapshot(applied, disk.term(applied), conf, kv.snapshot());
    }

    ConfState conf() {
        return conf;
    }

    @Override
    public String toString() {
        return isUp() ? raft.status().toString() : "node " + id + (removed ? " removed" : " down");
    }
}
