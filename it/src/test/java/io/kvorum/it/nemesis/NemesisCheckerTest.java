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
}
