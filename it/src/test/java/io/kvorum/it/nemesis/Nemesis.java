package io.kvorum.it.nemesis;

import io.kvorum.it.cluster.Cluster;
import io.kvorum.it.cluster.ClusterMember;
import io.kvorum.it.server.ManagedProcess;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Faults, one at a time, on a cluster: kill -9 a member and restart it, pause it (SIGSTOP, then
 * SIGCONT), or cut it off from its peers ({@link PeerNetwork#isolate}). Between faults the cluster
 * runs healthy for a while. The first faults are every kind once, in a random order, so that even a
 * short run has each; after that each kind is drawn at random. Every choice (fault, member, how
 * long) comes from one random source;
 * the target is the member the source picks, or half of the time the leader of the moment (which
 * the source cannot foresee: a replay is as close as real processes allow). Every step goes to a
 * printable trace.
 *
 * <p>Threads: runs on a thread of its own until {@link #stop()}; the trace is guarded by {@code this}.
 */
final class Nemesis implements AutoCloseable {
    enum Fault { KILL, PAUSE, ISOLATE }

    /** A fault in force on {@code member} from {@code from} to {@code to}, nanoseconds on the test's clock. */
    record Window(Fault fault, String member, long from, long to) {
    }

    private final Cluster cluster;
    private final PeerNetwork network;
    private final SplittableRandom random;
    private final long start;
    private final List<String> trace = new ArrayList<>();
    private final List<Window> windows = new ArrayList<>();
    private long activeSince;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stopping;
    private int restarts;
    private int pauses;
    private int partitions;
    /** The fault in force and its member, so that {@link #close()} can heal it. */
    private Fault active;
    private ClusterMember activeOn;

    Nemesis(Cluster cluster, PeerNetwork network, SplittableRandom random, long start) {
        this.cluster = cluster;
        this.network = network;
        this.random = random;
        this.start = start;
        this.thread = new Thread(this::run, "nemesis");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            List<Fault> firstRound = new ArrayList<>(List.of(Fault.values()));
            while (!stopping) {
                long healthy = 1_000 + random.nextInt(2_000);
                Fault fault = firstRound.isEmpty() ? Fault.values()[random.nextInt(Fault.values().length)]
                        : firstRound.remove(random.nextInt(firstRound.size()));
                boolean leader = random.nextBoolean();
                List<ClusterMember> members = cluster.members();
                ClusterMember target = members.get(random.nextInt(members.size()));
                long hold = 1_000 + random.nextInt(4_000);
                sleep(healthy);
                if (stopping) {
                    return;
                }
                boolean isLeader = false;
                if (leader) {
                    Optional<ClusterMember> now = cluster.leaderNow();
                    if (now.isPresent()) {
                        target = now.get();
                        isLeader = true;
                    }
                }
                String who = target.name() + (isLeader ? " (the leader)" : "");
                apply(fault, target, who);
                sleep(hold);
                heal();
            }
        } catch (RuntimeException | Error e) {
            failure.set(e);
            note("nemesis failed: " + e);
        }
    }

    private void apply(Fault fault, ClusterMember target, String who) {
        synchronized (this) {
            active = fault;
            activeOn = target;
        }
        switch (fault) {
            case KILL -> {
                note("kill -9 " + who);
                target.kill();
            }
            case PAUSE -> {
                note("SIGSTOP " + who);
                target.suspend();
                pauses++;
            }
            case ISOLATE -> {
                note("isolate " + who + " from its peers");
                network.isolate(target.name());
                partitions++;
            }
        }
        synchronized (this) {
            activeSince = System.nanoTime() - start;
        }
    }

    /** Ends the fault in force, if any: restart, SIGCONT, or heal the network. */
    private void heal() {
        Fault fault;
        ClusterMember target;
        long since;
        synchronized (this) {
            fault = active;
            target = activeOn;
            since = activeSince;
            active = null;
        }
        if (fault == null) {
            return;
        }
        long until = System.nanoTime() - start;
        switch (fault) {
            case KILL -> {
                note("restart " + target.name());
                target.restart();
                restarts++;
                note(target.name() + " serves again");
            }
            case PAUSE -> {
                note("SIGCONT " + target.name());
                target.resume();
            }
            case ISOLATE -> {
                note("heal the network of " + target.name());
                network.heal();
            }
        }
        synchronized (this) {
            windows.add(new Window(fault, target.name(), since, until));
        }
    }

    private void sleep(long millis) {
        long until = System.nanoTime() + millis * 1_000_000;
        while (!stopping && System.nanoTime() < until) {
            ManagedProcess.pause(Math.min(50, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        }
    }

    private synchronized void note(String what) {
        String line = String.format("%9.3f s  %s", (System.nanoTime() - start) / 1e9, what);
        trace.add(line);
        System.out.println("nemesis " + line);
    }

    /** Stops after the fault in force (which it heals) and returns; fails if the nemesis itself failed. */
    void stop() {
        stopping = true;
        try {
            thread.join(120_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (thread.isAlive()) {
            throw new IllegalStateException("the nemesis did not stop within 120 s\n" + trace());
        }
        heal();
        if (failure.get() != null) {
            throw new AssertionError("the nemesis failed\n" + trace() + "\n" + cluster.logTails(), failure.get());
        }
    }

    /**
     * Waits until a fault of every kind has been healed, at most {@code timeoutMillis}; true if so.
     * A short run waits here for the kinds its first round has not yet reached.
     */
    boolean awaitEveryKind(long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (!healedKinds().containsAll(EnumSet.allOf(Fault.class))) {
            if (System.nanoTime() > deadline || !thread.isAlive()) {
                return false;
            }
            ManagedProcess.pause(50);
        }
        return true;
    }

    /** The kinds of fault healed so far. */
    synchronized EnumSet<Fault> healedKinds() {
        EnumSet<Fault> kinds = EnumSet.noneOf(Fault.class);
        windows.forEach(w -> kinds.add(w.fault()));
        return kinds;
    }

    /** The faults that were in force, from the moment each was complete to the moment its healing began. */
    synchronized List<Window> windows() {
        return List.copyOf(windows);
    }

    synchronized String trace() {
        return String.join("\n", trace);
    }

    /** Restarts after kill -9, pauses, partitions; read after {@link #stop()}. */
    String counts() {
        return restarts + " restarts, " + pauses + " pauses, " + partitions + " partitions";
    }

    /** Heals whatever fault is still in force (a failed test), so that the cluster can be stopped. */
    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(120_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Fault fault;
        ClusterMember target;
        synchronized (this) {
            fault = active;
            target = activeOn;
        }
        if (fault == Fault.PAUSE) {
            target.resume();
        }
        network.heal();
    }
}
