package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.ConfChange;
import io.kvorum.consensus.raft.core.ConfChangeType;
import io.kvorum.consensus.raft.core.RequestDroppedException;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.Member;
import java.io.DataInputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The membership side of a member, as etcd's {@code server.go} cluster calls: add, remove, update,
 * promote and leadership transfer, checked as etcd checks them and proposed on the leader (a
 * follower forwards them with {@code Transport.call}); the calls members make of each other
 * ({@code raft.members}, {@code raft.was-removed}); a member publishing its name and client URLs;
 * and learning that this member was removed. Applying a change is {@link Applier}'s.
 *
 * <p><b>Threads.</b> Owned by the driver thread: every method but {@link #onLeader} (which any
 * thread calls, and which hands its work to the driver) runs on it.
 */
final class MembershipCalls {
    private static final System.Logger LOG = System.getLogger(MembershipCalls.class.getName());

    // Calls between members (Transport.call), answered by PeerInbound.onCall.
    static final String CALL_MEMBERS = "raft.members";
    static final String CALL_ADD = "raft.member-add";
    static final String CALL_REMOVE = "raft.member-remove";
    static final String CALL_UPDATE = "raft.member-update";
    static final String CALL_PROMOTE = "raft.member-promote";
    static final String CALL_TRANSFER = "raft.transfer-leadership";
    static final String CALL_WAS_REMOVED = "raft.was-removed";

    /** etcd's readiness rule for promoting a learner: its log matches at least 90% of the leader's. */
    private static final double LEARNER_READY_PERCENT = 0.9;

    private final RaftNode node;
    private long requestSequence;
    private long lastPublishTick = Long.MIN_VALUE / 2;
    /** This process proposed the member's publication, and has not seen it applied. */
    private volatile boolean publishing;
    /** The last tick this member led or heard from the leader it knows. */
    long lastLeaderContactTick;
    private long lastRemovalQuestionTick = Long.MIN_VALUE / 2;
    private long lastRefusalQuestionTick = Long.MIN_VALUE / 2;

    MembershipCalls(RaftNode node) {
        this.node = node;
        this.requestSequence = node.driving.random().nextLong() & Long.MAX_VALUE;
    }

