package io.kvorum.server.compaction;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's revision compactor: every five minutes it compacts at the current revision minus the
 * retention, unless that is not positive or is where it compacted last.
 */
public final class RevisionCompactor extends AutoCompactor {
    private static final Logger LOG = LoggerFactory.getLogger(RevisionCompactor.class);
    /** etcd's fixed interval between revision compactions. */
    static final Duration INTERVAL = Duration.ofMinutes(5);

    private final long retention;
    /** Where it compacted last; compaction thread only. */
    private long previous;

    RevisionCompactor(long retention, LongSupplier currentRevision, LongFunction<CompletableFuture<?>> compact,
                      LongSupplier clock) {
        super(currentRevision, compact, clock);
        this.retention = retention;
    }

    @Override
    public Duration tickInterval() {
        return INTERVAL;
    }

    @Override
    public void start() {
    }

    @Override
    public void tick() {
        if (paused()) {
            return;
        }
        long revision = currentRevision.getAsLong() - retention;
        if (revision <= 0 || revision == previous) {
            return;
        }
        LOG.info("starting auto revision compaction (revision {}, revision-compaction-retention {})", revision, retention);
        if (compact(revision)) {
            previous = revision;
            LOG.info("completed auto revision compaction (revision {}, revision-compaction-retention {})",
                    revision, retention);
        }
    }
}
