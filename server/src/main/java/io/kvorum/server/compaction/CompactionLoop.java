package io.kvorum.server.compaction;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an {@link AutoCompactor} on a thread of its own: a tick every {@link AutoCompactor#tickInterval()},
 * and a look at leadership every {@code leadershipInterval}, pausing the compactor while this
 * member does not lead and resuming it when it does (etcd's {@code updateLeadership}).
 */
public final class CompactionLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CompactionLoop.class);

    private final AutoCompactor compactor;
    private final BooleanSupplier leads;
    private final ScheduledExecutorService thread;

    public CompactionLoop(AutoCompactor compactor, BooleanSupplier leads) {
        this.compactor = compactor;
        this.leads = leads;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvorum-auto-compaction");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts ticking; call once consensus has started. */
    public void start(Duration leadershipInterval) {
        thread.execute(() -> {
            followLeadership();
            compactor.start();
        });
        long tick = compactor.tickInterval().toNanos();
        thread.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.NANOSECONDS);
        long look = leadershipInterval.toNanos();
        thread.scheduleWithFixedDelay(this::followLeadership, look, look, TimeUnit.NANOSECONDS);
    }

    private void followLeadership() {
        if (leads.getAsBoolean()) {
            compactor.resume();
        } else {
            compactor.pause();
        }
    }

    private void tick() {
        try {
            compactor.tick();
        } catch (RuntimeException e) {
            // a later tick tries again, as etcd's compactor retries after a failed compaction
            LOG.warn("auto compaction failed", e);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
