package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.StateMachine;
import io.kvorum.spi.consensus.StateMachineSnapshot;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The apply stage: batches handed over are applied in order, on its own thread once started; the
 * driver's drain waits for all of them; a failure stops the stage and reaches the driver.
 */
class ApplyStageTest {

    /** Keeps what it applied, on which thread, and may hold or fail an apply. */
    private static final class Machine implements StateMachine {
        final List<Long> applied = new ArrayList<>();
        final List<Boolean> durableCalls = new ArrayList<>();
        final AtomicReference<Thread> appliedOn = new AtomicReference<>();
        final AtomicInteger calls = new AtomicInteger();
        volatile CountDownLatch gate;
        volatile CountDownLatch entered;
        volatile long failAt = -1;

        @Override
        public long appliedIndex() {
            synchronized (applied) {
                return applied.isEmpty() ? 0 : applied.get(applied.size() - 1);
            }
        }

        @Override
        public long appliedTerm() {
            return 1;
        }

        @Override
        public void apply(List<Entry> entries, boolean durable) {
            appliedOn.set(Thread.currentThread());
            calls.incrementAndGet();
            CountDownLatch in = entered;
            if (in != null) {
                in.countDown();
            }
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            synchronized (applied) {
                for (Entry e : entries) {
                    if (e.index() == failAt) {
                        throw new IllegalStateException("cannot apply " + e.index());
                    }
                    applied.add(e.index());
                }
                durableCalls.add(durable);
            }
        }

        @Override
        public StateMachineSnapshot openSnapshot() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void writeSnapshot(OutputStream out) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void restoreSnapshot(InputStream in) {
            throw new UnsupportedOperationException();
        }
    }

    private static List<Entry> entries(long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(i -> new Entry(i, 1, new byte[] {(byte) i})).toList();
    }

    @Test
    void notStartedItAppliesOnTheCallersThreadAtOnce() {
        Machine m = new Machine();
        ApplyStage stage = new ApplyStage(m, () -> { });
        stage.submit(entries(1, 3), false, false);
        assertEquals(List.of(1L, 2L, 3L), m.applied);
        assertSame(Thread.currentThread(), m.appliedOn.get());
    }

    @Test
    void startedItAppliesOnItsOwnThreadInTheOrderHandedOverAndDrainWaitsForAll() throws Exception {
        Machine m = new Machine();
        ApplyStage stage = new ApplyStage(m, () -> { });
        stage.start("apply-test");
        try {
            for (long i = 1; i <= 200; i += 2) {
                stage.submit(entries(i, i + 1), false, false);
            }
            stage.drain();
            assertEquals(LongStream.rangeClosed(1, 200).boxed().toList(), m.applied);
            assertEquals("apply-test", m.appliedOn.get().getName());
        } finally {
            stage.stop();
        }
    }

    @Test
    void anIdleDriverWithAnIdleStageAppliesAtOnceOnItsOwnThreadAndOtherwiseHandsOverInOrder() throws Exception {
        Machine m = new Machine();
        ApplyStage stage = new ApplyStage(m, () -> { });
        stage.start("apply-test");
        try {
            stage.submit(entries(1, 2), false, true);
            assertEquals(List.of(1L, 2L), m.applied, "applied before submit returned");
            assertSame(Thread.currentThread(), m.appliedOn.get());

            m.gate = new CountDownLatch(1);
            m.entered = new CountDownLatch(1);
            stage.submit(entries(3, 3), false, false);
            assertTrue(m.entered.await(10, TimeUnit.SECONDS));
            stage.submit(entries(4, 5), false, true); // the stage is busy: handed over, after 3
            m.gate.countDown();
            stage.drain();
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), m.applied);
            assertEquals("apply-test", m.appliedOn.get().getName());
        } finally {
            stage.stop();
        }
    }

    @Test
    void batchesThatWaitAreAppliedAsOneKeepingOrderAndADurableRequest() throws Exception {
        Machine m = new Machine();
        m.gate = new CountDownLatch(1);
        m.entered = new CountDownLatch(1);
        ApplyStage stage = new ApplyStage(m, () -> { });
        stage.start("apply-test");
        try {
            stage.submit(entries(1, 1), false, false);
            assertTrue(m.entered.await(10, TimeUnit.SECONDS));
            stage.submit(entries(2, 3), false, false);
            stage.submit(entries(4, 4), true, false);
            stage.submit(entries(5, 6), false, false);
            m.gate.countDown();
            stage.drain();
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), m.applied);
            assertEquals(2, m.calls.get(), "the three waiting batches went to the state machine as one");
            assertEquals(List.of(false, true), m.durableCalls);
        } finally {
            stage.stop();
        }
    }

    @Test
    void handingOverBeyondTheBoundWaitsUntilTheThreadTakesBatches() throws Exception {
        Machine m = new Machine();
        m.gate = new CountDownLatch(1);
        m.entered = new CountDownLatch(1);
        ApplyStage stage = new ApplyStage(m, () -> { });
        stage.start("apply-test");
        try {
            stage.submit(entries(1, 1), false, false);
            assertTrue(m.entered.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < ApplyStage.MAX_WAITING; i++) {
                stage.submit(entries(2 + i, 2 + i), false, false);
            }
            CountDownLatch handedOver = new CountDownLatch(1);
            Thread driver = new Thread(() -> {
                stage.submit(entries(2 + ApplyStage.MAX_WAITING, 2 + ApplyStage.MAX_WAITING), false, false);
                handedOver.countDown();
            });
            driver.start();
            assertFalse(handedOver.await(300, TimeUnit.MILLISECONDS), "the driver waits while the stage is full");
            m.gate.countDown();
            assertTrue(handedOver.await(10, TimeUnit.SECONDS));
            driver.join();
            stage.drain();
            assertEquals(LongStream.rangeClosed(1, 2 + ApplyStage.MAX_WAITING).boxed().toList(), m.applied);
        } finally {
            stage.stop();
        }
    }

    @Test
    void aFailureStopsTheStageWakesTheDriverAndIsThrownToItFromThenOn() throws Exception {
        Machine m = new Machine();
        m.failAt = 3;
        CountDownLatch woken = new CountDownLatch(1);
        ApplyStage stage = new ApplyStage(m, woken::countDown);
        stage.start("apply-test");
        try {
            stage.submit(entries(1, 2), false, false);
            stage.submit(entries(3, 4), false, false);
            IllegalStateException e = assertThrows(IllegalStateException.class, stage::drain);
            assertEquals("cannot apply 3", e.getMessage());
            assertTrue(woken.await(10, TimeUnit.SECONDS));
            assertThrows(IllegalStateException.class, stage::check);
            assertThrows(IllegalStateException.class, () -> stage.submit(entries(5, 5), false, false));
            assertEquals(List.of(1L, 2L), m.applied, "nothing after the failed entry is applied");
        } finally {
            stage.stop();
        }
    }

    @Test
    void stopAppliesWhatWasHandedOverThenEndsTheThread() throws Exception {
        Machine m = new Machine();
        m.gate = new CountDownLatch(1);
        m.entered = new CountDownLatch(1);
        ApplyStage stage = new ApplyStage(m, () -> { });
        stage.start("apply-test");
        stage.submit(entries(1, 1), false, false);
        assertTrue(m.entered.await(10, TimeUnit.SECONDS));
        stage.submit(entries(2, 3), false, false);
        Thread opener = new Thread(m.gate::countDown);
        opener.start();
        stage.stop();
        assertEquals(List.of(1L, 2L, 3L), m.applied);
        assertFalse(m.appliedOn.get().isAlive());
    }
}
