package io.kvorum.it.nemesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The nemesis test's checkers held to planted anomalies: a stale read, a lost write, a CAS that
 * should have failed, a watcher's gap and duplicate; and what they must accept: concurrency and
 * writes of unknown outcome that did or did not happen. No processes: runs in a moment.
 */
class NemesisCheckerTest {
    private static final long UNKNOWN = Operation.UNKNOWN;
    private long nextId = 1;
    private long nextRevision = 2;

    private Operation get(long value, long invoke, long response) {
        return new Operation(nextId++, 0, "m1", "k", Operation.Kind.GET, 0, value, Operation.Outcome.OK, 0, 0, invoke,
                response);
    }

    private Operation put(long value, long invoke, long response) {
        return new Operation(nextId++, 0, "m1", "k", Operation.Kind.PUT, 0, value,
                response == UNKNOWN ? Operation.Outcome.UNKNOWN : Operation.Outcome.OK, 0,
                response == UNKNOWN ? 0 : nextRevision++, invoke, response);
    }

    private Operation cas(long expected, long value, long invoke, long response) {
        return new Operation(nextId++, 0, "m1", "k", Operation.Kind.CAS, expected, value,
                response == UNKNOWN ? Operation.Outcome.UNKNOWN : Operation.Outcome.OK, 0,
                response == UNKNOWN ? 0 : nextRevision++, invoke, response);
    }

    private Operation casFailed(long expected, long value, long read, long invoke, long response) {
        return new Operation(nextId++, 0, "m1", "k", Operation.Kind.CAS, expected, value, Operation.Outcome.CAS_FAILED,
                read, 0, invoke, response);
    }

    private static boolean linearizable(Operation... ops) {
        return RegisterChecker.findViolation(List.of(ops)).isEmpty();
    }

    @Test
    void sequentialGetPutAndCasAreLinearizable() {
        assertTrue(linearizable(get(0, 1, 2), put(1, 3, 4), cas(1, 2, 5, 6), casFailed(1, 3, 2, 7, 8), get(2, 9, 10)));
    }

    @Test
    void aStaleReadIsAnAnomaly() {
        assertFalse(linearizable(put(1, 1, 2), put(2, 3, 4), get(1, 5, 6)));
    }

    @Test
    void aLostAcknowledgedWriteIsAnAnomaly() {
        assertFalse(linearizable(put(1, 1, 2), get(0, 3, 4)));
    }

    @Test
    void aCasThatSucceedsAgainstAnOverwrittenValueIsAnAnomaly() {
        assertFalse(linearizable(put(1, 1, 2), put(2, 3, 4), cas(1, 3, 5, 6)));
    }

    @Test
    void aCasThatFailsWhileItsExpectedValueHeldIsAnAnomaly() {
        assertFalse(linearizable(put(1, 1, 2), casFailed(1, 3, 1, 3, 4)));
    }

    @Test
    void concurrentOperationsMayTakeEffectInEitherOrder() {
        assertTrue(linearizable(put(1, 1, 10), put(2, 2, 9), get(1, 11, 12)));
        assertTrue(linearizable(put(1, 1, 10), put(2, 2, 9), get(2, 11, 12)));
        assertFalse(linearizable(put(1, 1, 10), put(2, 2, 9), get(1, 11, 12), get(2, 13, 14)));
    }

    @Test
    void aWriteOfUnknownOutcomeMayHappenLateOrNever() {
        assertTrue(linearizable(put(1, 1, 2), put(2, 3, UNKNOWN), get(1, 5, 6), get(2, 7, 8)));
        assertTrue(linearizable(put(1, 1, 2), put(2, 3, UNKNOWN), get(1, 5, 6), get(1, 7, 8)));
        assertTrue(linearizable(put(1, 1, 2), cas(1, 2, 3, UNKNOWN), cas(2, 3, 5, 6), get(3, 7, 8)));
        // ...but not before it was invoked
        assertFalse(linearizable(put(1, 1, 2), get(2, 3, 4), put(2, 5, UNKNOWN)));
        // and an unknown CAS only where its compare holds
        assertFalse(linearizable(put(1, 1, 2), put(5, 3, 4), cas(1, 2, 5, UNKNOWN), get(2, 7, 8)));
    }

    /**
     * Writes that timed out early and were read one after the other much later: each is placed
     * only where its reader can follow, or the search would try every subset of them at every
     * step and give up (its step bound) long before the end.
     */
    @Test
    void manyUnknownWritesReadLongAfterTheyWereSentAreCheckedWithoutASearchBlowUp() {
        List<Operation> ops = new ArrayList<>();
        int writes = 40;
        for (int i = 1; i <= writes; i++) {
            ops.add(put(i, i, UNKNOWN));
        }
        for (int i = 1; i <= writes; i++) {
            ops.add(get(i, 1_000 + 10L * i, 1_005 + 10L * i));
        }
        assertTrue(RegisterChecker.findViolation(ops).isEmpty());
        ops.add(get(1, 5_000, 5_001)); // read after the last write was seen: stale
        assertFalse(RegisterChecker.findViolation(ops).isEmpty());
    }

