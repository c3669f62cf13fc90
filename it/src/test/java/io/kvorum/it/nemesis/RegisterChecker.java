package io.kvorum.it.nemesis;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Decides whether a history of get, put and compare-and-set on registers is linearizable: whether
 * some order of the operations, each placed between its invocation and its response, is a valid
 * sequential history of registers. Wing and Gong's search with Lowe's memoization (as Porcupine
 * and Knossos do): linearize an operation that may go next, backtrack on a dead end, never revisit
 * a (set of linearized operations, register value) seen before. Keys are independent registers,
 * so each is checked alone (linearizability is compositional).
 *
 * <p>An operation of unknown outcome (a write that timed out or failed) may have taken effect at
 * any time after its invocation, or never: the search may linearize it where its effect is
 * needed, and leaves it out otherwise. "Needed" is literal: the search places an unknown write
 * only where an operation that reads its value (a get of it, a CAS expecting it, a failed CAS
 * that saw it) could go right after. That loses no linearization: in any, an unknown write is
 * followed by a reader of its value or by a write, and in the latter case leaving it out is one
 * too. Without that rule every unknown write invoked long before its value is read would be a
 * candidate at every step in between, and each such pending write doubles the states to visit.
 */
final class RegisterChecker {
    /** Search steps per key before giving up: a history that needs more is too big for the test. */
    private static final long MAX_STEPS = 50_000_000;

    private RegisterChecker() {
    }

