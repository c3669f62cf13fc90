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
 * before it began. Narrower than {@link RegisterChecker}, but it names the operations at fault.
 */
final class RevisionOrder {
    private RevisionOrder() {
    }

    static List<String> problems(List<Operation> history, List<WatchLog.Event> events) {
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
                    problems.add(op + " saw " + seen + " before its write " + w + " began");
                }
                seenRevision = e.revision();
            }
            for (WatchLog.Event later : byKey.getOrDefault(op.key(), List.of())) {
                if (later.revision() > seenRevision) {
                    Operation w = writes.get(later.value());
                    if (w != null && w.outcome() == Operation.Outcome.OK && w.response() < op.invoke()) {
                        problems.add(op + " saw " + seen + " (revision " + seenRevision + "), overwritten by " + w
                                + " before it began");
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
}