    @Test
    void anUnobservedUnknownWriteIsDroppedButAnObservedOneIsKept() {
        List<Operation> ops = List.of(put(1, 1, 2), put(2, 3, UNKNOWN), cas(1, 3, 4, UNKNOWN), cas(3, 4, 5, UNKNOWN),
                get(4, 6, 7));
        List<Operation> kept = RegisterChecker.withoutUnobservedUnknownWrites(ops);
        assertEquals(List.of(ops.get(0), ops.get(2), ops.get(3), ops.get(4)), kept);
    }

    @Test
    void aLongRandomSequentialHistoryIsLinearizableAndOneStaleReadInItIsNot() {
        SplittableRandom random = new SplittableRandom(7);
        List<Operation> ops = new ArrayList<>();
        long value = 0;
        long t = 1;
        for (int i = 0; i < 5_000; i++) {
            long next = 10 + i;
            switch (random.nextInt(3)) {
                case 0 -> ops.add(get(value, t, t + 3));
                case 1 -> {
                    ops.add(put(next, t, t + 3));
                    value = next;
                }
                default -> {
                    ops.add(cas(value, next, t, t + 3));
                    value = next;
                }
            }
            t += 2; // overlapping neighbours
        }
        assertTrue(RegisterChecker.findViolation(ops).isEmpty());
        ops.add(get(10, t + 10, t + 11));
        assertFalse(RegisterChecker.findViolation(ops).isEmpty());
    }

    @Test
    void aWatcherGapDuplicateOrMissingWriteIsReported() {
        nextRevision = 2;
        Operation a = put(1, 1, 2);
        Operation b = put(2, 3, 4);
        Operation c = put(3, 5, 6);
        List<Operation> history = List.of(a, b, c);
        List<WatchLog.Event> all = List.of(new WatchLog.Event(2, "k", 1), new WatchLog.Event(3, "k", 2),
                new WatchLog.Event(4, "k", 3));
        assertEquals(List.of(), WatchLog.problems("w", all, 2, 4, history, Map.of("k", 3L)));
        List<WatchLog.Event> gap = List.of(all.get(0), all.get(2));
        assertFalse(WatchLog.problems("w", gap, 2, 4, history, Map.of("k", 3L)).isEmpty());
        List<WatchLog.Event> duplicate = List.of(all.get(0), all.get(1), all.get(1), all.get(2));
        assertFalse(WatchLog.problems("w", duplicate, 2, 4, history, Map.of("k", 3L)).isEmpty());
        List<WatchLog.Event> wrongValue = List.of(all.get(0), new WatchLog.Event(3, "k", 9), all.get(2));
        assertFalse(WatchLog.problems("w", wrongValue, 2, 4, history, Map.of("k", 3L)).isEmpty());
        assertFalse(WatchLog.problems("w", all.subList(0, 2), 2, 4, history, Map.of("k", 3L)).isEmpty());
    }

