package io.kvorum.server.compaction;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd 3.4's periodic compactor: it samples the current revision every tenth of the retention
 * period (of an hour at most) and keeps the samples of one period, so the oldest one is the
 * revision of a period ago. Once a period has passed since it started (or since its last
 * successful compaction, for periods up to an hour; an hour, for longer periods) it compacts at
 * that oldest sample; a failed compaction is tried again at the next tick.
 */
public final class PeriodicCompactor extends AutoCompactor {
    private static final Logger LOG = LoggerFactory.getLogger(PeriodicCompactor.class);
    private static final Duration HOUR = Duration.ofHours(1);
    private static final int RETRY_DIVISOR = 10;

    private final Duration period;
    /** The revisions sampled, oldest first, at most {@link #retentions} of them. Compaction thread only. */
    private final Deque<Long> revisions = new ArrayDeque<>();
    private final int retentions;
    private long lastSuccess;
    private Duration baseInterval;

    PeriodicCompactor(Duration period, LongSupplier currentRevision, LongFunction<CompletableFuture<?>> compact,
                      LongSupplier clock) {
        super(currentRevision, compact, clock);
        this.period = period;
        this.retentions = (int) (period.toNanos() / tickInterval().toNanos()) + 1;
    }

    /** A tenth of the period, or of an hour for longer periods (never under a millisecond). */
    @Override
    public Duration tickInterval() {
        Duration interval = (period.compareTo(HOUR) > 0 ? HOUR : period).dividedBy(RETRY_DIVISOR);
        return interval.toMillis() < 1 ? Duration.ofMillis(1) : interval;
    }

    /** The period, or an hour for longer periods: the wait between compactions after the first. */
    Duration compactInterval() {
        return period.compareTo(HOUR) > 0 ? HOUR : period;
    }

    @Override
    public void start() {
        lastSuccess = clock.getAsLong();
        baseInterval = period;
        sample();
    }

    @Override
    public void tick() {
        if (!paused() && clock.getAsLong() - lastSuccess >= baseInterval.toNanos()) {
            // the first compaction waits a whole period; then every compaction interval
            baseInterval = compactInterval();
            long revision = revisions.peekFirst();
            LOG.info("starting auto periodic compaction (revision {}, compact-period {})", revision, period);
            if (compact(revision)) {
                LOG.info("completed auto periodic compaction (revision {}, compact-period {})", revision, period);
                lastSuccess = clock.getAsLong();
            }
        }
        sample();
    }

    private void sample() {
        revisions.addLast(currentRevision.getAsLong());
        if (revisions.size() > retentions) {
            revisions.removeFirst(); // the first is always the revision of a period ago
        }
    }
}