    /** The operations of the first key whose history is not linearizable, if any. */
    static Optional<List<Operation>> findViolation(List<Operation> history) {
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
     * Drops writes of unknown outcome whose value nobody observed. Values are unique, so such a
     * write constrains nothing: had it taken effect, the next operation on the key overwrote it
     * unseen. Observing includes a CAS's compare that held (it saw its expected value) and the
     * value a failed CAS read; a kept unknown CAS observes its expected value too, hence the
     * fixpoint. Without this every timed-out write would stay a candidate everywhere after it.
     */
    static List<Operation> withoutUnobservedUnknownWrites(List<Operation> ops) {
        Set<Long> observed = new HashSet<>();
        for (Operation o : ops) {
            switch (o.kind()) {
                case GET -> observed.add(o.value());
                case CAS -> {
                    if (o.outcome() == Operation.Outcome.OK) {
                        observed.add(o.expected());
                    } else if (o.outcome() == Operation.Outcome.CAS_FAILED) {
                        observed.add(o.read());
                    }
                }
                case PUT -> {
                }
            }
        }
        List<Operation> unknown = new ArrayList<>(ops.stream().filter(o -> o.outcome() == Operation.Outcome.UNKNOWN)
                .toList());
        Set<Operation> kept = new HashSet<>();
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Operation o : unknown) {
                if (!kept.contains(o) && observed.contains(o.value())) {
                    kept.add(o);
                    if (o.kind() == Operation.Kind.CAS) {
                        observed.add(o.expected());
                    }
                    grew = true;
                }
            }
        }
        return ops.stream().filter(o -> o.outcome() != Operation.Outcome.UNKNOWN || kept.contains(o)).toList();
    }

    /**
     * Whether the operations on one key are linearizable. The search recurses once per
     * operation, so it runs on a thread of its own with a deep stack.
     */
    static boolean linearizable(List<Operation> ops) {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                result.set(new Search(ops).run());
            } catch (RuntimeException | Error e) {
                result.set(e);
            }
        }, "linearizability-search", 1L << 30);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        Object r = result.get();
        if (r instanceof RuntimeException e) {
            throw e;
        }
        if (r instanceof Error e) {
            throw e;
        }
        return (Boolean) r;
    }

    /** The state of one search; confined to the thread that runs it. */
    private static final class Search {
        private final Operation[] ops;
        /** For each operation (index in invocation order) its rank among the known ones by response, or -1. */
        private final int[] rankByResponse;
        private final int[] byResponse;
        private final int known;
        /** For each operation, the operations that read the value it writes (values are unique). */
        private final int[][] readers;
        private final BitSet done = new BitSet();
        private final BitSet doneKnownRanks = new BitSet();
        private final Set<Visited> visited = new HashSet<>();
        private long steps;

        /** A search state: the register's value and the linearized set, stored as the first operation
         *  not linearized, the linearized ones after it, and the not linearized (unknown) ones before it. */
        private record Visited(long value, int first, BitSet after, List<Integer> holesBefore) {
        }

        Search(List<Operation> history) {
            ops = history.stream().sorted(Comparator.comparingLong(Operation::invoke)).toArray(Operation[]::new);
            rankByResponse = new int[ops.length];
            List<Integer> knownOps = new ArrayList<>();
            for (int i = 0; i < ops.length; i++) {
                rankByResponse[i] = -1;
                if (ops[i].outcome() != Operation.Outcome.UNKNOWN) {
                    knownOps.add(i);
                }
            }
            knownOps.sort(Comparator.comparingLong(i -> ops[i].response()));
            byResponse = knownOps.stream().mapToInt(Integer::intValue).toArray();
            for (int r = 0; r < byResponse.length; r++) {
                rankByResponse[byResponse[r]] = r;
            }
            known = byResponse.length;
            Map<Long, List<Integer>> byValueRead = new HashMap<>();
            for (int i = 0; i < ops.length; i++) {
                Operation op = ops[i];
                long read = switch (op.kind()) {
                    case GET -> op.value();
                    case PUT -> Long.MIN_VALUE;
                    case CAS -> op.outcome() == Operation.Outcome.CAS_FAILED ? op.read() : op.expected();
                };
                if (read != Long.MIN_VALUE) {
                    byValueRead.computeIfAbsent(read, v -> new ArrayList<>()).add(i);
                }
            }
            readers = new int[ops.length][];
            for (int i = 0; i < ops.length; i++) {
                readers[i] = ops[i].writes()
                        ? byValueRead.getOrDefault(ops[i].value(), List.of()).stream().mapToInt(Integer::intValue).toArray()
                        : new int[0];
            }
        }

        boolean run() {
            return search(0, 0);
        }

        private boolean search(long value, int knownDone) {
            if (knownDone == known) {
                return true;
            }
            if (++steps > MAX_STEPS) {
                throw new IllegalStateException("linearizability search exceeded " + MAX_STEPS + " steps for "
                        + ops.length + " operations on key " + ops[0].key());
            }
            if (!visited.add(visitedNow(value))) {
                return false;
            }
            // Every operation that returned before another was invoked precedes it: the candidates
            // are the operations invoked before the earliest response among those not linearized.
            long bound = ops[byResponse[doneKnownRanks.nextClearBit(0)]].response();
            for (int i = done.nextClearBit(0); i < ops.length && ops[i].invoke() <= bound; i = done.nextClearBit(i + 1)) {
                Operation op = ops[i];
                if (rankByResponse[i] < 0 && !readableNext(i, bound)) {
                    continue;
                }
                Long after = step(op, value);
                if (after == null) {
                    continue;
                }
                done.set(i);
                if (rankByResponse[i] >= 0) {
                    doneKnownRanks.set(rankByResponse[i]);
                }
                if (search(after, knownDone + (rankByResponse[i] >= 0 ? 1 : 0))) {
                    return true;
                }
                done.clear(i);
                if (rankByResponse[i] >= 0) {
                    doneKnownRanks.clear(rankByResponse[i]);
                }
            }
            return false;
        }

        /** Whether an operation that reads what unknown write {@code i} writes may go right after it. */
        private boolean readableNext(int i, long bound) {
            for (int j : readers[i]) {
                if (j != i && !done.get(j) && ops[j].invoke() <= bound) {
                    return true;
                }
            }
            return false;
        }

        private Visited visitedNow(long value) {
            int first = firstKnownNotDone();
            List<Integer> holes = new ArrayList<>();
            for (int i = done.nextClearBit(0); i < first; i = done.nextClearBit(i + 1)) {
                holes.add(i);
            }
            return new Visited(value, first, done.get(first, Math.max(first, done.length())), holes);
        }

        private int firstKnownNotDone() {
            for (int i = done.nextClearBit(0); i < ops.length; i = done.nextClearBit(i + 1)) {
                if (rankByResponse[i] >= 0) {
                    return i;
                }
            }
            return ops.length;
        }

        /** The register's value after {@code op} applied to {@code value}, or null if {@code op} cannot go here. */
        private static Long step(Operation op, long value) {
            return switch (op.kind()) {
                case GET -> op.value() == value ? value : null;
                case PUT -> op.value();
                case CAS -> switch (op.outcome()) {
                    case OK, UNKNOWN -> op.expected() == value ? op.value() : null;
                    case CAS_FAILED -> op.read() == value && op.expected() != value ? value : null;
                };
            };
        }
    }
}