    @Test
    void aStaleReadIsNamedWithThePauseOfItsMember() {
        nextRevision = 2;
        Operation first = put(1, 1_000, 2_000);
        Operation second = put(2, 3_000, 4_000);
        Operation stale = get(1, 5_000, 6_000);
        List<WatchLog.Event> events = List.of(new WatchLog.Event(2, "k", 1), new WatchLog.Event(3, "k", 2));
        List<Nemesis.Window> windows = List.of(new Nemesis.Window(Nemesis.Fault.PAUSE, "m1", 2_500, 4_500),
                new Nemesis.Window(Nemesis.Fault.KILL, "m2", 2_500, 4_500));
        List<String> problems = RevisionOrder.problems(List.of(first, second, stale), events, windows);
        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).startsWith(stale + " saw 1 (revision 2), overwritten by " + second), problems::toString);
        assertTrue(problems.get(0).endsWith("faults on m1 around it: PAUSE 0.0025 ms to 0.0045 ms"), problems::toString);
    }

    /**
     * Histories made from a register that is linearizable by construction: each operation takes
     * effect at its own point, invoked up to 40 ticks before it and answered up to 40 after; a
     * write of unknown outcome, invoked up to 3,000 ticks before its point, took effect there or
     * never. The checker must accept all.
     */
    @Test
    void everyHistoryOfALinearizableRegisterIsAccepted() {
        SplittableRandom random = new SplittableRandom(11);
        for (int round = 0; round < 400; round++) {
            List<Operation> ops = randomLinearizableHistory(random, 20 + random.nextInt(300));
            assertTrue(RegisterChecker.findViolation(ops).isEmpty(), () -> "rejected:\n" + render(ops));
        }
    }

    /** The checker against an exhaustive search on small histories, planted anomalies included. */
    @Test
    void onSmallHistoriesTheCheckerAgreesWithAnExhaustiveSearch() {
        SplittableRandom random = new SplittableRandom(13);
        int rejected = 0;
        for (int round = 0; round < 3_000; round++) {
            List<Operation> ops = new ArrayList<>(randomLinearizableHistory(random, 2 + random.nextInt(6)));
            if (random.nextBoolean()) {
                int i = random.nextInt(ops.size());
                Operation o = ops.get(i);
                // a planted misreading: another value from the history, or the absent key
                long other = random.nextInt(3) == 0 ? 0 : ops.get(random.nextInt(ops.size())).value();
                ops.set(i, switch (o.outcome()) {
                    case CAS_FAILED -> new Operation(o.id(), o.client(), o.member(), o.key(), o.kind(), o.expected(),
                            o.value(), o.outcome(), other, 0, o.invoke(), o.response());
                    default -> o.kind() == Operation.Kind.GET
                            ? new Operation(o.id(), o.client(), o.member(), o.key(), o.kind(), 0, other, o.outcome(), 0,
                                    0, o.invoke(), o.response())
                            : o.kind() == Operation.Kind.CAS
                                    ? new Operation(o.id(), o.client(), o.member(), o.key(), o.kind(), other, o.value(),
                                            o.outcome(), 0, o.revision(), o.invoke(), o.response())
                                    : o;
                });
            }
            boolean expected = ExhaustiveSearch.linearizable(ops);
            rejected += expected ? 0 : 1;
            assertEquals(expected, RegisterChecker.findViolation(ops).isEmpty(), () -> render(ops));
        }
        assertTrue(rejected > 50, "too few planted anomalies to mean anything: " + rejected);
    }

    private List<Operation> randomLinearizableHistory(SplittableRandom random, int size) {
        List<Operation> ops = new ArrayList<>();
        List<Long> written = new ArrayList<>(List.of(0L));
        long value = 0;
        for (int i = 0; i < size; i++) {
            long point = 3_000 + 10L * i;
            boolean unknown = random.nextInt(5) == 0;
            // a write of unknown outcome may take effect long after it was sent (a retried proposal)
            long invoke = point - random.nextInt(unknown ? 3_000 : 40);
            long response = point + 1 + random.nextInt(40);
            boolean tookEffect = !unknown || random.nextBoolean();
            long next = 1_000 + i;
            long answered = unknown ? UNKNOWN : response;
            int dice = random.nextInt(4);
            if (dice == 0) {
                ops.add(get(value, invoke, response));
            } else if (dice == 1) {
                ops.add(put(next, invoke, answered));
                if (tookEffect) {
                    value = next;
                    written.add(next);
                }
            } else {
                boolean holds = random.nextInt(3) != 0;
                long expected = holds ? value : written.get(random.nextInt(written.size()));
                if (expected == 0 || (!holds && expected == value)) {
                    ops.add(get(value, invoke, response));
                } else if (expected == value && tookEffect) {
                    ops.add(cas(expected, next, invoke, answered));
                    value = next;
                    written.add(next);
                } else if (unknown) {
                    ops.add(cas(expected, next, invoke, UNKNOWN)); // its compare failed, or it never ran
                } else {
                    ops.add(casFailed(expected, next, value, invoke, response));
                }
            }
        }
        return ops;
    }

    private static String render(List<Operation> ops) {
        return String.join("\n", ops.stream().map(Operation::toString).toList());
    }

    /** Every order of every subset of the unknown writes with all the answered operations. */
    private static final class ExhaustiveSearch {
        static boolean linearizable(List<Operation> ops) {
            return extend(ops, new boolean[ops.size()], 0, 0);
        }

        private static boolean extend(List<Operation> ops, boolean[] placed, long value, int count) {
            boolean knownLeft = false;
            for (int i = 0; i < ops.size(); i++) {
                knownLeft |= !placed[i] && ops.get(i).outcome() != Operation.Outcome.UNKNOWN;
            }
            if (!knownLeft) {
                return true;
            }
            for (int i = 0; i < ops.size(); i++) {
                if (placed[i] || !mayGoNext(ops, placed, i)) {
                    continue;
                }
                Operation op = ops.get(i);
                Long after = switch (op.kind()) {
                    case GET -> op.value() == value ? value : null;
                    case PUT -> op.value();
                    case CAS -> op.outcome() == Operation.Outcome.CAS_FAILED
                            ? (op.read() == value && op.expected() != value ? value : null)
                            : (op.expected() == value ? op.value() : null);
                };
                if (after == null) {
                    continue;
                }
                placed[i] = true;
                if (extend(ops, placed, after, count + 1)) {
                    return true;
                }
                placed[i] = false;
            }
            return false;
        }

        /** No operation left answered before {@code i} was invoked. */
        private static boolean mayGoNext(List<Operation> ops, boolean[] placed, int i) {
            for (int j = 0; j < ops.size(); j++) {
                if (!placed[j] && j != i && ops.get(j).response() < ops.get(i).invoke()) {
                    return false;
                }
            }
            return true;
        }
    }
}
