package io.kvorum.it.nemesis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one watcher received, as a list of events, and the checks on it: revisions strictly
 * increasing and without gaps (every write in the test creates exactly one revision, and all of
 * them fall under the watched prefix), every acknowledged write present once at its revision
 * with its key and value, and the last event of each key agreeing with the key's final value.
 */
final class WatchLog {
    /** One put event: the key, the value written, its revision (the key's mod revision). */
    record Event(long revision, String key, long value) {
    }

    private WatchLog() {
    }

    /**
     * The problems with {@code events} (empty when none): {@code firstRevision} is the first revision
     * any write can have, {@code lastRevision} the cluster's final one, {@code finalValues} each
     * key's final value (keys never written absent).
     */
    static List<String> problems(String watcher, List<Event> events, long firstRevision, long lastRevision,
            List<Operation> history, Map<String, Long> finalValues) {
        List<String> problems = new ArrayList<>();
        long expected = firstRevision;
        for (Event e : events) {
            if (e.revision() != expected) {
                problems.add(watcher + ": event " + e + " where revision " + expected + " was due"
                        + (e.revision() < expected ? " (duplicate or out of order)" : " (gap)"));
                if (problems.size() > 10) {
                    return problems;
                }
            }
            expected = Math.max(expected, e.revision() + 1);
        }
        if (expected != lastRevision + 1) {
            problems.add(watcher + ": events end at revision " + (expected - 1) + ", the cluster is at " + lastRevision);
        }
        for (Operation op : history) {
            if (!op.ackedWrite()) {
                continue;
            }
            int at = (int) (op.revision() - firstRevision);
            Event e = at >= 0 && at < events.size() ? events.get(at) : null;
            if (e == null || e.revision() != op.revision() || !e.key().equals(op.key()) || e.value() != op.value()) {
                problems.add(watcher + ": acknowledged " + op + " is not the event at its revision (found " + e + ")");
                if (problems.size() > 10) {
                    return problems;
                }
            }
        }
        for (Map.Entry<String, Long> f : finalValues.entrySet()) {
            long last = 0;
            for (Event e : events) {
                if (e.key().equals(f.getKey())) {
                    last = e.value();
                }
            }
            if (last != f.getValue()) {
                problems.add(watcher + ": the last event of " + f.getKey() + " put " + last + ", its final value is "
                        + f.getValue());
            }
        }
        return problems;
    }
}
