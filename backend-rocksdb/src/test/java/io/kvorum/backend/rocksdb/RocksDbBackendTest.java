package io.kvorum.backend.rocksdb;

import static io.kvorum.backend.rocksdb.TestBackends.KEY;
import static io.kvorum.backend.rocksdb.TestBackends.META;
import static io.kvorum.backend.rocksdb.TestBackends.allKeys;
import static io.kvorum.backend.rocksdb.TestBackends.bytes;
import static io.kvorum.backend.rocksdb.TestBackends.get;
import static io.kvorum.backend.rocksdb.TestBackends.put;
import static io.kvorum.backend.rocksdb.TestBackends.scanKeys;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksDbBackendTest {
    @TempDir
    Path directory;

    private Backend backend;

    @BeforeEach
    void open() throws Exception {
        backend = TestBackends.open(directory, KEY, META);
    }

    @AfterEach
    void close() throws Exception {
        backend.close();
    }

    private void fill(Bucket bucket, String... keys) throws Exception {
        try (WriteBatch batch = backend.newBatch()) {
            for (String key : keys) {
                batch.put(bucket, bytes(key), bytes("value of " + key));
            }
            backend.commit(batch, false);
        }
    }

    @Test
    void keysOrderAsUnsignedBytes() throws Exception {
        try (WriteBatch batch = backend.newBatch()) {
            for (int first : new int[] {0xff, 0x80, 0x01, 0x7f}) {
                batch.put(KEY, bytes(first), bytes(first));
            }
            batch.put(KEY, bytes(0x80, 0x00), bytes(0));
            backend.commit(batch, false);
        }
        List<byte[]> keys = new ArrayList<>();
        try (ReadView view = backend.readView()) {
            view.scan(KEY, new byte[0], null, false, 0, (key, value) -> keys.add(key));
        }
        assertEquals(5, keys.size());
        assertArrayEquals(bytes(0x01), keys.get(0));
        assertArrayEquals(bytes(0x7f), keys.get(1));
        assertArrayEquals(bytes(0x80), keys.get(2));
        assertArrayEquals(bytes(0x80, 0x00), keys.get(3));
        assertArrayEquals(bytes(0xff), keys.get(4));
    }

    @Test
    void forwardScanVisitsKeysFromInclusiveToExclusive() throws Exception {
        fill(KEY, "a", "b", "c", "d", "e");
        try (ReadView view = backend.readView()) {
            assertEquals(List.of("b", "c", "d"), scanKeys(view, KEY, "b", "e", false, 0));
            assertEquals(List.of("b", "c"), scanKeys(view, KEY, "az", "cc", false, 0));
            assertEquals(List.of("c", "d", "e"), scanKeys(view, KEY, "c", null, false, 0));
        }
    }

    @Test
    void reverseScanStartsAtTheLastKeyBelowTheUpperBound() throws Exception {
        fill(KEY, "a", "b", "c", "d", "e");
        try (ReadView view = backend.readView()) {
            assertEquals(List.of("d", "c", "b"), scanKeys(view, KEY, "b", "e", true, 0));
            assertEquals(List.of("c", "b"), scanKeys(view, KEY, "az", "cc", true, 0));
            assertEquals(List.of("e", "d", "c"), scanKeys(view, KEY, "c", null, true, 0));
        }
    }

    @Test
    void scansStopAfterTheLimitInEitherDirection() throws Exception {
        fill(KEY, "a", "b", "c", "d", "e");
        try (ReadView view = backend.readView()) {
            assertEquals(List.of("a", "b"), scanKeys(view, KEY, "", null, false, 2));
            assertEquals(List.of("e", "d"), scanKeys(view, KEY, "", null, true, 2));
            assertEquals(List.of("d"), scanKeys(view, KEY, "b", "e", true, 1));
            assertEquals(List.of("a", "b", "c", "d", "e"), scanKeys(view, KEY, "", null, false, -1));
            assertEquals(List.of("a", "b", "c", "d", "e"), scanKeys(view, KEY, "", null, false, 99));
        }
    }

    @Test
    void scanStopsWhenTheVisitorSaysSo() throws Exception {
        fill(KEY, "a", "b", "c", "d", "e");
        List<String> seen = new ArrayList<>();
        try (ReadView view = backend.readView()) {
            view.scan(KEY, bytes(""), null, false, 0, (key, value) -> {
                seen.add(TestBackends.text(key));
                return !TestBackends.text(key).equals("c");
            });
        }
        assertEquals(List.of("a", "b", "c"), seen);
    }

    @Test
    void emptyOrInvertedRangeVisitsNothing() throws Exception {
        fill(KEY, "a", "b", "c");
        try (ReadView view = backend.readView()) {
            assertEquals(List.of(), scanKeys(view, KEY, "b", "b", false, 0));
            assertEquals(List.of(), scanKeys(view, KEY, "c", "a", true, 0));
            assertEquals(List.of(), scanKeys(view, KEY, "x", null, true, 0));
        }
    }

    @Test
    void scanHandsTheVisitorKeysAndValuesItMayKeep() throws Exception {
        fill(KEY, "a", "b");
        List<byte[]> values = new ArrayList<>();
        try (ReadView view = backend.readView()) {
            view.scan(KEY, bytes(""), null, false, 0, (key, value) -> values.add(value));
        }
        assertEquals("value of a", TestBackends.text(values.get(0)));
        assertEquals("value of b", TestBackends.text(values.get(1)));
    }

    @Test
    void absentKeysAndUnknownBucketsReadAsEmpty() throws Exception {
        fill(KEY, "a");
        try (ReadView view = backend.readView()) {
            assertEquals(Optional.empty(), view.get(KEY, bytes("b")));
            assertEquals(Optional.empty(), view.get(new Bucket("neverWritten"), bytes("a")));
            assertEquals(List.of(), scanKeys(view, new Bucket("neverWritten"), "", null, false, 0));
        }
    }

    @Test
    void batchIsInvisibleUntilCommitted() throws Exception {
        try (WriteBatch batch = backend.newBatch()) {
            batch.put(KEY, bytes("a"), bytes("1"));
            batch.put(META, bytes("consistent_index"), bytes("7"));
            assertEquals(2, batch.size());
            assertNull(get(backend, KEY, "a"));
            assertNull(get(backend, META, "consistent_index"));

            backend.commit(batch, false);
        }
        assertEquals("1", get(backend, KEY, "a"));
        assertEquals("7", get(backend, META, "consistent_index"));
    }

    @Test
    void closedBatchCommitsNothing() throws Exception {
        WriteBatch batch = backend.newBatch();
        batch.put(KEY, bytes("a"), bytes("1"));
        batch.close();

        assertThrows(IllegalStateException.class, () -> backend.commit(batch, false));
        assertNull(get(backend, KEY, "a"));
    }

    @Test
    void committedBatchIsUsedUp() throws Exception {
        WriteBatch batch = backend.newBatch();
        batch.put(KEY, bytes("a"), bytes("1"));
        backend.commit(batch, false);

        assertThrows(IllegalStateException.class, () -> batch.put(KEY, bytes("b"), bytes("2")));
        assertThrows(IllegalStateException.class, () -> backend.commit(batch, false));
        assertDoesNotThrow(batch::close);
    }

    @Test
    void deletesApplyInBatchOrder() throws Exception {
        fill(KEY, "a", "b", "c", "d", "e", "f");
        try (WriteBatch batch = backend.newBatch()) {
            batch.delete(KEY, bytes("a"));
            batch.deleteRange(KEY, bytes("c"), bytes("e"));
            batch.put(KEY, bytes("d"), bytes("back"));
            batch.deleteRange(KEY, bytes("z"), bytes("y"));
            assertEquals(4, batch.size());
            backend.commit(batch, false);
        }
        assertEquals(List.of("b", "d", "e", "f"), allKeys(backend, KEY));
        assertEquals("back", get(backend, KEY, "d"));
    }

    @Test
    void readViewStaysAtItsPointInTimeWhileWritesGoOn() throws Exception {
        int keys = 200;
        try (WriteBatch batch = backend.newBatch()) {
            for (int i = 0; i < keys; i++) {
                batch.put(KEY, bytes(String.format("k%04d", i)), bytes("v0"));
            }
            backend.commit(batch, false);
        }
        ExecutorService readers = Executors.newFixedThreadPool(4);
        AtomicBoolean writing = new AtomicBoolean(true);
        try (ReadView view = backend.readView()) {
            List<Future<Integer>> checks = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                checks.add(readers.submit(() -> {
                    int rounds = 0;
                    do {
                        List<String> seen = new ArrayList<>();
                        view.scan(KEY, bytes(""), null, rounds % 2 == 1, 0, (key, value) -> {
                            assertEquals("v0", TestBackends.text(value));
                            return seen.add(TestBackends.text(key));
                        });
                        assertEquals(keys, seen.size());
                        assertEquals("v0", get(view, KEY, "k0100"));
                        assertNull(get(view, KEY, "new"));
                        rounds++;
                    } while (writing.get() || rounds < 3);
                    return rounds;
                }));
            }
            for (int round = 1; round <= 50; round++) {
                try (WriteBatch batch = backend.newBatch()) {
                    for (int i = 0; i < keys; i += 3) {
                        batch.put(KEY, bytes(String.format("k%04d", i)), bytes("v" + round));
                    }
                    batch.delete(KEY, bytes(String.format("k%04d", round)));
                    batch.put(KEY, bytes("new"), bytes("x"));
                    backend.commit(batch, false);
                }
            }
            writing.set(false);
            for (Future<Integer> check : checks) {
                assertTrue(check.get(60, TimeUnit.SECONDS) >= 3);
            }
        } finally {
            readers.shutdownNow();
        }
        assertEquals("v50", get(backend, KEY, "k0000"));
    }

    /** Every batch moves one unit from one key to another: a view must never see a move half done. */
    @Test
    void viewsOpenedDuringCommitsNeverSeeHalfABatch() throws Exception {
        int accounts = 10;
        try (WriteBatch batch = backend.newBatch()) {
            for (int i = 0; i < accounts; i++) {
                batch.put(KEY, bytes("account" + i), bytes("100"));
            }
            batch.put(META, bytes("moves"), bytes("0"));
            backend.commit(batch, false);
        }
        ExecutorService readers = Executors.newFixedThreadPool(3);
        AtomicBoolean writing = new AtomicBoolean(true);
        try {
            List<Future<?>> checks = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                checks.add(readers.submit(() -> {
                    while (writing.get()) {
                        try (ReadView view = backend.readView()) {
                            int[] total = {0};
                            view.scan(KEY, bytes(""), null, false, 0, (key, value) -> {
                                total[0] += Integer.parseInt(TestBackends.text(value));
                                return true;
                            });
                            assertEquals(100 * accounts, total[0], "sum at move " + get(view, META, "moves"));
                        }
                    }
                    return null;
                }));
            }
            Random random = new Random(42);
            int[] balances = new int[accounts];
            Arrays.fill(balances, 100);
            for (int move = 1; move <= 500; move++) {
                int from = random.nextInt(accounts);
                int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
                balances[from]--;
                balances[to]++;
                try (WriteBatch batch = backend.newBatch()) {
                    batch.put(KEY, bytes("account" + from), bytes(String.valueOf(balances[from])));
                    batch.put(KEY, bytes("account" + to), bytes(String.valueOf(balances[to])));
                    batch.put(META, bytes("moves"), bytes(String.valueOf(move)));
                    backend.commit(batch, move % 50 == 0);
                }
            }
            writing.set(false);
            for (Future<?> check : checks) {
                check.get(60, TimeUnit.SECONDS);
            }
        } finally {
            readers.shutdownNow();
        }
    }

    @Test
    void dataSurvivesCloseAndReopen() throws Exception {
        put(backend, KEY, "plain", "1");
        try (WriteBatch batch = backend.newBatch()) {
            batch.put(KEY, bytes("durable"), bytes("2"));
            backend.commit(batch, true);
        }
        backend.close();

        backend = TestBackends.open(directory, KEY, META);
        assertEquals("1", get(backend, KEY, "plain"));
        assertEquals("2", get(backend, KEY, "durable"));
    }

    @Test
    void durableCommitIsInTheWalWhenItReturns() throws Exception {
        long before = backend.size();
        try (WriteBatch batch = backend.newBatch()) {
            batch.put(KEY, bytes("durable"), new byte[10_000]);
            backend.commit(batch, true);
        }
        assertTrue(backend.size() >= before + 10_000, "the WAL holds the batch");
        try (ReadView view = backend.readView()) {
            assertEquals(10_000, view.get(KEY, bytes("durable")).orElseThrow().length);
        }
    }

    @Test
    void bucketsAreIndependentKeySpaces() throws Exception {
        put(backend, KEY, "same", "in key");
        put(backend, META, "same", "in meta");
        put(backend, META, "only-meta", "x");
        try (WriteBatch batch = backend.newBatch()) {
            batch.deleteRange(KEY, bytes(""), bytes("zzz"));
            backend.commit(batch, false);
        }
        assertNull(get(backend, KEY, "same"));
        assertEquals("in meta", get(backend, META, "same"));
        assertEquals(List.of("only-meta", "same"), allKeys(backend, META));
        assertEquals(List.of(), allKeys(backend, KEY));
    }

    @Test
    void bucketNotNamedAtOpenIsCreatedOnFirstWriteAndKept() throws Exception {
        Bucket lease = Bucket.LEASE;
        try (ReadView before = backend.readView()) {
            put(backend, lease, "lease1", "ttl=5");
            assertNull(get(before, lease, "lease1"), "a view from before the bucket existed sees it empty");
        }
        assertEquals("ttl=5", get(backend, lease, "lease1"));
        backend.close();

        backend = TestBackends.open(directory, KEY, META);
        assertEquals("ttl=5", get(backend, lease, "lease1"));
    }

    @Test
    void bucketIsCreatedOnceWhenManyBatchesFirstWriteItAtOnce() throws Exception {
        Bucket alarm = Bucket.ALARM;
        ExecutorService writers = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<WriteBatch>> batches = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int writer = i;
                batches.add(writers.submit(() -> {
                    start.await();
                    WriteBatch batch = backend.newBatch();
                    batch.put(alarm, bytes("member" + writer), bytes("NOSPACE"));
                    return batch;
                }));
            }
            start.countDown();
            for (Future<WriteBatch> batch : batches) {
                backend.commit(batch.get(30, TimeUnit.SECONDS), false);
            }
        } finally {
            writers.shutdownNow();
        }
        assertEquals(List.of("member0", "member1", "member2", "member3"), allKeys(backend, alarm));
    }

    @Test
    void sizeCountsTheFilesAndSizeInUseNeverExceedsIt() throws Exception {
        assertTrue(backend.sizeInUse() <= backend.size());
        Random random = new Random(1);
        try (WriteBatch batch = backend.newBatch()) {
            for (int i = 0; i < 1000; i++) {
                byte[] value = new byte[1000];
                random.nextBytes(value);
                batch.put(KEY, bytes(String.format("k%05d", i)), value);
            }
            backend.commit(batch, false);
        }
        long size = backend.size();
        long inUse = backend.sizeInUse();
        assertTrue(size >= 1_000_000, "size " + size);
        assertTrue(inUse > 0 && inUse <= size, "in use " + inUse + " of " + size);

        backend.defragment();
        size = backend.size();
        inUse = backend.sizeInUse();
        assertTrue(size >= 900_000 && size < 3_000_000, "size after compaction " + size);
        assertTrue(inUse > 500_000 && inUse <= size, "in use " + inUse + " of " + size);
    }

    @Test
    void defragmentGivesBackTheSpaceOfDeletedKeys() throws Exception {
        Random random = new Random(2);
        for (int round = 0; round < 8; round++) {
            try (WriteBatch batch = backend.newBatch()) {
                for (int i = 0; i < 1000; i++) {
                    byte[] value = new byte[1000];
                    random.nextBytes(value);
                    batch.put(KEY, bytes(String.format("k%02d-%05d", round, i)), value);
                }
                backend.commit(batch, false);
            }
        }
        backend.defragment();
        long full = backend.size();

        try (WriteBatch batch = backend.newBatch()) {
            batch.deleteRange(KEY, bytes("k00"), bytes("k07"));
            backend.commit(batch, false);
        }
        assertTrue(backend.size() >= full / 2, "deleting alone frees nothing");
        backend.defragment();

        long after = backend.size();
        assertTrue(after < full / 3, "after " + after + " of " + full);
        assertEquals(1000, allKeys(backend, KEY).size());
    }

    @Test
    void closingAViewTwiceIsHarmlessAndAClosedViewRefusesReads() {
        ReadView view = backend.readView();
        view.close();
        assertDoesNotThrow(view::close);
        assertThrows(IllegalStateException.class, () -> view.get(KEY, bytes("a")));
        assertThrows(IllegalStateException.class, () -> scanKeys(view, KEY, "", null, false, 0));
    }

    @Test
    void closingAViewLetsAScanOnAnotherThreadFinish() throws Exception {
        fill(KEY, "a", "b", "c");
        ReadView view = backend.readView();
        CountDownLatch inScan = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            Future<List<String>> scan = reader.submit(() -> {
                List<String> keys = new ArrayList<>();
                view.scan(KEY, bytes(""), null, false, 0, (key, value) -> {
                    inScan.countDown();
                    await(closed);
                    return keys.add(TestBackends.text(key));
                });
                return keys;
            });
            inScan.await();
            view.close();
            closed.countDown();
            assertEquals(List.of("a", "b", "c"), scan.get(30, TimeUnit.SECONDS));
        } finally {
            reader.shutdownNow();
        }
        assertThrows(IllegalStateException.class, () -> view.get(KEY, bytes("a")));
    }

    @Test
    void closingTheBackendClosesViewsLeftOpenAndIsIdempotent() throws Exception {
        fill(KEY, "a");
        ReadView forgotten = backend.readView();
        backend.close();

        assertThrows(IllegalStateException.class, () -> forgotten.get(KEY, bytes("a")));
        assertThrows(IllegalStateException.class, backend::readView);
        assertThrows(IllegalStateException.class, backend::newBatch);
        assertDoesNotThrow(backend::close);
        assertDoesNotThrow(forgotten::close);
    }

    @Test
    void batchFromAnotherBackendIsRefused(@TempDir Path other) throws Exception {
        try (Backend second = TestBackends.open(other, KEY); WriteBatch foreign = second.newBatch()) {
            assertThrows(IllegalArgumentException.class, () -> backend.commit(foreign, false));
        }
    }

    @Test
    void deleteRangeWithoutUpperBoundIsRefused() {
        try (WriteBatch batch = backend.newBatch()) {
            assertThrows(NullPointerException.class, () -> batch.deleteRange(KEY, bytes("a"), null));
        }
    }

    @Test
    void emptyBatchCommits() throws Exception {
        try (WriteBatch batch = backend.newBatch()) {
            backend.commit(batch, true);
        }
        assertNull(get(backend, KEY, "a"));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aScanOfAWholeBucketLeavesTheBlockCacheAloneAndABoundedOneFillsIt() throws Exception {
        byte[] value = new byte[1024];
        new Random(3).nextBytes(value);
        try (WriteBatch batch = backend.newBatch()) {
            for (int i = 0; i < 2000; i++) {
                batch.put(KEY, bytes(String.format("k%05d", i)), value);
            }
            backend.commit(batch, false);
        }
        backend.defragment(); // into files: a memtable's entries are never cached as blocks
        RocksDbBackend rocks = (RocksDbBackend) backend;
        long before = rocks.blockCacheUsage();
        int[] seen = {0};
        try (ReadView view = backend.readView()) {
            view.scan(KEY, new byte[0], null, false, 0, (k, v) -> ++seen[0] > 0);
        }
        assertEquals(2000, seen[0]);
        assertTrue(rocks.blockCacheUsage() - before < 16 << 10,
                "a whole-bucket scan cached " + (rocks.blockCacheUsage() - before) + " bytes");
        try (ReadView view = backend.readView()) {
            view.scan(KEY, bytes("k"), null, false, 0, (k, v) -> ++seen[0] > 0);
        }
        assertEquals(4000, seen[0]);
        assertTrue(rocks.blockCacheUsage() - before > 1 << 20,
                "a bounded scan of 2 MB cached only " + (rocks.blockCacheUsage() - before) + " bytes");
    }
}
