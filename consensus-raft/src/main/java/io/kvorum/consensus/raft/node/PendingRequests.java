package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.ReadState;
import io.kvorum.consensus.raft.core.RequestDroppedException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Requests a member's driver holds until the log answers them, each with its deadline in ticks:
 * proposals parked while no leader is known, reads waiting for their read index, membership
 * requests waiting for their entry to be applied (waiters), and leadership transfers waiting for
 * the new leader. As etcd's {@code wait} and its request timeout.
 *
 * <p><b>Threads.</b> Owned by the driver thread; every method runs on it.
 */
final class PendingRequests {
    private static final int MAX_PARKED_PROPOSALS = 4096;

    private final RaftNode node;
    /**
     * Proposals made while this member knows no leader. As in etcd they wait for one, until the
     * request timeout, rather than fail at once: a client writing during an election sees a
     * slower answer, not an error. Oldest first, so their deadlines are in order.
     */
    private final ArrayDeque<ParkedProposal> parked = new ArrayDeque<>();
    /**
     * Reads not yet asked for: they wait for the read index asked for now to be answered, and
     * then share the next one (as etcd's linearizable read loop batches them). Oldest first.
     */
    private final List<WaitingRead> unsent = new ArrayList<>();
    /** The read index asked for and not yet answered, or null. */
    private ReadBatch asked;
    private final Map<Long, Waiter> waiters = new HashMap<>();
    private final List<Transfer> transfers = new ArrayList<>();
    /** Answers held until this member has applied up to an index, in no order (few at a time). */
    private final List<AppliedWaiter> appliedWaiters = new ArrayList<>();
    private long readSequence;

    private record ParkedProposal(byte[] entry, CompletableFuture<Void> future, long deadline) {
    }

    private record WaitingRead(CompletableFuture<Long> future, long deadline) {
    }

    /**
     * The reads that share the read index of request {@code id}, asked for at tick {@code askedAt}
     * of {@code leader}; {@code reads} is the batch's own list, whose expired reads leave it.
     */
    private record ReadBatch(long id, List<WaitingRead> reads, long askedAt, long leader) {
    }

    private record Waiter(CompletableFuture<byte[]> answer, long deadline) {
    }

    private record Transfer(long target, CompletableFuture<byte[]> answer, long deadline) {
    }

    private record AppliedWaiter(long index, byte[] result, CompletableFuture<byte[]> answer, long deadline) {
    }

    PendingRequests(RaftNode node) {
        this.node = node;
    }

    private long deadline() {
        return node.ticks + node.options.requestTimeoutTicks();
    }

    // ---- proposals

    /** A client proposal (an entry framed already): to the core now, or parked until a leader is known. */
    void propose(byte[] entry, CompletableFuture<Void> future) {
        proposeParked();
        if (!parked.isEmpty()) {
            park(entry, future);
            return;
        }
        try {
            node.raw.propose(entry);
            future.complete(null);
        } catch (RequestDroppedException e) {
            park(entry, future);
        }
    }

    /** A proposal waiting for a leader; fails with "no leader" when too many wait already or the member left. */
    private void park(byte[] entry, CompletableFuture<Void> future) {
        if (node.removed || node.leaderId != 0 || parked.size() >= MAX_PARKED_PROPOSALS) {
            future.completeExceptionally(node.dropped());
            return;
        }
        parked.add(new ParkedProposal(entry, future, deadline()));
    }

    /** Proposes what waited for a leader, once there is one; fails what waited past the request timeout. */
    void proposeParked() {
        while (!parked.isEmpty()) {
            ParkedProposal p = parked.peek();
            if (node.ticks >= p.deadline()) {
                parked.poll();
                p.future().completeExceptionally(EtcdErrors.timeout());
                continue;
            }
            if (node.leaderId == 0) {
                return;
            }
            try {
                node.raw.propose(p.entry());
            } catch (RequestDroppedException e) {
                return;
            }
            parked.poll();
            p.future().complete(null);
        }
    }

    // ---- reads

    /**
     * A read waiting for a read index: the next one asked for, which reflects every commit
     * acknowledged before it is asked. A read may join only a request not yet sent: the answer to
     * one sent before it arrived could miss a write acknowledged in between.
     */
    void read(CompletableFuture<Long> future) {
        if (node.removed) {
            future.completeExceptionally(node.dropped());
            return;
        }
        unsent.add(new WaitingRead(future, deadline()));
    }

    /**
     * Asks for one read index for every read waiting, unless one asked for is still unanswered
     * (those reads then share the next). The driver calls it after each round of its queue and
     * after each Ready, so a batch answered in a Ready lets the next go at once.
     */
    void askForReads() {
        if (unsent.isEmpty() || asked != null) {
            return;
        }
        List<WaitingRead> batch = new ArrayList<>(unsent);
        unsent.clear();
        ask(batch);
    }

    /** Asks the core for a read index for {@code batch} under a new request id (answers to an older one are ignored). */
    private void ask(List<WaitingRead> batch) {
        long id = ++readSequence;
        asked = new ReadBatch(id, batch, node.ticks, node.leaderId);
        try {
            node.raw.readIndex(context(id));
        } catch (RequestDroppedException e) {
            if (node.removed || node.leaderId != 0) {
                asked = null;
                batch.forEach(r -> r.future().completeExceptionally(node.dropped()));
            }
            // no leader yet: asked again on the retry ticks until one answers or the deadlines pass
        }
    }

