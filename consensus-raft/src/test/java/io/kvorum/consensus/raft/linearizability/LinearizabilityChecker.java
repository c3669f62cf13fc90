package io.kvorum.consensus.raft.linearizability;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Decides whether a history of register operations is linearizable: whether some order of the
 * operations, each placed between its invocation and its response, is a valid sequential history
 * of registers. Wing and Gong's search with Lowe's memoization (as in Porcupine): linearize an
 * operation that may go next, backtrack on a dead end, and never revisit a (set of linearized
 * operations, register value) seen before.
 *
 * <p>Registers are independent, so each key is checked alone (linearizability is compositional),
 * which keeps the search small.
 */
public final class LinearizabilityChecker {
    /** Search steps per key before giving up: a history that needs more is too big for a test. */
    private static final long MAX_STEPS = 20_000_000;

    private LinearizabilityChecker() {
    }

    /** The operations of the first key whose history is not linearizable, if any. */
    public static Optional<List<Operation>> findViolation(List<Operation> history) {
        Map<String, List<Operation>> byKey = history.stream()
                .collect(Collectors.groupingBy(Operation::key, TreeMap::new, Collectors.toList()));
        for (List<Operation> ops : byKey.values()) {
            List<Operation> relevant = withoutUnobservedUnknownWrites(ops);
            if (!linearizable(relevant)) {
                return Optional.of(relevant);
            }
        }
        return Optional.empty();
    }

    /**
     * Drops writes of unknown outcome whose value no read returned. Values are unique, so such a
     * write constrains nothing: any linearization with it stays valid without it, and one without
     * it stays valid with it placed last. Without this, every timed-out write would stay
     * concurrent with all later operations and blow up the search.
     */
    private static List<Operation> withoutUnobservedUnknownWrites(List<Operation> ops) {
        Set<Long> read = ops.stream().filter(o -> !o.write()).map(Operation::value).collect(Collectors.toSet());
        return ops.stream().filter(o -> !(o.write() && o.response() == Operation.UNKNOWN && !read.contains(o.value())))
                .toList();
    }

    /** One invocation or response in the time-ordered, doubly linked event list. */
    private static final class Event {
        final int op;
        final boolean call;
        final long time;
        Event match;
        Event prev;
        Event next;

        Event(int op, boolean call, long time) {
            this.op = op;
            this.call = call;
            this.time = time;
        }
    }

    private record Visited(BitSet linearized, long value) {
    }

    private record Frame(Event call, long valueBefore) {
    }

    static boolean linearizable(List<Operation> ops) {
        Event head = eventList(ops);
        BitSet linearized = new BitSet(ops.size());
        Set<Visited> visited = new HashSet<>();
        Deque<Frame> stack = new ArrayDeque<>();
        long value = 0;
        Event e = head.next;
        long steps = 0;
        while (head.next != null) {
            if (++steps > MAX_STEPS) {
                throw new IllegalStateException("linearizability search exceeded " + MAX_STEPS + " steps for "
                        + ops.size() + " operations");
            }
            if (e.call) {
                Operation op = ops.get(e.op);
                boolean legal = op.write() || op.value() == value;
                if (legal) {
                    long after = op.write() ? op.value() : value;
                    BitSet next = (BitSet) linearized.clone();
                    next.set(e.op);
                    if (visited.add(new Visited(next, after))) {
                        stack.push(new Frame(e, value));
                        value = after;
                        linearized.set(e.op);
                        lift(e);
                        e = head.next;
                        continue;
                    }
                }
                e = e.next;
            } else {
                // A response with its call not yet linearized: this path is a dead end.
                if (stack.isEmpty()) {
                    return false;
                }
                Frame f = stack.pop();
                value = f.valueBefore();
                linearized.clear(f.call().op);
                unlift(f.call());
                e = f.call().next;
            }
        }
        return true;
    }

    private static Event eventList(List<Operation> ops) {
        List<Event> events = new ArrayList<>(ops.size() * 2);
        for (int i = 0; i < ops.size(); i++) {
            Event call = new Event(i, true, ops.get(i).invoke());
            Event ret = new Event(i, false, ops.get(i).response());
            call.match = ret;
            events.add(call);
            events.add(ret);
        }
        // At equal times calls go first: an operation invoked at the instant another returns
        // counts as concurrent with it, the lenient reading.
        events.sort(Comparator.comparingLong((Event ev) -> ev.time).thenComparing(ev -> !ev.call));
        Event head = new Event(-1, false, Long.MIN_VALUE);
        Event prev = head;
        for (Event ev : events) {
            prev.next = ev;
            ev.prev = prev;
            prev = ev;
        }
        return head;
    }

    private static void lift(Event call) {
        call.prev.next = call.next;
        call.next.prev = call.prev;
        Event ret = call.match;
        ret.prev.next = ret.next;
        if (ret.next != null) {
            ret.next.prev = ret.prev;
        }
    }

    private static void unlift(Event call) {
        Event ret = call.match;
        ret.prev.next = ret;
        if (ret.next != null) {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        call.next.prev = call;
    }
}
