package io.kvorum.consensus.raft.node;

import java.lang.System.Logger.Level;
import io.kvorum.consensus.raft.transport.RateLimitedLog;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The hand-over of work to a member's driver, with admission control: peer messages, calls and
 * everything else wait in one queue taken first in each round, so that votes, heartbeats and
 * their answers never wait behind client load; client proposals wait in a bounded intake
 * ({@value #MAX_QUEUED_PROPOSALS}) taken after it, and beyond it fail at once with etcd's "too
 * many requests". Raft messages from each peer are bounded too ({@value #MAX_QUEUED_PER_PEER}
 * waiting, etcd's receive buffer): beyond it they are dropped, as etcd drops them when its buffer
 * is full, which Raft tolerates (a leader probes and resends, elections time out again), so a
 * peer that sends faster than this member steps cannot make its queue grow without bound. Peer
 * calls in progress (queued, or waiting for their answer) are bounded as well
 * ({@value #MAX_PEER_CALLS}); beyond, a call is answered "too many requests" at once.
 *
 * <p><b>Threads.</b> Any thread enqueues; only the driver runs tasks ({@link #runRound}). After
 * {@link #stop} nothing runs any more: what is queued, or enqueued later, is abandoned (its future
 * fails with "server stopped").
 */
final class DriverQueue {
    private static final System.Logger LOG = System.getLogger(DriverQueue.class.getName());
    private static final RateLimitedLog FAILURES = new RateLimitedLog(LOG);

    /**
     * Client proposals waiting for the driver. Beyond this, a proposal fails at once with etcd's
     * "too many requests" instead of queueing without bound.
     */
    static final int MAX_QUEUED_PROPOSALS = 8192;
    private static final int MAX_TASKS_PER_ROUND = 4096;
    /** Proposals the driver takes per round, after every peer message and call that waits. */
    private static final int MAX_PROPOSALS_PER_ROUND = 1024;

    /** Raft messages of one peer waiting for the driver, at most; etcd's recvBufSize. */
    static final int MAX_QUEUED_PER_PEER = 4096;
    /** Calls from peers in progress, at most. */
    static final int MAX_PEER_CALLS = 1024;

    private final LinkedBlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
    /** Per peer, its messages in {@link #tasks}; keyed by members only (the transport admits no one else). */
    private final Map<Long, AtomicInteger> queuedPerPeer = new ConcurrentHashMap<>();
    private final AtomicInteger peerCalls = new AtomicInteger();
    private final ArrayBlockingQueue<Task> proposals = new ArrayBlockingQueue<>(MAX_QUEUED_PROPOSALS);
    /** Woken when work arrives: the driver thread unparks (the production driver) or nothing (a simulation steps). */
    private final Runnable wake;
    private volatile boolean started;
    private volatile boolean stopping;
    private volatile boolean drained;

    DriverQueue(Runnable wake) {
        this.wake = wake;
    }

    /** Work for the driver; {@code future} is failed if the work never runs because the member stops. */
    record Task(Runnable body, CompletableFuture<?> future) {
        void run() {
            try {
                body.run();
            } catch (io.kvorum.consensus.raft.core.RequestDroppedException e) {
                // a proposal or read forwarded here while this member knows no leader: the sender retries
                if (future != null) {
                    future.completeExceptionally(e);
                }
                LOG.log(Level.DEBUG, "dropped a request: {0}", e.getMessage());
            } catch (RuntimeException | Error e) {
                // One task's failure (a peer's message the core refused, a malformed call, even an
                // Error) fails that task alone: the driver goes on. Tasks check what they read
                // before they change anything; applying committed entries is not a task, and its
                // failure still stops the member.
                if (future != null) {
                    future.completeExceptionally(e);
                }
                if (future == null || e instanceof Error) {
                    FAILURES.warn("a task of the Raft driver failed: " + e, e);
                }
            }
        }

        void abandon() {
            if (future != null) {
                future.completeExceptionally(EtcdErrors.stopped());
            }
        }
    }

    void started() {
        started = true;
    }

    boolean isStarted() {
        return started;
    }

    void stop() {
        stopping = true;
    }

    boolean stopping() {
        return stopping;
    }

    /** True once {@link #abandonAll} emptied the queues for good. */
    boolean drained() {
        return drained;
    }

    boolean isEmpty() {
        return tasks.isEmpty() && proposals.isEmpty();
    }

    /** Runs {@code body} on the driver; the future it completes is failed if the member stops first. */
    <T> CompletableFuture<T> call(Consumer<CompletableFuture<T>> body) {
        return onDriver(tasks, body);
    }

    /** A client proposal: through the bounded intake. */
    <T> CompletableFuture<T> propose(Consumer<CompletableFuture<T>> body) {
        return onDriver(proposals, body);
    }

    /** Work with no one waiting for it (a peer's message, an outcome to report to the core). */
    void run(Runnable body) {
        enqueue(tasks, new Task(body, null));
    }

    /**
     * A Raft message from {@code peer}, to be stepped on the driver; dropped when that peer has
     * {@value #MAX_QUEUED_PER_PEER} messages waiting already.
     *
     * @return false when dropped
     */
    boolean runFromPeer(long peer, Runnable body) {
        AtomicInteger queued = queuedPerPeer.computeIfAbsent(peer, p -> new AtomicInteger());
        if (queued.incrementAndGet() > MAX_QUEUED_PER_PEER) {
            queued.decrementAndGet();
            return false;
        }
        enqueue(tasks, new Task(() -> {
            queued.decrementAndGet();
            body.run();
        }, null));
        return true;
    }

    /**
     * A call from a peer, run on the driver; fails at once with "too many requests" when
     * {@value #MAX_PEER_CALLS} peer calls are in progress already (each ends with its answer, at
     * the latest at its request deadline, or when the member stops).
     */
    <T> CompletableFuture<T> callFromPeer(Consumer<CompletableFuture<T>> body) {
        if (peerCalls.incrementAndGet() > MAX_PEER_CALLS) {
            peerCalls.decrementAndGet();
            return CompletableFuture.failedFuture(EtcdErrors.tooManyRequests());
        }
        CompletableFuture<T> answer = call(body);
        answer.whenComplete((value, failure) -> peerCalls.decrementAndGet());
        return answer;
    }

    /** The peer calls in progress. */
    int peerCalls() {
        return peerCalls.get();
    }

    /** The messages of {@code peer} waiting for the driver. */
    int queuedFrom(long peer) {
        AtomicInteger queued = queuedPerPeer.get(peer);
        return queued == null ? 0 : queued.get();
    }

    /** On the driver: one round of waiting work, every other task before the proposals. */
    void runRound() {
        runQueued(tasks, MAX_TASKS_PER_ROUND);
        runQueued(proposals, MAX_PROPOSALS_PER_ROUND);
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

    /** After the driver stopped: fails everything queued, now and from now on. */
    void abandonAll() {
        for (Queue<Task> queue : List.of(tasks, proposals)) {
            for (Task t = queue.poll(); t != null; t = queue.poll()) {
                t.abandon();
            }
        }
        drained = true;
        for (Queue<Task> queue : List.of(tasks, proposals)) {
            for (Task t = queue.poll(); t != null; t = queue.poll()) {
                t.abandon();
            }
        }
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
        if (drained && queue.remove(task)) {
            task.abandon(); // close() emptied the queue already: nobody will run it
            return;
        }
        wake.run();
    }
}
