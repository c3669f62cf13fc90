package io.kvorum.consensus.raft.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The Raft algorithm for one node: roles, terms, elections, replication, commit, reads,
 * configuration and leadership transfer. Everything happens in {@link #step} and {@link #tick};
 * what must leave the node is queued in {@link #messages} and {@link #readStates} for
 * {@link RawNode} to hand out in a {@link Ready}.
 *
 * <p>The structure and message flow follow etcd's raft.go, so its documentation and reasoning
 * apply here; see {@link RawNode} for the contract with the application.
 */
final class Raft {
    static final long NONE = 0;
    /** Marks a vote request as a leadership transfer: it bypasses the receivers' leader lease. */
    static final byte[] CAMPAIGN_TRANSFER = "transfer".getBytes(StandardCharsets.US_ASCII);

    final long id;
    private final RaftLog log;
    private final long maxSizePerMsg;
    private final int maxInflight;
    private final boolean checkQuorum;
    private final boolean preVote;
    private final int electionTimeout;
    private final int heartbeatTimeout;
    private final RandomGenerator random;

    private long term;
    private long vote;
    private long lead = NONE;
    private StateRole role = StateRole.FOLLOWER;
    private ProgressTracker tracker;
    private boolean learner;
    /** The member leadership is being handed to, while a transfer runs. */
    private long leadTransferee = NONE;
    /** Conf changes may be proposed only once the log is applied past this index (one change at a time). */
    private long pendingConfIndex;
    private final ReadIndexQueue readIndexQueue = new ReadIndexQueue();
    /** Reads that arrived before this leader committed an entry of its own term (its commit index may be stale). */
    private final List<Message> readsAwaitingTermCommit = new ArrayList<>();
    /** Reads were queued since the last heartbeat round was started for them. */
    private boolean readRoundDue;
    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;

    final List<Message> messages = new ArrayList<>();
    final List<ReadState> readStates = new ArrayList<>();

    Raft(RaftConfig config) {
        this.id = config.id();
        this.log = new RaftLog(config.storage(), config.maxSizePerMsg());
        this.maxSizePerMsg = config.maxSizePerMsg();
        this.maxInflight = config.maxInflightMsgs();
        this.checkQuorum = config.checkQuorum();
        this.preVote = config.preVote();
        this.electionTimeout = config.electionTick();
        this.heartbeatTimeout = config.heartbeatTick();
        this.random = config.random();
        this.tracker = new ProgressTracker(maxInflight);
        applyConfState(config.storage().confState());
        HardState hs = config.storage().hardState();
        if (!hs.isEmpty()) {
            if (hs.commit() > log.lastIndex()) {
                throw new IllegalStateException("stored commit " + hs.commit() + " is past the last index "
                        + log.lastIndex() + ": was the log truncated or lost?");
            }
            // A commit below the snapshot is a hard state older than the snapshot (a crash between
            // writing the two); the snapshot's index is committed, and the log already starts there.
            log.commitTo(hs.commit());
            term = hs.term();
            vote = hs.vote();
        }
        if (config.applied() > 0) {
            log.appliedTo(config.applied());
        }
        becomeFollower(term, NONE);
    }

    // ---- what the application reads

    RaftLog log() {
        return log;
    }

    HardState hardState() {
        return new HardState(term, vote, log.committed());
    }

    SoftState softState() {
        return new SoftState(lead, role);
    }

    ConfState confState() {
        return tracker.confState();
    }

    boolean isLearner() {
        return learner;
    }

    long leadTransferee() {
        return leadTransferee;
    }

    ProgressTracker tracker() {
        return tracker;
    }

    // ---- time

    void tick() {
        if (role == StateRole.LEADER) {
            tickHeartbeat();
        } else {
            tickElection();
        }
    }

    private void tickElection() {
        electionElapsed++;
        if (promotable() && electionElapsed >= randomizedElectionTimeout) {
            electionElapsed = 0;
            step(local(MessageType.HUP));
        }
    }

    private void tickHeartbeat() {
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= electionTimeout) {
            electionElapsed = 0;
            if (checkQuorum) {
                step(local(MessageType.CHECK_QUORUM));
            }
            // A transfer that did not finish within an election timeout has failed; take proposals again.
            if (role == StateRole.LEADER && leadTransferee != NONE) {
                leadTransferee = NONE;
            }
        }
        if (role != StateRole.LEADER) {
            return;
        }
        if (heartbeatElapsed >= heartbeatTimeout) {
            heartbeatElapsed = 0;
            step(local(MessageType.BEAT));
        }
    }

    private Message local(MessageType type) {
        return Message.builder(type).from(id).to(id).build();
    }

    // ---- role changes

    private void reset(long newTerm) {
        if (term != newTerm) {
            term = newTerm;
            vote = NONE;
        }
        lead = NONE;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        randomizedElectionTimeout = electionTimeout + random.nextInt(electionTimeout);
        leadTransferee = NONE;
        tracker.resetVotes();
        long last = log.lastIndex();
        tracker.visit((member, p) -> {
            p.match = member == id ? last : 0;
            p.next = last + 1;
            p.state = ProgressState.PROBE;
            p.probeSent = false;
            p.pendingSnapshot = 0;
            p.inflights.reset();
            p.recentActive = false;
        });
        pendingConfIndex = 0;
        readIndexQueue.clear();
        readsAwaitingTermCommit.clear();
        readRoundDue = false;
    }

    private void becomeFollower(long newTerm, long leader) {
        reset(newTerm);
        lead = leader;
        role = StateRole.FOLLOWER;
    }

    private void becomeCandidate() {
        if (role == StateRole.LEADER) {
            throw new IllegalStateException("leader cannot become candidate");
        }
        reset(term + 1);
        vote = id;
        role = StateRole.CANDIDATE;
    }

    /** Changes role only: a pre-candidate keeps its term and vote, so a lost pre-vote disturbs nobody. */
    private void becomePreCandidate() {
        if (role == StateRole.LEADER) {
            throw new IllegalStateException("leader cannot become pre-candidate");
        }
        tracker.resetVotes();
        lead = NONE;
        role = StateRole.PRE_CANDIDATE;
    }

    private void becomeLeader() {
        if (role == StateRole.FOLLOWER) {
            throw new IllegalStateException("follower cannot become leader without an election");
        }
        reset(term);
        lead = id;
        role = StateRole.LEADER;
        Progress self = tracker.progress(id);
        self.becomeReplicate();
        self.recentActive = true;
        // There may be an unapplied conf change in the log (scanning for it could be costly):
        // refuse new ones until everything up to here is applied.
        pendingConfIndex = log.lastIndex();
        appendEntries(List.of(LogEntry.proposal(EntryType.NORMAL, new byte[0])));
    }

    /** Whether this node may campaign: it is a voter in its configuration. */
    private boolean promotable() {
        return tracker.isVoter(id);
    }

    // ---- elections

    private void hup(boolean transfer) {
        if (role == StateRole.LEADER || !promotable() || hasUnappliedConfChanges()) {
            // With a conf change committed but not applied, votes would be counted under the
            // wrong configuration.
            return;
        }
        if (preVote && !transfer) {
            campaignPre();
        } else {
            campaign(transfer);
        }
    }

    private boolean hasUnappliedConfChanges() {
        if (log.applied() >= log.committed()) {
            return false;
        }
        for (LogEntry e : log.slice(Math.max(log.applied() + 1, log.firstIndex()), log.committed() + 1, Long.MAX_VALUE)) {
            if (e.type() == EntryType.CONF_CHANGE) {
                return true;
            }
        }
        return false;
    }

    private void campaignPre() {
        becomePreCandidate();
        // Asks as if for the next term, without moving to it.
        if (requestVotes(MessageType.PRE_VOTE, term + 1, false)) {
            campaign(false);
        }
    }

    private void campaign(boolean transfer) {
        becomeCandidate();
        if (requestVotes(MessageType.VOTE, term, transfer)) {
            becomeLeader();
        }
    }

    /** Votes for itself and asks every other voter; returns whether its own vote already wins. */
    private boolean requestVotes(MessageType type, long voteTerm, boolean transfer) {
        tracker.recordVote(id, true);
        if (tracker.tallyVotes() == VoteResult.WON) {
            return true;
        }
        for (long voter : tracker.voters()) {
            if (voter == id) {
                continue;
            }
            send(Message.builder(type).to(voter).term(voteTerm).index(log.lastIndex()).logTerm(log.lastTerm())
                    .context(transfer ? CAMPAIGN_TRANSFER : new byte[0]).build());
        }
        return false;
    }

    // ---- the message entry point

    void step(Message m) {
        if (m.term() > term && !acceptHigherTerm(m)) {
            return;
        }
        if (m.term() != 0 && m.term() < term) {
            answerStaleTerm(m);
            return;
        }
        switch (m.type()) {
            case HUP -> hup(false);
            case VOTE, PRE_VOTE -> answerVote(m);
            default -> {
                switch (role) {
                    case LEADER -> stepLeader(m);
                    case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
                    case FOLLOWER -> stepFollower(m);
                }
            }
        }
    }

    /** Handles a message from a higher term; returns whether to go on processing it. */
    private boolean acceptHigherTerm(Message m) {
        if (m.type().isVoteRequest()) {
            boolean force = Arrays.equals(m.context(), CAMPAIGN_TRANSFER);
            boolean inLease = checkQuorum && lead != NONE && electionElapsed < electionTimeout;
            if (!force && inLease) {
                // We heard from a leader within the election timeout: the candidate is the one
                // cut off. Ignoring it keeps a rejoining member from deposing a healthy leader.
                return false;
            }
        }
        if (m.type() == MessageType.PRE_VOTE) {
            return true; // answering a pre-vote never changes our term
        }
        if (m.type() == MessageType.PRE_VOTE_RESP && !m.reject()) {
            return true; // a grant carries the term we would move to if we win
        }
        boolean fromLeader = m.type() == MessageType.APP || m.type() == MessageType.HEARTBEAT
                || m.type() == MessageType.SNAP;
        becomeFollower(m.term(), fromLeader ? m.from() : NONE);
        return true;
    }

    private void answerStaleTerm(Message m) {
        if ((checkQuorum || preVote) && (m.type() == MessageType.HEARTBEAT || m.type() == MessageType.APP)) {
            // A leader of an old term that was cut off: with pre-vote or check-quorum we would
            // otherwise never answer it and it never learns our term. Tell it.
            send(Message.builder(MessageType.APP_RESP).to(m.from()).build());
        } else if (m.type() == MessageType.PRE_VOTE) {
            // Reject with our term, so a pre-candidate behind us catches up and stops asking.
            send(Message.builder(MessageType.PRE_VOTE_RESP).to(m.from()).term(term).reject(true).build());
        }
    }

    private void answerVote(Message m) {
        boolean canVote = vote == m.from()
                || (vote == NONE && lead == NONE)
                || (m.type() == MessageType.PRE_VOTE && m.term() > term);
        // A learner answers too: it may have been promoted without knowing yet. Its vote counts
        // only if the candidate's configuration has it as a voter.
        if (canVote && log.isUpToDate(m.index(), m.logTerm())) {
            send(Message.builder(m.type().voteResponse()).to(m.from()).term(m.term()).build());
            if (m.type() == MessageType.VOTE) {
                electionElapsed = 0;
                vote = m.from();
            }
        } else {
            send(Message.builder(m.type().voteResponse()).to(m.from()).term(term).reject(true).build());
        }
    }

    // ---- leader

    private void stepLeader(Message m) {
        switch (m.type()) {
            case BEAT -> {
                broadcastHeartbeat(readIndexQueue.lastContext());
                return;
            }
            case CHECK_QUORUM -> {
                if (!tracker.quorumActive(id)) {
                    becomeFollower(term, NONE);
                }
                tracker.visit((member, p) -> {
                    if (member != id) {
                        p.recentActive = false;
                    }
                });
                return;
            }
            case PROP -> {
                propose(m);
                return;
            }
            case READ_INDEX -> {
                readIndex(m);
                return;
            }
            default -> {
            }
        }
        Progress p = tracker.progress(m.from());
        if (p == null) {
            return; // from a member no longer in the configuration
        }
        switch (m.type()) {
            case APP_RESP -> handleAppendResponse(m, p);
            case HEARTBEAT_RESP -> handleHeartbeatResponse(m, p);
            case SNAP_STATUS -> {
                if (p.state != ProgressState.SNAPSHOT) {
                    return;
                }
                if (m.reject()) {
                    p.pendingSnapshot = 0;
                }
                p.becomeProbe();
                // Wait for the next heartbeat answer before probing: the follower may still be applying it.
                p.probeSent = true;
            }
            case UNREACHABLE -> {
                if (p.state == ProgressState.REPLICATE) {
                    p.becomeProbe();
                }
            }
            case TRANSFER_LEADER -> transferLeadership(m.from(), p);
            default -> {
            }
        }
    }

    private void propose(Message m) {
        if (m.entries().isEmpty()) {
            throw new IllegalArgumentException("a proposal needs entries");
        }
        if (tracker.progress(id) == null) {
            throw new RequestDroppedException("this member was removed from the configuration");
        }
        if (leadTransferee != NONE) {
            throw new RequestDroppedException("leadership is being transferred to " + leadTransferee);
        }
        List<LogEntry> entries = new ArrayList<>(m.entries());
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).type() != EntryType.CONF_CHANGE) {
                continue;
            }
            if (pendingConfIndex > log.applied()) {
                // One change at a time: keep the slot in the log, drop the change. Its proposer
                // never sees it applied and retries.
                entries.set(i, LogEntry.proposal(EntryType.NORMAL, new byte[0]));
            } else {
                pendingConfIndex = log.lastIndex() + i + 1;
            }
        }
        appendEntries(entries);
        broadcastAppend();
    }

    private void appendEntries(List<LogEntry> proposals) {
        long last = log.lastIndex();
        List<LogEntry> entries = new ArrayList<>(proposals.size());
        for (int i = 0; i < proposals.size(); i++) {
            entries.add(proposals.get(i).at(term, last + 1 + i));
        }
        last = log.append(entries);
        // The leader's own copy counts towards the quorum: nothing that depends on it being
        // durable leaves the node before the application has persisted this Ready's entries
        // (see Ready#sendableBeforePersisting).
        tracker.progress(id).maybeUpdate(last);
        maybeCommit();
    }

    private boolean maybeCommit() {
        return log.maybeCommit(tracker.committed(), term);
    }

    private boolean committedEntryInCurrentTerm() {
        return log.term(log.committed()) == term;
    }

    private void readIndex(Message m) {
        if (tracker.isSingleton()) {
            answerRead(m, log.committed());
            return;
        }
        if (!committedEntryInCurrentTerm()) {
            // Our commit index may lag what the previous leader committed until our first entry commits.
            readsAwaitingTermCommit.add(m);
            return;
        }
        readIndexQueue.add(log.committed(), m);
        readIndexQueue.ack(id, m.context());
        readRoundDue = true;
    }

    /**
     * Starts one heartbeat round for every read queued since the last call. Called when the
     * node's output is collected, so the reads of one batch share one quorum round.
     */
    void startReadRound() {
        if (readRoundDue && role == StateRole.LEADER) {
            broadcastHeartbeat(readIndexQueue.lastContext());
        }
        readRoundDue = false;
    }

    boolean readRoundDue() {
        return readRoundDue;
    }

    private void answerRead(Message request, long index) {
        if (request.from() == NONE || request.from() == id) {
            readStates.add(new ReadState(index, request.context()));
        } else {
            send(Message.builder(MessageType.READ_INDEX_RESP).to(request.from()).index(index)
                    .context(request.context()).build());
        }
    }

    private void releaseReadsAwaitingTermCommit() {
        if (readsAwaitingTermCommit.isEmpty() || !committedEntryInCurrentTerm()) {
            return;
        }
        List<Message> waiting = List.copyOf(readsAwaitingTermCommit);
        readsAwaitingTermCommit.clear();
        waiting.forEach(this::readIndex);
    }

    private void handleAppendResponse(Message m, Progress p) {
        p.recentActive = true;
        if (m.reject()) {
            long probeFrom = m.rejectHint();
            if (m.logTerm() > 0) {
                // The follower told us the term at its hint: skip every entry of ours above it.
                probeFrom = log.findConflictByTerm(m.rejectHint(), m.logTerm());
            }
            if (p.maybeDecrTo(m.index(), probeFrom)) {
                if (p.state == ProgressState.REPLICATE) {
                    p.becomeProbe();
                }
                sendAppend(m.from());
            }
            return;
        }
        boolean wasPaused = p.isPaused();
        if (!p.maybeUpdate(m.index())) {
            return;
        }
        switch (p.state) {
            case PROBE -> p.becomeReplicate();
            case SNAPSHOT -> {
                if (p.match + 1 >= log.firstIndex()) {
                    // Caught up past the compacted prefix: plain appends reach it again.
                    p.becomeProbe();
                    p.becomeReplicate();
                }
            }
            case REPLICATE -> p.inflights.freeLE(m.index());
        }
        if (maybeCommit()) {
            releaseReadsAwaitingTermCommit();
            broadcastAppend();
        } else if (wasPaused) {
            sendAppend(m.from());
        }
        // Pipelining: fill the window while the follower keeps acknowledging.
        while (maybeSendAppend(m.from(), false)) {
            // keep sending
        }
        if (m.from() == leadTransferee && p.match == log.lastIndex()) {
            sendTimeoutNow(m.from());
        }
    }

    private void handleHeartbeatResponse(Message m, Progress p) {
        p.recentActive = true;
        p.probeSent = false;
        if (p.state == ProgressState.REPLICATE && p.inflights.full()) {
            p.inflights.freeFirstOne();
        }
        if (p.match < log.lastIndex()) {
            sendAppend(m.from());
        }
        if (m.context().length == 0) {
            return;
        }
        if (!tracker.isQuorum(readIndexQueue.ack(m.from(), m.context()))) {
            return;
        }
        for (ReadIndexQueue.Pending done : readIndexQueue.release(m.context())) {
            answerRead(done.request(), done.index());
        }
    }

    private void transferLeadership(long transferee, Progress p) {
        if (p.learner) {
            return; // a learner cannot lead
        }
        if (leadTransferee != NONE) {
            if (leadTransferee == transferee) {
                return; // already under way
            }
            leadTransferee = NONE;
        }
        if (transferee == id) {
            return;
        }
        // The transfer must finish within an election timeout (see tickHeartbeat).
        electionElapsed = 0;
        leadTransferee = transferee;
        if (p.match == log.lastIndex()) {
            sendTimeoutNow(transferee);
        } else {
            sendAppend(transferee);
        }
    }

    private void sendTimeoutNow(long to) {
        send(Message.builder(MessageType.TIMEOUT_NOW).to(to).build());
    }

    // ---- sending the log

    private void broadcastAppend() {
        tracker.visit((member, p) -> {
            if (member != id) {
                sendAppend(member);
            }
        });
    }

    private void sendAppend(long to) {
        maybeSendAppend(to, true);
    }

    /**
     * Sends the follower the entries it lacks (or a snapshot when they were compacted), unless its
     * flow control holds it back.
     *
     * @param sendIfEmpty send even with no new entries (it carries the commit index)
     * @return whether a message was sent
     */
    private boolean maybeSendAppend(long to, boolean sendIfEmpty) {
        Progress p = tracker.progress(to);
        if (p.isPaused()) {
            return false;
        }
        long prevIndex = p.next - 1;
        long prevTerm;
        List<LogEntry> entries;
        try {
            prevTerm = log.term(prevIndex);
            entries = log.entriesFrom(p.next, maxSizePerMsg);
        } catch (CompactedException e) {
            return sendSnapshot(to, p);
        }
        if (entries.isEmpty() && !sendIfEmpty) {
            return false;
        }
        send(Message.builder(MessageType.APP).to(to).index(prevIndex).logTerm(prevTerm).entries(entries)
                .commit(log.committed()).build());
        p.sentEntries(entries.isEmpty() ? 0 : entries.get(entries.size() - 1).index());
        return true;
    }

    private boolean sendSnapshot(long to, Progress p) {
        if (!p.recentActive) {
            return false; // do not ship a whole snapshot to a member that may be down
        }
        Snapshot snapshot = log.snapshot();
        if (snapshot.isEmpty()) {
            throw new IllegalStateException("entries before " + log.firstIndex()
                    + " are compacted but there is no snapshot");
        }
        p.becomeSnapshot(snapshot.index());
        send(Message.builder(MessageType.SNAP).to(to).snapshot(snapshot).build());
        return true;
    }

    private void broadcastHeartbeat(byte[] context) {
        tracker.visit((member, p) -> {
            if (member != id) {
                // Never tell a follower a commit index beyond what it is known to have.
                send(Message.builder(MessageType.HEARTBEAT).to(member).commit(Math.min(p.match, log.committed()))
                        .context(context).build());
            }
        });
    }

    /**
     * Queues a message for the network. The sender is this node, except for a forwarded transfer
     * request, whose sender field names the transferee.
     */
    private void send(Message m) {
        Message.Builder b = m.toBuilder().from(m.from() == NONE ? id : m.from());
        boolean termSetByCaller = m.type().isVoteRequest() || m.type() == MessageType.VOTE_RESP
                || m.type() == MessageType.PRE_VOTE_RESP;
        if (termSetByCaller) {
            if (m.term() == 0) {
                throw new IllegalStateException(m.type() + " needs a term");
            }
        } else if (m.type() != MessageType.PROP && m.type() != MessageType.READ_INDEX) {
            // Proposals and reads forwarded to the leader carry no term: they are valid in any.
            b.term(term);
        }
        messages.add(b.build());
    }

    // ---- candidate and follower

    private void stepCandidate(Message m) {
        MessageType myVoteResponse = role == StateRole.PRE_CANDIDATE ? MessageType.PRE_VOTE_RESP
                : MessageType.VOTE_RESP;
        switch (m.type()) {
            case PROP -> throw new RequestDroppedException("no leader at term " + term);
            case READ_INDEX -> throw new RequestDroppedException("no leader at term " + term);
            case APP -> {
                becomeFollower(m.term(), m.from());
                handleAppend(m);
            }
            case HEARTBEAT -> {
                becomeFollower(m.term(), m.from());
                handleHeartbeat(m);
            }
            case SNAP -> {
                becomeFollower(m.term(), m.from());
                handleSnapshot(m);
            }
            default -> {
                if (m.type() != myVoteResponse) {
                    return;
                }
                tracker.recordVote(m.from(), !m.reject());
                switch (tracker.tallyVotes()) {
                    case WON -> {
                        if (role == StateRole.PRE_CANDIDATE) {
                            campaign(false);
                        } else {
                            becomeLeader();
                            broadcastAppend();
                        }
                    }
                    case LOST -> becomeFollower(term, NONE);
                    case PENDING -> {
                    }
                }
            }
        }
    }

    private void stepFollower(Message m) {
        switch (m.type()) {
            case PROP -> {
                requireLeader("proposal");
                send(m.toBuilder().to(lead).build());
            }
            case APP -> {
                electionElapsed = 0;
                lead = m.from();
                handleAppend(m);
            }
            case HEARTBEAT -> {
                electionElapsed = 0;
                lead = m.from();
                handleHeartbeat(m);
            }
            case SNAP -> {
                electionElapsed = 0;
                lead = m.from();
                handleSnapshot(m);
            }
            case TRANSFER_LEADER -> {
                if (lead != NONE) {
                    send(m.toBuilder().to(lead).build());
                }
            }
            case TIMEOUT_NOW -> hup(true);
            case READ_INDEX -> {
                requireLeader("read");
                send(m.toBuilder().to(lead).build());
            }
            case READ_INDEX_RESP -> readStates.add(new ReadState(m.index(), m.context()));
            default -> {
            }
        }
    }

    private void requireLeader(String what) {
        if (lead == NONE) {
            throw new RequestDroppedException("no leader at term " + term + " to forward the " + what + " to");
        }
    }

    private void handleAppend(Message m) {
        if (m.index() < log.committed()) {
            send(Message.builder(MessageType.APP_RESP).to(m.from()).index(log.committed()).build());
            return;
        }
        long lastNew = log.maybeAppend(m.index(), m.logTerm(), m.commit(), m.entries());
        if (lastNew >= 0) {
            send(Message.builder(MessageType.APP_RESP).to(m.from()).index(lastNew).build());
            return;
        }
        // Mismatch: hint the highest index that could match, with its term, so the leader can
        // skip a whole divergent term in one round trip.
        long hint = log.findConflictByTerm(Math.min(m.index(), log.lastIndex()), m.logTerm());
        long hintTerm;
        try {
            hintTerm = log.term(hint);
        } catch (CompactedException e) {
            hintTerm = 0;
        }
        send(Message.builder(MessageType.APP_RESP).to(m.from()).index(m.index()).reject(true).rejectHint(hint)
                .logTerm(hintTerm).build());
    }

    private void handleHeartbeat(Message m) {
        log.commitTo(m.commit());
        send(Message.builder(MessageType.HEARTBEAT_RESP).to(m.from()).context(m.context()).build());
    }

    private void handleSnapshot(Message m) {
        long answer = restore(m.snapshot()) ? log.lastIndex() : log.committed();
        send(Message.builder(MessageType.APP_RESP).to(m.from()).index(answer).build());
    }

    /** Takes a snapshot from the leader; returns whether it replaced the log. */
    private boolean restore(Snapshot s) {
        if (s.index() <= log.committed()) {
            return false;
        }
        if (!s.confState().contains(id)) {
            return false; // not ours: we are not in its configuration
        }
        if (log.matchTerm(s.index(), s.term())) {
            // We have that entry already: just learn it is committed, and keep our log.
            log.commitTo(s.index());
            return false;
        }
        log.restore(s);
        tracker = new ProgressTracker(maxInflight);
        applyConfState(s.confState());
        return true;
    }

    // ---- configuration

    private void applyConfState(ConfState cs) {
        long next = log.lastIndex() + 1;
        cs.voters().forEach(v -> tracker.makeVoter(v, next));
        cs.learners().forEach(l -> tracker.makeLearner(l, next));
        Progress self = tracker.progress(id);
        learner = self != null && self.learner;
    }

    /** Applies a committed configuration change; returns the configuration that results. */
    ConfState applyConfChange(ConfChange cc) {
        if (cc.nodeId() == NONE) {
            return tracker.confState();
        }
        long next = log.lastIndex() + 1;
        switch (cc.type()) {
            case ADD_NODE -> tracker.makeVoter(cc.nodeId(), next);
            case ADD_LEARNER_NODE -> tracker.makeLearner(cc.nodeId(), next);
            case REMOVE_NODE -> tracker.remove(cc.nodeId());
        }
        Progress self = tracker.progress(id);
        learner = self != null && self.learner;
        if (role != StateRole.LEADER) {
            return tracker.confState();
        }
        if (self == null || learner) {
            // A removed (or demoted) leader steps down; the others elect a leader among themselves.
            becomeFollower(term, NONE);
            return tracker.confState();
        }
        if (maybeCommit()) {
            // Removing a voter can shrink the quorum enough to commit what was waiting.
            broadcastAppend();
        } else {
            tracker.visit((member, p) -> {
                if (member != id) {
                    maybeSendAppend(member, false); // a new member starts receiving the log at once
                }
            });
        }
        if (leadTransferee != NONE && !tracker.isVoter(leadTransferee)) {
            leadTransferee = NONE;
        }
        return tracker.confState();
    }

    /** Accepts that the application applied entries up to {@code index}. */
    void appliedTo(long index) {
        log.appliedTo(index);
    }

    /** Appends the initial configuration of a new cluster as committed entries (etcd's bootstrap). */
    void bootstrap(List<ConfChange> changes) {
        if (log.lastIndex() != 0) {
            throw new IllegalStateException("cannot bootstrap a member that has a log");
        }
        becomeFollower(1, NONE);
        List<LogEntry> entries = new ArrayList<>();
        for (ConfChange change : changes) {
            entries.add(new LogEntry(1, entries.size() + 1, EntryType.CONF_CHANGE, Encoding.encode(change)));
        }
        log.append(entries);
        log.commitTo(entries.size());
        changes.forEach(this::applyConfChange);
    }

    /** The leader's view of how far each member's log matches its own; empty on other roles. */
    Map<Long, Long> matchIndexes() {
        Map<Long, Long> matches = new TreeMap<>();
        if (role == StateRole.LEADER) {
            tracker.visit((member, p) -> matches.put(member, p.match));
        }
        return matches;
    }

    @Override
    public String toString() {
        return id + " " + role + " t" + term + " lead=" + lead + " commit=" + log.committed() + " applied="
                + log.applied() + " last=" + log.lastIndex();
    }
}
