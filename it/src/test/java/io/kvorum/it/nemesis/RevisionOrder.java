package io.kvorum.it.nemesis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A second, direct look at the history with the total order of writes a watcher saw (each write's
 * revision, unknown-outcome writes that took effect included): a read must not return a value
 * already overwritten by a write acknowledged before the read began, nor a value whose write began
 * after the read ended; an acknowledged write must not get a lower revision than one acknowledged
 * before it began. Narrower than {@link RegisterChecker}, but it names the operations at fault, and
 * the faults on the answering member around each ({@link Nemesis.Window}): a stale read from a
 * member just resumed from SIGSTOP points at the member's read path, not at the checker.
 */
final class RevisionOrder {
    /** How long before an operation a fault on its member is still worth naming. */
    private static final long FAULT_LOOKBACK_NANOS = 10_000_000_000L;

    private RevisionOrder() {
    }

    static List<String> problems(List<Operation> history, List<WatchLog.Event> events) {
        return problems(history, events, List.of());
    }

    static List<String> problems(List<Operation> history, List<WatchLog.Event> events, List<Nemesis.Window> windows) {
        Map<Long, WatchLog.Event> byValue = new HashMap<>();
        Map<String, List<WatchLog.Event>> byKey = new HashMap<>();
        for (WatchLog.Event e : events) {
            byValue.put(e.value(), e);
            byKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
        }
        Map<Long, Operation> writes = new HashMap<>();
        for (Operation op : history) {
            if (op.writes()) {
                writes.put(op.value(), op);
            }
        }
        List<String> problems = new ArrayList<>();
        for (Operation op : history) {
            if (op.outcome() == Operation.Outcome.UNKNOWN) {
                continue;
            }
            long seen = op.kind() == Operation.Kind.GET ? op.value()
                    : op.outcome() == Operation.Outcome.CAS_FAILED ? op.read() : op.expected();
            if (op.kind() == Operation.Kind.PUT) {
                continue;
            }
            long seenRevision = 0;
            if (seen != 0) {
                WatchLog.Event e = byValue.get(seen);
                Operation w = writes.get(seen);
                if (e == null) {
                    problems.add(op + " saw " + seen + ", which no watcher saw written");
                    continue;
                }
                if (w != null && w.invoke() > op.response()) {
                    problems.add(op + " saw " + seen + " before its write " + w + " began" + faultsAround(op, windows));
                }
                seenRevision = e.revision();
            }
            for (WatchLog.Event later : byKey.getOrDefault(op.key(), List.of())) {
                if (later.revision() > seenRevision) {
                    Operation w = writes.get(later.value());
                    if (w != null && w.outcome() == Operation.Outcome.OK && w.response() < op.invoke()) {
                        problems.add(op + " saw " + seen + " (revision " + seenRevision + "), overwritten by " + w
                                + " before it began" + faultsAround(op, windows));
                    }
                    break;
                }
            }
            if (problems.size() > 20) {
                break;
            }
        }
        return problems;
    }

    /** The faults on {@code op}'s member that overlap it or ended less than {@link #FAULT_LOOKBACK_NANOS} before it. */
    static String faultsAround(Operation op, List<Nemesis.Window> windows) {
        List<String> faults = new ArrayList<>();
        for (Nemesis.Window w : windows) {
            if (w.member().equals(op.member()) && w.from() <= op.response() && w.to() + FAULT_LOOKBACK_NANOS >= op.invoke()) {
                faults.add(w.fault() + " " + w.from() / 1_000_000.0 + " ms to " + w.to() / 1_000_000.0 + " ms");
            }
        }
        return faults.isEmpty() ? "" : "; faults on " + op.member() + " around it: " + String.join(", ", faults);
    }
}
