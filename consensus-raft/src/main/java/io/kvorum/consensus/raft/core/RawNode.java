package io.kvorum.consensus.raft.core;

import java.util.List;
import java.util.Map;

/**
 * The face of the Raft core towards the code that drives it (etcd's RawNode). One thread owns a
 * RawNode and calls it in a loop:
 * <pre>
 *   on a clock tick:        node.tick()
 *   on a peer's message:    node.step(message)
 *   on a client request:    node.propose(bytes) / node.readIndex(context) / ...
 *   when node.hasReady():   Ready rd = node.ready(); handle rd as its javadoc says; node.advance(rd)
 * </pre>
 * Nothing here blocks, does I/O or reads a clock; all randomness comes from the configured
 * generator. {@link #ready()} and {@link #advance} alternate strictly; other calls may come in
 * between and their effects show in the next Ready.
 */
public final class RawNode {
    private final Raft raft;
    private SoftState prevSoftState;
    private HardState prevHardState;
    private Ready outstanding;

    public RawNode(RaftConfig config) {
        raft = new Raft(config);
        prevSoftState = raft.softState();
        prevHardState = raft.hardState();
    }

    /**
     * Starts a new cluster's member on empty storage: the initial voters become the first entries
     * of the log, committed, as etcd does, so members that join later learn them from the log.
     */
    public void bootstrap(List<Long> voters) {
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one voter");
        }
        bootstrapWith(voters.stream().map(v -> new ConfChange(ConfChangeType.ADD_NODE, v)).toList());
    }

    /**
     * Like {@link #bootstrap(List)}, with the initial members' changes given whole, so their
     * contexts (the application's description of each member) are in the log for members that
     * join later. Each change must add a voter.
     */
    public void bootstrapWith(List<ConfChange> changes) {
        if (changes.isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one voter");
        }
        for (ConfChange c : changes) {
            if (c.type() != ConfChangeType.ADD_NODE || c.nodeId() == 0) {
                throw new IllegalArgumentException("the initial configuration holds voters only, got " + c);
            }
        }
        raft.bootstrap(changes);
        prevHardState = HardState.EMPTY; // so the first Ready persists the bootstrap state
    }

    /** Advances the logical clock by one tick: drives elections and heartbeats. */
    public void tick() {
        raft.tick();
    }

    /**
     * Fast-forwards the logical clock by {@code ticks} ticks at once (etcd's advanceTicks), so the
     * first election comes sooner after a start; the driver decides when that is safe. The timer
     * is only moved forward: a member that has heard from a leader resets it as usual.
     */
    public void advanceTicks(int ticks) {
        if (ticks < 0) {
            throw new IllegalArgumentException("cannot advance by " + ticks + " ticks");
        }
        for (int i = 0; i < ticks; i++) {
            raft.tick();
        }
    }

    /** Campaigns now, as if the election timer fired. */
    public void campaign() {
        raft.step(Message.builder(MessageType.HUP).build());
    }

    /**
     * Proposes data for the log. Acceptance here means it was appended or forwarded, not that it
     * will commit: the application learns that when the entry comes back to be applied.
     *
     * @throws RequestDroppedException when there is nowhere to send it
     */
    public void propose(byte[] data) {
        raft.step(Message.builder(MessageType.PROP).entries(List.of(LogEntry.proposal(EntryType.NORMAL, data)))
                .build());
    }

    /** Proposes a configuration change; the leader drops it (keeping an empty entry) while another is pending. */
    public void proposeConfChange(ConfChange change) {
        raft.step(Message.builder(MessageType.PROP)
                .entries(List.of(LogEntry.proposal(EntryType.CONF_CHANGE, Encoding.encode(change)))).build());
    }

    /**
     * Applies a committed configuration change: the application calls this when it applies the
     * entry (with node id 0 if it refuses the change, to keep every member in step).
     */
    public ConfState applyConfChange(ConfChange change) {
        return raft.applyConfChange(change);
    }

    /** Feeds a message from a peer. Local message types are refused: use the dedicated methods. */
    public void step(Message m) {
        if (m.type().isLocal()) {
            throw new IllegalArgumentException("local message " + m.type() + " cannot be stepped from outside");
        }
        if (m.type().isResponse() && raft.tracker().progress(m.from()) == null) {
            return; // a response from a member that is not (or no longer) in the configuration
        }
        raft.step(m);
    }

    /**
     * Asks for a linearizable read. A {@link ReadState} with the same context comes back in a
     * later Ready; reads started close together are confirmed by one heartbeat round.
     *
     * @param context identifies the request; unique among pending requests
     * @throws RequestDroppedException when there is no leader to ask
     */
    public void readIndex(byte[] context) {
        raft.step(Message.builder(MessageType.READ_INDEX).context(context).build());
    }

    /** Asks the leader to hand leadership to {@code transferee}; forwarded when this node is not the leader. */
    public void transferLeader(long transferee) {
        raft.step(Message.builder(MessageType.TRANSFER_LEADER).from(transferee).build());
    }

    /** The transport failed to deliver to {@code peer}: the leader stops streaming to it and probes. */
    public void reportUnreachable(long peer) {
        raft.step(Message.builder(MessageType.UNREACHABLE).from(peer).to(raft.id).build());
    }

    /** The transport finished sending a snapshot to {@code peer} (or failed to). */
    public void reportSnapshot(long peer, boolean delivered) {
        raft.step(Message.builder(MessageType.SNAP_STATUS).from(peer).to(raft.id).reject(!delivered).build());
    }

    public boolean hasReady() {
        if (!raft.softState().equals(prevSoftState)) {
            return true;
        }
        HardState hs = raft.hardState();
        if (!hs.isEmpty() && !hs.equals(prevHardState)) {
            return true;
        }
        RaftLog log = raft.log();
        return log.hasUnstable() || !raft.messages.isEmpty() || !raft.readStates.isEmpty()
                || log.hasNextCommittedEntries() || raft.readRoundDue();
    }

    /** Collects what needs doing; call {@link #advance} when done before asking again. */
    public Ready ready() {
        if (outstanding != null) {
            throw new IllegalStateException("the previous Ready was not advanced");
        }
        raft.startReadRound();
        RaftLog log = raft.log();
        SoftState soft = raft.softState();
        HardState hard = raft.hardState();
        HardState changed = hard.equals(prevHardState) ? HardState.EMPTY : hard;
        List<LogEntry> entries = log.unstableEntries();
        boolean mustSync = !entries.isEmpty() || hard.term() != prevHardState.term()
                || hard.vote() != prevHardState.vote();
        Ready rd = new Ready(soft, changed, raft.readStates, entries, log.unstableSnapshot(),
                log.nextCommittedEntries(), raft.messages, mustSync);
        raft.messages.clear();
        raft.readStates.clear();
        prevSoftState = soft;
        outstanding = rd;
        return rd;
    }

    /** Tells the node the Ready was handled: persisted, sent and applied. */
    public void advance(Ready rd) {
        if (rd != outstanding) {
            throw new IllegalStateException("advancing a Ready that is not the outstanding one");
        }
        outstanding = null;
        if (!rd.hardState().isEmpty()) {
            prevHardState = rd.hardState();
        }
        RaftLog log = raft.log();
        if (!rd.snapshot().isEmpty()) {
            log.stableSnapTo(rd.snapshot().index());
            raft.appliedTo(rd.snapshot().index());
        }
        if (!rd.entries().isEmpty()) {
            LogEntry last = rd.entries().get(rd.entries().size() - 1);
            log.stableTo(last.index(), last.term());
        }
        if (!rd.committedEntries().isEmpty()) {
            raft.appliedTo(rd.committedEntries().get(rd.committedEntries().size() - 1).index());
        }
    }

    public Status status() {
        return new Status(raft.id, raft.hardState(), raft.softState(), raft.log().applied(), raft.isLearner(),
                raft.leadTransferee());
    }

    /**
     * On the leader, the highest log index known to match its own for each member (itself
     * included); empty when this node is not the leader.
     */
    public Map<Long, Long> matchIndexes() {
        return raft.matchIndexes();
    }

    /** The configuration this node works with now (including changes applied since the last snapshot). */
    public ConfState confState() {
        return raft.confState();
    }
}
