package io.kvorum.consensus.raft.node;

import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.StateMachine;
import io.kvorum.spi.consensus.StateMachineSnapshot;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A state machine that keeps every entry it applied, with a "disk": what was applied with
 * {@code durable=true} or restored from a snapshot survives {@link #crash()}, the rest is lost,
 * as a backend loses an unsynced batch. It checks the SPI's promises: consecutive entries, never
 * two calls at once.
 */
final class RecordingStateMachine implements StateMachine {
    private final List<Entry> entries = new ArrayList<>();
    private long durableIndex;
    private boolean busy;
    private int snapshotsRestored;
    private volatile CountDownLatch snapshotGate;
    private volatile CountDownLatch applyGate;
    private final AtomicInteger writesHeld = new AtomicInteger();

    @Override
    public synchronized long appliedIndex() {
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).index();
    }

    @Override
    public synchronized long appliedTerm() {
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).term();
    }

    /** From now until the latch is counted down, every apply waits: the driver stalls as a slow backend would stall it. */
    CountDownLatch holdApplies() {
        CountDownLatch gate = new CountDownLatch(1);
        applyGate = gate;
        return gate;
    }

    @Override
    public void apply(List<Entry> batch, boolean durable) {
        enter();
        try {
            CountDownLatch gate = applyGate;
            if (gate != null) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            synchronized (this) {
                for (Entry e : batch) {
                    if (e.index() != appliedIndex() + 1) {
                        throw new IllegalStateException("entry " + e.index() + " after " + appliedIndex());
                    }
                    entries.add(e);
                }
                if (durable) {
                    durableIndex = appliedIndex();
                }
            }
        } finally {
            leave();
        }
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        enter();
        try {
            awaitGate();
            List<Entry> copy;
            synchronized (this) {
                copy = List.copyOf(entries);
            }
            write(copy, out);
        } finally {
            leave();
        }
    }

    /** The entries applied now, written later (held at {@link #holdSnapshotWrites}'s gate) while applying goes on. */
    @Override
    public StateMachineSnapshot openSnapshot() {
        enter();
        try {
            List<Entry> copy;
            synchronized (this) {
                copy = List.copyOf(entries);
            }
            long index = copy.isEmpty() ? 0 : copy.get(copy.size() - 1).index();
            long term = copy.isEmpty() ? 0 : copy.get(copy.size() - 1).term();
            return new StateMachineSnapshot() {
                public long index() {
                    return index;
                }

                public long term() {
                    return term;
                }

                public void writeTo(OutputStream out) throws IOException {
                    awaitGate();
                    write(copy, out);
                }

                public void close() {
                }
            };
        } finally {
            leave();
        }
    }

    private void awaitGate() throws IOException {
        CountDownLatch gate = snapshotGate;
        if (gate != null) {
            writesHeld.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    private static void write(List<Entry> copy, OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(copy.size());
        for (Entry e : copy) {
            data.writeLong(e.index());
            data.writeLong(e.term());
            data.writeInt(e.data().length);
            data.write(e.data());
        }
        data.flush();
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        enter();
        try {
            DataInputStream data = new DataInputStream(in);
            int n = data.readInt();
            List<Entry> restored = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long index = data.readLong();
                long term = data.readLong();
                byte[] bytes = new byte[data.readInt()];
                data.readFully(bytes);
                restored.add(new Entry(index, term, bytes));
            }
            synchronized (this) {
                entries.clear();
                entries.addAll(restored);
                durableIndex = appliedIndex();
                snapshotsRestored++;
            }
        } finally {
            leave();
        }
    }

    private synchronized void enter() {
        if (busy) {
            throw new IllegalStateException("state machine called concurrently");
        }
        busy = true;
    }

    private synchronized void leave() {
        busy = false;
    }

    /** Makes every snapshot write wait for {@code gate}, as a large state takes long to write. */
    void holdSnapshotWrites(CountDownLatch gate) {
        snapshotGate = gate;
    }

    /** How many snapshot writes waited at the gate. */
    int writesHeld() {
        return writesHeld.get();
    }

    /** Loses what was not made durable, as a crash would. */
    synchronized void crash() {
        entries.removeIf(e -> e.index() > durableIndex);
    }

    /** The application's payloads, in applied order. */
    synchronized List<String> payloads() {
        return entries.stream().filter(e -> e.data().length > 0)
                .map(e -> new String(e.data(), StandardCharsets.UTF_8)).toList();
    }

    /** The entry applied at {@code index} (1 up to {@link #appliedIndex()}): entries are kept from the first. */
    synchronized Entry entry(long index) {
        return entries.get((int) (index - 1));
    }

    synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    synchronized int snapshotsRestored() {
        return snapshotsRestored;
    }

    synchronized long durableIndex() {
        return durableIndex;
    }
}
