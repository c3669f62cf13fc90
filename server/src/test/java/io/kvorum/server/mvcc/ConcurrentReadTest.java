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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Readers on other threads while the test thread applies. Every txn either puts all ten keys or
 * deletes them all, so a read that is not torn finds either no key or ten keys all modified at the
 * revision it read.
 */
class ConcurrentReadTest {

    private static final int KEYS = 10;
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

    private void applyTxn(WriteTxn txn, int n) {
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

    private void run(boolean compacting) throws InterruptedException {
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            readers.add(reader(i, i % 2 == 1));
        }
        Random random = new Random(SEED);
        try {
            for (int n = 0; n < 1500; n++) {
                int entry = n;
                apply.stage(txn -> applyTxn(txn, entry));
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
}
