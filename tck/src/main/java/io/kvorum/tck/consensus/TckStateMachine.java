package io.kvorum.tck.consensus;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The state machine a {@link ConsensusTck} member applies to: it keeps every entry it was handed
 * and writes down each breach of the {@link StateMachine} contract it sees, rather than throwing
 * into the consensus's thread (which would only stop it). A test reads the breaches at its end.
 *
 * <p>It survives a restart as a store that crashed would: {@link #afterRestart()} keeps what was
 * applied up to the last apply made durable, and forgets the rest, which the consensus promised to
 * replay from its own log when it applied it without asking for durability.
 */
final class TckStateMachine implements StateMachine {
    private static final int SNAPSHOT_MAGIC = 0x6b76746b; // "kvtk"

    private final String member;
    private final List<String> violations;
    private final AtomicBoolean inCall = new AtomicBoolean();

    /** Guarded by this. Every entry applied, in index order, from index 1 (or from a snapshot's history). */
    private final List<Entry> history = new ArrayList<>();
    private final Map<String, Long> indexOfPayload = new HashMap<>();
    private long durableIndex;
    private boolean everyApplyMustBeDurable;
    private int snapshotsWritten;
    private int snapshotsRestored;
    private volatile long appliedIndex;
    private volatile long appliedTerm;

    TckStateMachine(String member, List<String> violations) {
        this.member = member;
        this.violations = violations;
    }

    /** Set once the consensus says whether its log is durable: if not, every apply must be. */
    synchronized void everyApplyMustBeDurable(boolean value) {
        everyApplyMustBeDurable = value;
    }

    /** The state machine as a restarted process finds it on disk. */
    synchronized TckStateMachine afterRestart() {
        TckStateMachine next = new TckStateMachine(member, violations);
        for (Entry e : history) {
            if (e.index() <= durableIndex) {
                next.record(e);
            }
        }
        next.durableIndex = next.appliedIndex;
        return next;
    }

    @Override
    public long appliedIndex() {
        return appliedIndex;
    }

    @Override
    public long appliedTerm() {
        return appliedTerm;
    }

    @Override
    public void apply(List<Entry> entries, boolean durable) {
        enter("apply");
        try {
            synchronized (this) {
                if (everyApplyMustBeDurable && !durable) {
                    violation("entries up to " + last(entries) + " applied without durability, but the log is not durable");
                }
                for (Entry e : entries) {
                    if (e.index() != appliedIndex + 1) {
                        violation("entry " + e.index() + " handed over after applied index " + appliedIndex
                                + (e.index() <= appliedIndex ? ": delivered again" : ": a gap in the log"));
                    }
                    if (e.term() < 1) {
                        violation("entry " + e.index() + " has term " + e.term());
                    }
                    if (e.term() < appliedTerm) {
                        violation("entry " + e.index() + " has term " + e.term() + " after term " + appliedTerm);
                    }
                    if (e.data().length > 0) {
                        Long before = indexOfPayload.get(payload(e));
                        if (before != null) {
                            violation("proposal " + payload(e) + " applied twice: at " + before + " and at " + e.index());
                        }
                    }
                    record(new Entry(e.index(), e.term(), e.data().clone()));
                }
                if (durable) {
                    durableIndex = appliedIndex;
                }
                notifyAll();
            }
        } finally {
            inCall.set(false);
        }
    }

    private static String last(List<Entry> entries) {
        return entries.isEmpty() ? "(none)" : Long.toString(entries.get(entries.size() - 1).index());
    }

    private void record(Entry e) {
        history.add(e);
        if (e.data().length > 0) {
            indexOfPayload.putIfAbsent(payload(e), e.index());
        }
        appliedIndex = e.index();
        appliedTerm = e.term();
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        enter("writeSnapshot");
        try {
            List<Entry> copy;
            synchronized (this) {
                copy = List.copyOf(history);
                snapshotsWritten++;
            }
            DataOutputStream data = new DataOutputStream(out);
            data.writeInt(SNAPSHOT_MAGIC);
            data.writeInt(copy.size());
            for (Entry e : copy) {
                data.writeLong(e.index());
                data.writeLong(e.term());
                data.writeInt(e.data().length);
                data.write(e.data());
            }
            data.flush();
        } finally {
            inCall.set(false);
        }
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        enter("restoreSnapshot");
        try {
            DataInputStream data = new DataInputStream(in);
            if (data.readInt() != SNAPSHOT_MAGIC) {
                throw new IOException("not a snapshot this state machine wrote");
            }
            int count = data.readInt();
            List<Entry> restored = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long index = data.readLong();
                long term = data.readLong();
                byte[] bytes = new byte[data.readInt()];
                data.readFully(bytes);
                restored.add(new Entry(index, term, bytes));
            }
            synchronized (this) {
                if (!restored.isEmpty() && restored.get(restored.size() - 1).index() < appliedIndex) {
                    violation("restored a snapshot at " + restored.get(restored.size() - 1).index()
                            + " over the state applied up to " + appliedIndex);
                }
                history.clear();
                indexOfPayload.clear();
                appliedIndex = 0;
                appliedTerm = 0;
                restored.forEach(this::record);
                // a restore replaces the store whole and durably
                durableIndex = appliedIndex;
                snapshotsRestored++;
                notifyAll();
            }
        } finally {
            inCall.set(false);
        }
    }

    private void enter(String call) {
        if (!inCall.compareAndSet(false, true)) {
            violation(call + " called while another call of the state machine was running");
        }
    }

    private void violation(String what) {
        violations.add(member + ": " + what);
    }

    /** Every entry applied so far, in index order. */
    synchronized List<Entry> history() {
        return List.copyOf(history);
    }

    /** The proposals applied so far, in index order (entries with data only). */
    synchronized List<String> payloads() {
        List<String> out = new ArrayList<>();
        for (Entry e : history) {
            if (e.data().length > 0) {
                out.add(payload(e));
            }
        }
        return out;
    }

    /** Waits until {@code payload} is applied; its index. */
    synchronized long awaitPayload(String payload, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        Long index;
        while ((index = indexOfPayload.get(payload)) == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(member + ": proposal " + payload + " not applied within " + patience
                        + " (applied index " + appliedIndex + ")");
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return index;
    }

    /** Waits until the applied index reaches {@code index}. */
    synchronized void awaitApplied(long index, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (appliedIndex < index) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(member + ": applied index " + appliedIndex + " did not reach " + index
                        + " within " + patience);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    synchronized int snapshotsWritten() {
        return snapshotsWritten;
    }

    synchronized int snapshotsRestored() {
        return snapshotsRestored;
    }

    static String payload(Entry e) {
        return new String(e.data(), UTF_8);
    }
}
