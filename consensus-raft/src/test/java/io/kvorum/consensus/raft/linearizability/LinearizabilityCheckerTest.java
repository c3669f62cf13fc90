package io.kvorum.consensus.raft.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {
    private static final long UNKNOWN = Operation.UNKNOWN;
    private long nextId = 1;

    private Operation write(String key, long value, long invoke, long response) {
        return new Operation(nextId++, key, true, value, invoke, response);
    }

    private Operation read(String key, long value, long invoke, long response) {
        return new Operation(nextId++, key, false, value, invoke, response);
    }

    private static boolean ok(Operation... ops) {
        return LinearizabilityChecker.findViolation(List.of(ops)).isEmpty();
    }

    @Test
    void sequentialHistoryOfWritesAndReadsIsLinearizable() {
        assertTrue(ok(read("a", 0, 1, 2), write("a", 1, 3, 4), read("a", 1, 5, 6), write("a", 2, 7, 8),
                read("a", 2, 9, 10)));
    }

    @Test
    void readOfAValueOverwrittenBeforeTheReadBeganIsRejected() {
        assertFalse(ok(write("a", 1, 1, 2), write("a", 2, 3, 4), read("a", 1, 5, 6)));
    }

    @Test
    void readThatMissesACompletedWriteIsRejected() {
        assertFalse(ok(write("a", 1, 1, 2), read("a", 0, 3, 4)));
    }

    @Test
    void readConcurrentWithAWriteMaySeeEitherValue() {
        assertTrue(ok(write("a", 1, 1, 10), read("a", 0, 2, 3), read("a", 1, 4, 5)));
        assertTrue(ok(write("a", 1, 1, 10), read("a", 1, 2, 3)));
    }

    @Test
    void valueCannotDisappearOnceAReadHasSeenIt() {
        // Both reads overlap the write, but the second starts after the first saw the new value.
        assertFalse(ok(write("a", 1, 1, 10), read("a", 1, 2, 3), read("a", 0, 4, 5)));
    }

    @Test
    void writeOfUnknownOutcomeMayTakeEffectLateOrNever() {
        assertTrue(ok(write("a", 1, 1, UNKNOWN), read("a", 0, 5, 6), read("a", 1, 20, 21)));
        assertTrue(ok(write("a", 1, 1, UNKNOWN), read("a", 0, 5, 6), read("a", 0, 20, 21)));
    }

    @Test
    void writeOfUnknownOutcomeStillCannotBeSeenBeforeItWasSent() {
        assertFalse(ok(read("a", 1, 1, 2), write("a", 1, 3, UNKNOWN)));
    }

    @Test
    void keysAreIndependentButEachMustBeLinearizable() {
        Optional<List<Operation>> v = LinearizabilityChecker.findViolation(List.of(write("a", 1, 1, 2),
                write("b", 2, 1, 2), read("a", 1, 3, 4), read("b", 0, 3, 4)));
        assertTrue(v.isPresent());
        assertEquals("b", v.get().get(0).key());
    }

    @Test
    void readOfAValueNeverWrittenIsRejected() {
        assertFalse(ok(write("a", 1, 1, 2), read("a", 7, 3, 4)));
    }

    /** Many concurrent clients on one register, driven by a sequential model: always accepted. */
    @Test
    void randomHistoriesGeneratedFromARealRegisterAreLinearizable() {
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 50; round++) {
            assertTrue(LinearizabilityChecker.findViolation(registerHistory(random, 60)).isEmpty(), "round " + round);
        }
    }

    /**
     * The same histories followed by a read, after everything finished, of a value that a later
     * write overwrote in real time: rejected.
     */
    @Test
    void randomHistoriesEndingInAStaleReadAreRejected() {
        SplittableRandom random = new SplittableRandom(7);
        int rejected = 0;
        for (int round = 0; round < 50; round++) {
            List<Operation> history = new ArrayList<>(registerHistory(random, 60));
            List<Operation> writes = history.stream().filter(Operation::write).toList();
            Operation overwritten = writes.get(0);
            if (writes.stream().noneMatch(w -> w.invoke() > overwritten.response())) {
                continue;
            }
            long end = history.stream().mapToLong(Operation::response).max().orElseThrow();
            history.add(read("k", overwritten.value(), end + 1, end + 2));
            assertTrue(LinearizabilityChecker.findViolation(history).isPresent(), "round " + round);
            rejected++;
        }
        assertTrue(rejected > 40, "too few rounds exercised the rejection: " + rejected);
    }

    /**
     * Operations from up to four concurrent clients. Each takes effect at one instant between its
     * invocation and response, on a real register, so the history is linearizable by construction.
     */
    private List<Operation> registerHistory(SplittableRandom random, int count) {
        record Open(boolean write, long value, long invoke, long effectAt) {
        }
        List<Operation> done = new ArrayList<>();
        List<Open> open = new ArrayList<>();
        long register = 0;
        long time = 0;
        long nextValue = 1;
        int started = 0;
        while (started < count || !open.isEmpty()) {
            time++;
            if (started < count && open.size() < 4 && random.nextInt(3) == 0) {
                boolean w = random.nextBoolean();
                open.add(new Open(w, w ? nextValue++ : 0, time, time + 1 + random.nextInt(5)));
                started++;
            }
            List<Open> still = new ArrayList<>();
            for (Open o : open) {
                if (o.effectAt() == time) {
                    long observed = register;
                    if (o.write()) {
                        register = o.value();
                    }
                    long response = time + random.nextInt(4);
                    done.add(new Operation(nextId++, "k", o.write(), o.write() ? o.value() : observed, o.invoke(),
                            Math.max(response, o.invoke() + 1)));
                } else {
                    still.add(o);
                }
            }
            open = still;
        }
        done.sort((a, b) -> Long.compare(a.invoke(), b.invoke()));
        return done;
    }
}
