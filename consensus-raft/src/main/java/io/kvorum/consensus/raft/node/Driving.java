package io.kvorum.consensus.raft.node;

import java.time.Instant;
import java.util.SplittableRandom;

/**
 * What a member's driver runs on: its clock, its randomness, the thread of a follower's snapshot
 * write, and whether it has a thread of its own. {@link #production()} is a thread per member and
 * the system clock; a simulation gives its own clock and seed, runs snapshot writes when it
 * chooses, and calls {@link RaftNode#step} itself, the same step the production thread calls.
 *
 * <p><b>Threads.</b> {@link #nanoTime} and {@link #random} are called on the driver (and, for
 * {@link #nanoTime} and {@link #pause}, by {@link Bootstrap} before it runs).
 */
interface Driving {

    /** Monotonic time in nanoseconds: when the next tick is due. */
    long nanoTime();

    /** Wall-clock seconds since the epoch: part of a new member's id, as etcd's. */
    long epochSecond();

    /** A source of randomness for one member (election timeouts, request ids). */
    SplittableRandom random();

    /** Waits between attempts to join a running cluster. */
    void pause(long millis) throws InterruptedException;

    /** Runs the state machine's snapshot write for a follower, off the driver; {@code name} names its thread. */
    void startSnapshotWrite(String name, Runnable write);

    /** True: {@link RaftNode#start} starts a driver thread that steps by itself; false: the caller steps. */
    boolean ownThread();

    /** A thread per member and per snapshot write, the system clock, fresh randomness. */
    static Driving production() {
        return new Driving() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public long epochSecond() {
                return Instant.now().getEpochSecond();
            }

            @Override
            public SplittableRandom random() {
                return new SplittableRandom();
            }

            @Override
            public void pause(long millis) throws InterruptedException {
                Thread.sleep(millis);
            }

            @Override
            public void startSnapshotWrite(String name, Runnable write) {
                Thread writer = new Thread(write, name);
                writer.setDaemon(true);
                writer.start();
            }

            @Override
            public boolean ownThread() {
                return true;
            }
        };
    }
}
