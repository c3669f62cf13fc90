package io.kvorum.consensus.raft.node;

import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.StateMachine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state machine's side of the Ready loop, on a thread of its own once {@link #start}ed, as
 * etcd applies on a goroutine apart from its raft loop: the driver hands over the batch of a
 * Ready once that Ready's WAL write is durable, and goes on to the next Ready (its sends, its WAL
 * write and fdatasync) while this thread applies. Batches are applied in the order handed over,
 * which is the log's; batches that wait when the thread comes back for more are applied as one,
 * so one backend commit covers them.
 *
 * <p>Not started (while a member opens and replays, and in a simulation, whose driver must be
 * deterministic) it applies on the caller's thread, as it is handed each batch. Started, it does
 * so too when the driver says it has nothing else waiting and the stage is idle (nothing waits,
 * nothing is being applied): there is then nothing to overlap, and a hand-over would only add a
 * thread switch to the reply (one client writing at a time).
 *
 * <p><b>Threads.</b> The driver hands over ({@link #submit}) and waits ({@link #drain}) before it
 * touches the state machine itself (a snapshot taken, opened for a follower, or restored), so
 * the state machine is never called by two threads at once. At most {@value #MAX_WAITING} batches
 * wait; a driver handing over one more waits until the thread takes them, as etcd's raft loop
 * waits on its apply channel. Everything below is guarded by {@code lock}.
 *
 * <p><b>Failure.</b> A batch the state machine cannot apply stops the thread for good: the
 * failure is kept, the driver is woken, and its next {@link #check}, {@link #submit} or
 * {@link #drain} throws it, which stops the member as a failure to apply on the driver did.
 */
final class ApplyStage {
    private static final System.Logger LOG = System.getLogger(ApplyStage.class.getName());

    /** Batches handed over and not yet taken by the thread, at most. */
    static final int MAX_WAITING = 4;

    private record Batch(List<Entry> entries, boolean durable) {
    }

    private final StateMachine stateMachine;
    /** Wakes the driver when the thread fails (it may be parked until the next tick). */
    private final Runnable wakeDriver;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Batch> waiting = new ArrayDeque<>();
    /** The last index handed over. */
    private long submitted;
    /** The last index the state machine applied of those handed over. */
    private long applied;
    private Throwable failure;
    private boolean stopping;
    private Thread thread;

    ApplyStage(StateMachine stateMachine, Runnable wakeDriver) {
        this.stateMachine = stateMachine;
        this.wakeDriver = wakeDriver;
    }

    /** From now on batches are applied on a thread called {@code name}. */
    void start(String name) {
        lock.lock();
        try {
            if (thread != null) {
                throw new IllegalStateException("already started");
            }
            thread = new Thread(this::run, name);
            thread.setDaemon(true);
            thread.start();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands over consecutive entries, all durable in the WAL, to be applied after those handed
     * over before; {@code durable} as {@link StateMachine#apply}'s. Applies them at once, on the
     * caller's thread, when not started, or when {@code driverIdle} and the stage is idle.
     */
    void submit(List<Entry> entries, boolean durable, boolean driverIdle) {
        if (entries.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            throwIfFailed();
            if (thread == null) {
                stateMachine.apply(entries, durable);
                return;
            }
            if (driverIdle && waiting.isEmpty() && applied == submitted) {
                // The thread waits for a batch and cannot take one while the lock is held.
                long last = entries.get(entries.size() - 1).index();
                submitted = last;
                try {
                    stateMachine.apply(entries, durable);
                } catch (RuntimeException | Error e) {
                    failure = e;
                    changed.signalAll();
                    throw e;
                }
                applied = last;
                return;
            }
            while (waiting.size() >= MAX_WAITING && failure == null) {
                changed.awaitUninterruptibly();
            }
            throwIfFailed();
            waiting.add(new Batch(entries, durable));
            submitted = entries.get(entries.size() - 1).index();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until everything handed over is applied; throws the thread's failure if it stopped. */
    void drain() {
        lock.lock();
        try {
            while (thread != null && applied < submitted && failure == null) {
                changed.awaitUninterruptibly();
            }
            throwIfFailed();
        } finally {
            lock.unlock();
        }
    }

    /** Throws the failure that stopped the thread, if any. */
    void check() {
        lock.lock();
        try {
            throwIfFailed();
        } finally {
            lock.unlock();
        }
    }

    /** Applies what was handed over (unless the thread failed), then ends the thread. */
    void stop() throws InterruptedException {
        Thread t;
        lock.lock();
        try {
            stopping = true;
            changed.signalAll();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t != null && t != Thread.currentThread()) {
            t.join();
        }
    }

    private void throwIfFailed() {
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException("applying stopped", failure);
        }
    }

    private void run() {
        try {
            while (true) {
                Batch next = take();
                if (next == null) {
                    return;
                }
                stateMachine.apply(next.entries(), next.durable());
                lock.lock();
                try {
                    applied = next.entries().get(next.entries().size() - 1).index();
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.ERROR, "applying committed entries failed; the member stops", e);
            lock.lock();
            try {
                failure = e;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            wakeDriver.run();
        }
    }

    /** The batches waiting, as one; null once stopping with none left. */
    private Batch take() {
        lock.lock();
        try {
            while (waiting.isEmpty() && !stopping) {
                changed.awaitUninterruptibly();
            }
            if (waiting.isEmpty()) {
                return null;
            }
            if (waiting.size() == 1) {
                Batch only = waiting.poll();
                changed.signalAll();
                return only;
            }
            List<Entry> entries = new ArrayList<>();
            boolean durable = false;
            for (Batch b = waiting.poll(); b != null; b = waiting.poll()) {
                entries.addAll(b.entries());
                durable |= b.durable();
            }
            changed.signalAll();
            return new Batch(entries, durable);
        } finally {
            lock.unlock();
        }
    }
}
