package io.kvorum.consensus.raft.node;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * A member's driver as a simulation runs it: no thread of its own (the simulation calls
 * {@link RaftNode#step}), the simulation's clock, a seeded random source, and snapshot writes
 * queued until the simulation runs them ({@link #runSnapshotWrites}), so a seed replays exactly.
 * A join that must wait gives up at once (the simulation tries again later).
 */
final class SimDriving implements Driving {
    private final LongSupplier clock;
    private final SplittableRandom random;
    private final List<Runnable> writes = new ArrayList<>();

    SimDriving(LongSupplier clock, SplittableRandom random) {
        this.clock = clock;
        this.random = random;
    }

    @Override
    public long nanoTime() {
        return clock.getAsLong();
    }

    @Override
    public long epochSecond() {
        return 1_700_000_000L + clock.getAsLong() / 1_000_000_000L;
    }

    @Override
    public SplittableRandom random() {
        return random.split();
    }

    @Override
    public void pause(long millis) throws InterruptedException {
        throw new InterruptedException("a simulated join does not wait");
    }

    @Override
    public void startSnapshotWrite(String name, Runnable write) {
        writes.add(write);
    }

    @Override
    public boolean ownThread() {
        return false;
    }

    boolean hasSnapshotWrites() {
        return !writes.isEmpty();
    }

    /** Runs the queued snapshot writes, as their threads would. */
    void runSnapshotWrites() {
        List<Runnable> due = List.copyOf(writes);
        writes.clear();
        due.forEach(Runnable::run);
    }
}