    /** Runs a request on the leader (here, or through a call to it) and decodes its answer. Any thread. */
    <T> CompletableFuture<T> onLeader(String method, byte[] request, Function<byte[], T> decode) {
        CompletableFuture<byte[]> answer = node.queue.call(a -> {
            if (node.isLeader()) {
                serveAsLeader(method, request, a);
            } else if (node.leaderId == 0) {
                a.complete(Wire.failure(EtcdErrors.noLeader()));
            } else {
                node.transport.call(node.leaderId, method, request).whenComplete((bytes, failure) -> {
                    if (failure != null) {
                        LOG.log(Level.DEBUG, "forwarding " + method + " to the leader failed", failure);
                        a.complete(Wire.failure(EtcdErrors.noLeader()));
                    } else if (changesMembers(method) && Wire.succeeded(bytes)) {
                        untilAppliedHere(bytes, a);
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

    private static boolean changesMembers(String method) {
        return method.equals(CALL_ADD) || method.equals(CALL_REMOVE) || method.equals(CALL_UPDATE)
                || method.equals(CALL_PROMOTE);
    }

    /**
     * A change the leader applied, answered to a client of this member: as in etcd, where the
     * member that took the request waits for its own apply, the answer waits until this member
     * has applied it too, so that its member list (which the answer carries) holds the change. The
     * leader's commit index, asked by a read index, is at or past the change's entry.
     */
    private void untilAppliedHere(byte[] leaderAnswer, CompletableFuture<byte[]> answer) {
        CompletableFuture<Long> readIndex = node.queue.call(node.pending::read);
        readIndex.whenComplete((index, failure) -> {
            if (failure != null) {
                answer.complete(Wire.failure(failure instanceof ConsensusException c ? c
                        : failure.getCause() instanceof ConsensusException c ? c : EtcdErrors.timeout()));
                return;
            }
            node.queue.<byte[]>call(f -> node.pending.awaitApplied(index, leaderAnswer, f)).whenComplete(
                    (bytes, late) -> answer.complete(late == null ? bytes : Wire.failure(EtcdErrors.stopped())));
        });
    }

    /** On the driver: a call from a peer (other than {@code raft.members}, answered off the driver). */
    void onCall(String method, byte[] request, CompletableFuture<byte[]> answer) {
        if (method.equals(CALL_WAS_REMOVED)) {
            long asking = Wire.read(request, DataInputStream::readLong);
            answer.complete(Wire.answer(Wire.bytes(out -> out.writeBoolean(node.registry.wasRemoved(asking)))));
        } else if (node.isLeader()) {
            serveAsLeader(method, request, answer);
        } else {
            answer.complete(Wire.failure(EtcdErrors.notLeader()));
        }
    }

    /** On the driver of the leader: checks a request as etcd does and proposes it; answers once applied. */
    void serveAsLeader(String method, byte[] request, CompletableFuture<byte[]> answer) {
        MemberRegistry registry = node.registry;
        boolean strict = node.settings.strictReconfigCheck();
        try {
            switch (method) {
                case CALL_ADD -> {
                    // etcd keeps a member's peer URLs sorted.
                    List<String> peerUrls = Wire.read(request, Wire::readStrings).stream().sorted().toList();
                    boolean asLearner = Wire.read(request, in -> {
                        Wire.readStrings(in);
                        return in.readBoolean();
                    });
                    Member m = new Member(MemberIds.newMemberId(peerUrls, "", node.driving.epochSecond()), "",
                            peerUrls, List.of(), asLearner);
                    Optional<ConsensusException> refusal = registry.refuseAdd(m);
                    if (refusal.isEmpty() && !asLearner && strict && !registry.readyToAddVoter()) {
                        refusal = Optional.of(EtcdErrors.notEnoughStartedMembers());
                    }
                    proposeChange(asLearner ? ConfChangeType.ADD_LEARNER_NODE : ConfChangeType.ADD_NODE, m, false,
                            refusal, answer);
                }
                case CALL_REMOVE -> {
                    long id = Wire.read(request, in -> in.readLong());
                    Optional<ConsensusException> refusal = registry.refuseRemove(id);
                    if (refusal.isEmpty() && strict && !registry.get(id).get().learner()
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
                    if (refusal.isEmpty() && strict && !registry.readyToPromote(id)) {
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
                    node.raw.propose(Wire.entry(Wire.UPDATE, Wire.bytes(out -> {
                        out.writeLong(requestId);
                        out.writeLong(id);
                        Wire.writeStrings(out, peerUrls);
                    })));
                    node.pending.await(requestId, answer);
                }
                case CALL_TRANSFER -> {
                    long target = Wire.read(request, in -> in.readLong());
                    if (target == node.memberId) {
                        answer.complete(Wire.answer(Wire.NO_DATA));
                    } else if (!node.raw.confState().voters().contains(target)) {
                        answer.complete(Wire.failure(EtcdErrors.badLeaderTransferee()));
                    } else {
                        node.raw.transferLeader(target);
                        node.pending.awaitLeader(target, answer);
                    }
                }
                default -> answer.complete(Wire.failure(new ConsensusException(ConsensusException.Reason.UNSUPPORTED,
                        "unknown call " + method)));
            }
        } catch (RequestDroppedException e) {
            answer.complete(Wire.failure(node.dropped()));
        }
    }

    private void proposeChange(ConfChangeType type, Member m, boolean promote, Optional<ConsensusException> refusal,
                               CompletableFuture<byte[]> answer) {
        if (refusal.isPresent()) {
            answer.complete(Wire.failure(refusal.get()));
            return;
        }
        long requestId = ++requestSequence;
        node.raw.proposeConfChange(new ConfChange(type, m.id(), new ChangeContext(requestId, promote, m).encode()));
        node.pending.await(requestId, answer);
    }

    /** etcd's isLearnerReady: the learner's log matches at least 90% of the leader's. */
    private boolean learnerReady(long id) {
        Map<Long, Long> matches = node.raw.matchIndexes();
        Long learnerMatch = matches.get(id);
        if (learnerMatch == null) {
            return true;
        }
        return learnerMatch >= matches.getOrDefault(node.memberId, 0L) * LEARNER_READY_PERCENT;
    }

    // ---- the registry and the transport's peers

    void membersChanged() {
        node.members = node.registry.list();
        node.transport.updateRemoved(node.registry.removedIds());
        updatePeers(node.registry.peers(node.memberId));
    }

    void updatePeers(Map<Long, List<URI>> peers) {
        try {
            node.transport.updatePeers(peers);
        } catch (IllegalArgumentException e) {
            // A URL this transport cannot dial (a change was committed, so it stands): that member
            // stays unreachable from here until its URLs are updated.
            LOG.log(Level.WARNING, "member " + RaftNode.hex(node.memberId) + " cannot reach every peer: "
                    + e.getMessage());
        }
    }

    Map<Long, List<URI>> peersOf(List<Member> list) {
        Map<Long, List<URI>> peers = new HashMap<>();
        list.stream().filter(m -> m.id() != node.memberId)
                .forEach(m -> peers.put(m.id(), m.peerUrls().stream().map(URI::create).toList()));
        return peers;
    }

    // ---- removal

    /** This member is no longer in the cluster: it serves nothing more, and the server stops. */
    void learnRemoved(String how, long delayMillis) {
        if (node.removed) {
            return;
        }
        node.removed = true;
        LOG.log(Level.WARNING, "member {0} was removed from the cluster ({1})", RaftNode.hex(node.memberId), how);
        // not on the driver: the server stops, which stops the driver
        node.removal.completeAsync(() -> null, CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS));
    }

    /**
     * A member removed while it could not hear of it (the leader stops sending to it once the
     * removal is applied, maybe before this member has it) hears from no leader: after two
     * election timeouts without a word from one (a learner never campaigns, so it may still name
     * the old leader), and as often after that, it asks the members it knows whether they removed
     * it, as etcd's peers tell a removed member when it dials them.
     */
    void maybeAskWhetherRemoved() {
        long ticks = node.ticks;
        if (node.removed || node.isLeader()) {
            lastLeaderContactTick = ticks;
            return;
        }
        int electionTick = node.options.electionTick();
        if (ticks - lastLeaderContactTick < 2L * electionTick || ticks - lastRemovalQuestionTick < 2L * electionTick) {
            return;
        }
        lastRemovalQuestionTick = ticks;
        for (long peer : peersOf(node.members).keySet()) {
            ask(peer);
        }
    }

    /**
     * A peer refused this member's stream as a removed member's, as etcd's peers answer one with
     * {@code 410 Gone}: it is asked whether it removed this member (at most once an election
     * timeout), which ends this member if so. That is how the old members of a cluster recovered
     * with {@code --force-new-cluster} stop, though the two of them still make a quorum of their
     * old configuration.
     */
    void askWhetherRemoved(long peer) {
        long ticks = node.ticks;
        if (node.removed || ticks - lastRefusalQuestionTick < node.options.electionTick()) {
            return;
        }
        lastRefusalQuestionTick = ticks;
        ask(peer);
    }

    private void ask(long peer) {
        byte[] question = Wire.bytes(out -> out.writeLong(node.memberId));
        node.transport.call(peer, CALL_WAS_REMOVED, question).thenAccept(answer -> {
            if (Wire.read(Wire.body(answer), DataInputStream::readBoolean)) {
                node.queue.call(done -> {
                    learnRemoved("member " + RaftNode.hex(peer) + " says so", 0);
                    done.complete(null);
                });
            }
        });
    }

    /**
     * etcd's line once this member's own publication, proposed by this process, is applied
     * (not again when a restart replays it).
     */
    void published(long id, String name, List<String> clientUrls) {
        if (id != node.memberId) {
            return;
        }
        node.registry.get(id).ifPresent(this::markPublishedIfShown);
        if (!publishing) {
            return;
        }
        publishing = false;
        LOG.log(Level.INFO, "published local member to cluster through raft",
                Map.entry("local-member-id", RaftNode.hex(id)),
                Map.entry("local-member-attributes", "{Name:" + name + " ClientURLs:[" + String.join(" ", clientUrls) + "]}"),
                Map.entry("request-path", "/0/members/" + RaftNode.hex(id) + "/attributes"),
                Map.entry("cluster-id", RaftNode.hex(node.clusterId)));
    }

    /** Whether {@code me}, this member's registry entry, shows its own name and client URLs; completes {@link RaftNode#published} if so. */
    private boolean markPublishedIfShown(Member me) {
        Member self = node.cluster.self();
        boolean shown = me.name().equals(self.name()) && me.clientUrls().equals(self.clientUrls());
        if (shown && !node.published.isDone()) {
            node.published.completeAsync(() -> null); // its waiters never run on the driver
        }
        return shown;
    }

    /** A new leader: a publication forwarded to the last one may have been dropped, so it is proposed again at once. */
    void leaderChanged() {
        lastPublishTick = Long.MIN_VALUE / 2;
        maybePublish();
    }

    /**
     * Once a leader is known, proposes this member's name and client URLs until the registry
     * shows them; once it does, completes {@link RaftNode#published} (at once at a restart that
     * finds them in the log already).
     */
    void maybePublish() {
        Optional<Member> me = node.registry.get(node.memberId);
        if (node.removed || me.isEmpty() || markPublishedIfShown(me.get())) {
            return;
        }
        long ticks = node.ticks;
        if (node.leaderId == 0 || ticks - lastPublishTick < node.options.requestTimeoutTicks() / 2) {
            return;
        }
        Member self = node.cluster.self();
        lastPublishTick = ticks;
        publishing = true;
        try {
            node.raw.propose(Wire.entry(Wire.PUBLISH, Wire.bytes(out -> {
                out.writeLong(node.memberId);
                out.writeUTF(self.name());
                Wire.writeStrings(out, self.clientUrls());
            })));
        } catch (RequestDroppedException e) {
            lastPublishTick = Long.MIN_VALUE / 2; // try again at the next tick
        }
    }
}