    /**
     * Asks again for the reads of the unanswered request and for those waiting behind it, all
     * of which arrived before this new request is sent.
     */
    private void askAgain(List<WaitingRead> batch) {
        batch.addAll(unsent);
        unsent.clear();
        ask(batch);
    }

    /** Answers the reads of this member among a Ready's read states. */
    void readStates(List<ReadState> states) {
        for (ReadState rs : states) {
            ByteBuffer context = ByteBuffer.wrap(rs.context());
            if (asked != null && rs.context().length == 16 && context.getLong() == node.memberId
                    && context.getLong() == asked.id()) {
                List<WaitingRead> answered = asked.reads();
                asked = null;
                answered.forEach(r -> r.future().complete(rs.index()));
            }
        }
    }

    /** A read's context: the leader queues reads of every member by it, so it names this member too. */
    private byte[] context(long readId) {
        return ByteBuffer.allocate(16).putLong(node.memberId).putLong(readId).array();
    }

    // ---- membership requests and transfers

    /** {@code answer} waits for the entry of {@code requestId} to be applied. */
    void await(long requestId, CompletableFuture<byte[]> answer) {
        waiters.put(requestId, new Waiter(answer, deadline()));
    }

    /** The entry of {@code requestId} was applied (or refused) with this answer. */
    void answer(long requestId, byte[] answer) {
        Waiter w = waiters.remove(requestId);
        if (w != null) {
            w.answer().complete(answer);
        }
    }

    /**
     * {@code answer} completes with {@code result} once this member has applied up to {@code index}
     * (its registry and member list then hold what the leader's did), or times out.
     */
    void awaitApplied(long index, byte[] result, CompletableFuture<byte[]> answer) {
        if (node.applied >= index) {
            answer.complete(result);
        } else {
            appliedWaiters.add(new AppliedWaiter(index, result, answer, deadline()));
        }
    }

    /** This member has applied up to {@code index}, member list included. */
    void applied(long index) {
        for (Iterator<AppliedWaiter> it = appliedWaiters.iterator(); it.hasNext(); ) {
            AppliedWaiter w = it.next();
            if (w.index() <= index) {
                it.remove();
                w.answer().complete(w.result());
            }
        }
    }

    /** {@code answer} waits until {@code target} leads. */
    void awaitLeader(long target, CompletableFuture<byte[]> answer) {
        transfers.add(new Transfer(target, answer, deadline()));
    }

    /** The leader is now {@code leader}: the transfers to it are done. */
    void leaderIs(long leader) {
        if (asked != null && leader != 0 && leader != asked.leader()) {
            askAgain(asked.reads()); // asked of no leader, or of one that may never answer
        }
        for (Iterator<Transfer> it = transfers.iterator(); it.hasNext(); ) {
            Transfer t = it.next();
            if (t.target() == leader) {
                it.remove();
                t.answer().complete(Wire.answer(Wire.NO_DATA));
            }
        }
    }

    // ---- deadlines

    /** On every tick: reads asked again when unanswered, and whatever passed its deadline fails. */
    void tick() {
        long ticks = node.ticks;
        failExpired(unsent, ticks);
        if (asked != null) {
            failExpired(asked.reads(), ticks);
            if (asked.reads().isEmpty()) {
                asked = null;
            } else if (ticks - asked.askedAt() >= node.options.readRetryTicks()) {
                askAgain(asked.reads()); // the request or its answer may have been lost
            }
        }
        for (Iterator<Waiter> it = waiters.values().iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (ticks >= w.deadline()) {
                it.remove();
                w.answer().complete(Wire.failure(EtcdErrors.timeout()));
            }
        }
        for (Iterator<AppliedWaiter> it = appliedWaiters.iterator(); it.hasNext(); ) {
            AppliedWaiter w = it.next();
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
    }

    private static void failExpired(List<WaitingRead> reads, long ticks) {
        for (Iterator<WaitingRead> it = reads.iterator(); it.hasNext(); ) {
            WaitingRead r = it.next();
            if (ticks >= r.deadline()) {
                it.remove();
                r.future().completeExceptionally(EtcdErrors.timeout());
            }
        }
    }

    /** The member stops: everything waiting fails with "server stopped". */
    void failAll() {
        parked.forEach(p -> p.future().completeExceptionally(EtcdErrors.stopped()));
        parked.clear();
        unsent.forEach(r -> r.future().completeExceptionally(EtcdErrors.stopped()));
        unsent.clear();
        if (asked != null) {
            asked.reads().forEach(r -> r.future().completeExceptionally(EtcdErrors.stopped()));
            asked = null;
        }
        waiters.values().forEach(w -> w.answer().complete(Wire.failure(EtcdErrors.stopped())));
        waiters.clear();
        transfers.forEach(t -> t.answer().complete(Wire.failure(EtcdErrors.stopped())));
        transfers.clear();
        appliedWaiters.forEach(w -> w.answer().complete(Wire.failure(EtcdErrors.stopped())));
        appliedWaiters.clear();
    }
}
