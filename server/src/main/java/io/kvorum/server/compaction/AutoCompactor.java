package io.kvorum.server.compaction;

import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of etcd's auto-compactors: woken every {@link #tickInterval()}, it decides whether to
 * compact and to which revision, and proposes the compaction as a client's Compact would. Only
 * the leader compacts: the others are {@link #pause() paused}, as etcd pauses its compactor when
 * the member loses leadership and resumes it when it leads.
 *
 * <p>Threads: {@link #tick()} runs on one thread at a time (the {@link CompactionLoop}'s); pause
 * and resume may come from any thread. The clock is passed in, so a test drives ticks by hand.
 */
public abstract sealed class AutoCompactor permits PeriodicCompactor, RevisionCompactor {
    private static final Logger LOG = LoggerFactory.getLogger(AutoCompactor.class);

    /** The store's current revision. */
    protected final LongSupplier currentRevision;
    /** Proposes a compaction at the given revision; completes when it is applied. */
    private final LongFunction<CompletableFuture<?>> compact;
    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    protected final LongSupplier clock;
    private volatile boolean paused;

    AutoCompactor(LongSupplier currentRevision, LongFunction<CompletableFuture<?>> compact, LongSupplier clock) {
        this.currentRevision = currentRevision;
        this.compact = compact;
        this.clock = clock;
    }

    /** The compactor {@code config} asks for. */
    public static AutoCompactor of(AutoCompaction config, LongSupplier currentRevision,
                                   LongFunction<CompletableFuture<?>> compact, LongSupplier clock) {
        return switch (config.mode()) {
            case PERIODIC -> new PeriodicCompactor(Duration.ofNanos(config.retention()), currentRevision, compact, clock);
            case REVISION -> new RevisionCompactor(config.retention(), currentRevision, compact, clock);
        };
    }

    /** How long to wait between ticks. */
    public abstract Duration tickInterval();

    /** What etcd's compactor does before its first wait. */
    public abstract void start();

    /** What etcd's compactor does each time its wait ends. */
    public abstract void tick();

    /** Stops compacting until {@link #resume()}: this member no longer leads. */
    public void pause() {
        paused = true;
    }

    /** Compacts again: this member leads. */
    public void resume() {
        paused = false;
    }

    public boolean paused() {
        return paused;
    }

    /**
     * Compacts at {@code revision} and waits for it to be applied.
     *
     * @return whether the store is now compacted at {@code revision} (also when it already was)
     */
    protected boolean compact(long revision) {
        CompletableFuture<?> done = compact.apply(revision);
        try {
            done.get();
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof EtcdException ee && ee.error() == EtcdError.COMPACTED) {
                return true;
            }
            LOG.warn("failed auto compaction at revision {}: {}", revision, String.valueOf(e.getCause()));
            return false;
        } catch (InterruptedException e) {
            done.cancel(false);
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
