package io.kvorum.server.compaction;

import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A fake clock, a fake store revision and a record of the compactions proposed, for driving compactors by hand. */
final class FakeCompaction {
    long nanos = 1_000_000_000L;
    long revision = 1;
    long compacted;
    /** Make the next compactions fail with a timeout. */
    boolean failing;
    final List<Long> proposed = new ArrayList<>();

    long now() {
        return nanos;
    }

    void advance(Duration d) {
        nanos += d.toNanos();
    }

    /** As the applier: compacting at or below the compacted revision fails as "compacted". */
    CompletableFuture<?> compact(long at) {
        proposed.add(at);
        if (failing) {
            return CompletableFuture.failedFuture(new EtcdException(EtcdError.TIMEOUT));
        }
        if (at <= compacted) {
            return CompletableFuture.failedFuture(new EtcdException(EtcdError.COMPACTED));
        }
        compacted = at;
        return CompletableFuture.completedFuture(null);
    }
}
