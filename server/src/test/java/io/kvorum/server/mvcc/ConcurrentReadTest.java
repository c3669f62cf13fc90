package io.kvorum.server.mvcc;

import static io.kvorum.server.mvcc.TestApply.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.api.mvccpb.KeyValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Readers on other threads while the test thread applies. Every txn either puts all ten keys or
 * deletes them all, so a read that is not torn finds either no key or ten keys all modified at the
 * revision it read.
 *
 * <p>With fillers, txn n also puts three thousand more keys when n % 100 == 0 and deletes them when
 * n % 100 == 50, so the compactor's index pass takes several chunks, empties many keys and races
 * the puts that bring them back; every txn changes something, so txn n is revision n + 2 and the
 * fillers are live at revision r exactly when (r - 2) % 100 < 50.
 */
class ConcurrentReadTest {

    private static final int KEYS = 10;
    private static final int FILLERS = 3 * TreeIndex.CHUNK;
    private static final long SEED = 20240611L;

    private final InMemoryBackend backend = new InMemoryBackend();
    private final MvccStore store = MvccStore.open(backend, new MvccConfig(3, Duration.ZERO));
    private final TestApply apply = new TestApply(store);
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean applying = new AtomicBoolean(true);
    private final AtomicLong reads = new AtomicLong();

    @AfterEach
    void close() {
        store.close();
    }

    private void applyTxn(WriteTxn txn, int n, boolean fillers) {
        if (fillers && n % 100 == 0) {
            for (int f = 0; f < FILLERS; f++) {
                txn.put(bytes(String.format("f%05d", f)), bytes("v" + n), 0);
            }
        } else if (fillers && n % 100 == 50) {
            txn.deleteRange(bytes("f"), bytes("g"));
        }
        if (n % 7 == 6) {
            txn.deleteRange(bytes("k"), bytes("l"));
            return;
        }
        for (int k = 0; k < KEYS; k++) {
            txn.put(bytes("k" + k), bytes("v" + n), 0);
        }
    }

    private void report(String violation) {
        if (violations.size() < 10) {
            violations.add(violation);
        }
    }

    private void check(RangeResult result) {
        List<KeyValue> kvs = result.kvs();
        boolean whole = kvs.isEmpty() && result.count() == 0
                || kvs.size() == KEYS && result.count() == KEYS
                && kvs.stream().allMatch(kv -> kv.getModRevision() == result.revision()
                        && kv.getValue().equals(kvs.get(0).getValue()));
        if (!whole) {
            report("torn read at " + result.revision() + ": " + kvs.size() + " kvs, count " + result.count());
        }
    }

    private Thread reader(int id, boolean historical) {
        Thread thread = new Thread(() -> {
            Random random = new Random(SEED + id);
            while (applying.get()) {
                long current = store.currentRevision();
                long at = historical && current > 1 ? 2 + random.nextInt((int) current - 1) : 0;
                try {
                    check(store.range(bytes("k"), bytes("l"), at, 0));
                    reads.incrementAndGet();
                } catch (CompactedException e) {
                    if (at == 0) {
                        report("read of the latest revision failed: compacted");
                    }
                } catch (RuntimeException e) {
                    report(e.toString());
                }
            }
        }, "reader-" + id);
        thread.start();
        return thread;
    }

    /** Counts the fillers at random revisions: all of them or none, as their schedule says. */
    private Thread fillerCounter(int id) {
        Thread thread = new Thread(() -> {
            Random random = new Random(SEED + id);
            while (applying.get()) {
                long current = store.currentRevision();
                long at = current > 1 ? 2 + random.nextInt((int) current - 1) : 0;
                try {
                    RangeResult result = store.count(bytes("f"), bytes("g"), at);
                    long expected = result.revision() >= 2 && (result.revision() - 2) % 100 < 50 ? FILLERS : 0;
                    if (result.count() != expected) {
                        report("fillers at " + result.revision() + ": " + result.count() + ", expected " + expected);
                    }
                    reads.incrementAndGet();
                } catch (CompactedException e) {
                    // a historical read below a compaction
                } catch (RuntimeException e) {
                    report(e.toString());
                }
            }
        }, "filler-counter-" + id);
        thread.start();
        return thread;
    }

    /** Hashes the latest revision twice: with no compaction between, the two must agree. */
    private Thread hasher() {
        Thread thread = new Thread(() -> {
            while (applying.get()) {
                try {
                    long at = store.currentRevision();
                    KeyValueHash first = store.hashKV(at);
                    KeyValueHash second = store.hashKV(at);
                    if (first.compactRevision() == second.compactRevision() && first.hash() != second.hash()) {
                        report("hash at " + at + " changed while the compacted revision stayed "
                                + first.compactRevision());
                    }
                    reads.incrementAndGet();
                } catch (CompactedException e) {
                    // a compaction passed the revision between the two hashes
                } catch (RuntimeException e) {
                    report(e.toString());
                }
            }
        }, "hasher");
        thread.start();
        return thread;
    }

    private void run(boolean compacting) throws InterruptedException {
        run(compacting, false);
    }

    private void run(boolean compacting, boolean fillers) throws InterruptedException {
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            readers.add(reader(i, i % 2 == 1));
        }
        if (fillers) {
            readers.add(fillerCounter(4));
            readers.add(fillerCounter(5));
            readers.add(hasher());
        }
        Random random = new Random(SEED);
        try {
            for (int n = 0; n < (fillers ? 600 : 1500); n++) {
                int entry = n;
                apply.stage(txn -> applyTxn(txn, entry, fillers));
                if (compacting && n % 25 == 24) {
                    store.compact(store.currentRevision());
                }
                if (random.nextInt(3) == 0) {
                    apply.commit();
                }
            }
            apply.commit();
        } finally {
            applying.set(false);
            for (Thread reader : readers) {
                reader.join();
            }
        }
        assertEquals(List.of(), List.copyOf(violations));
        assertTrue(reads.get() > 0);
    }

    @Test
    void concurrentReadersNeverSeeATornTxn() throws InterruptedException {
        run(false);
    }

    @Test
    void readsStayWholeWhileCompactionsRunAndLatestReadsNeverFail() throws InterruptedException {
        run(true);
    }

    @Test
    void readsAndHashesStayRightWhileTheCompactorCompactsTheIndexOfManyKeys() throws InterruptedException {
        // let readers in between chunks, so that they overlap index passes often
        store.afterIndexChunk(() -> LockSupport.parkNanos(200_000));
        run(true, true);
    }
}
