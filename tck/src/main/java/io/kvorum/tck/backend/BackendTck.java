package io.kvorum.tck.backend;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link Backend} owes the server, as tests. A backend plugin runs them against itself
 * by extending this class in its own tests and naming its provider:
 *
 * <pre>{@code
 * class MyBackendTckTest extends BackendTck {
 *     @Override
 *     protected BackendProvider provider() {
 *         return new MyBackendProvider();
 *     }
 * }
 * }</pre>
 *
 * Each test opens a fresh backend in a temporary directory, with the buckets {@link #KEY} and
 * {@link #META} named at open; {@link #options()} passes plugin options (e.g. small buffers, so
 * that a few MiB of data reach the files). One test, {@link #durableCommitSurvivesKillOfTheProcess},
 * also needs the provider to be found by {@link java.util.ServiceLoader} in a child JVM started
 * from this JVM's module and class path, as the launcher finds it.
 */
public abstract class BackendTck extends BackendSnapshotTck {

    // ---- key order -------------------------------------------------------------------------

    @Test
    void keysOrderAsUnsignedBytes() throws IOException {
        List<byte[]> sorted = List.of(bytes(), bytes(0x00), bytes(0x00, 0x00), bytes(0x01), bytes(0x7f),
                bytes(0x7f, 0xff), bytes(0x80), bytes(0x80, 0x00), bytes(0xfe, 0xff), bytes(0xff), bytes(0xff, 0x00));
        List<byte[]> shuffled = new ArrayList<>(sorted);
        Collections.shuffle(shuffled, new Random(7));
        commit(false, batch -> shuffled.forEach(key -> batch.put(KEY, key, key)));

        try (ReadView view = backend.readView()) {
            assertEquals(hex(sorted), hex(keys(view, KEY, bytes(), null, false, 0)));
            assertEquals(hex(reversed(sorted)), hex(keys(view, KEY, bytes(), null, true, 0)));
            assertEquals(hex(List.of(bytes(0x80), bytes(0x80, 0x00), bytes(0xfe, 0xff))),
                    hex(keys(view, KEY, bytes(0x80), bytes(0xff), false, 0)),
                    "0x80 and above sort after 0x7f, not before 0x00");
            assertEquals(hex(List.of(bytes(0x7f), bytes(0x7f, 0xff))),
                    hex(keys(view, KEY, bytes(0x7f), bytes(0x80), false, 0)));
            for (byte[] key : sorted) {
                assertArrayEquals(key, view.get(KEY, key).orElseThrow(), "value of " + hex(key));
            }
        }
    }

    @Test
    void aKeySortsBeforeEveryKeyItPrefixes() throws IOException {
        commit(false, batch -> {
            for (String key : List.of("b", "ab", "a\u0000", "a", "a\u0001", "aa", "")) {
                batch.put(KEY, utf8(key), utf8("v"));
            }
        });
        try (ReadView view = backend.readView()) {
            assertEquals(List.of("", "a", "a\u0000", "a\u0001", "aa", "ab", "b"), text(keys(view, KEY, "", null, false, 0)));
            assertEquals(List.of("a", "a\u0000", "a\u0001", "aa", "ab"), text(keys(view, KEY, "a", "b", false, 0)));
        }
    }

    @Test
    void emptyValuesAreValuesNotAbsence() throws IOException {
        commit(false, batch -> batch.put(KEY, utf8("empty"), bytes()));
        try (ReadView view = backend.readView()) {
            assertArrayEquals(bytes(), view.get(KEY, utf8("empty")).orElseThrow(() -> new AssertionError("absent")));
            List<byte[]> values = new ArrayList<>();
            view.scan(KEY, bytes(), null, false, 0, (key, value) -> values.add(value));
            assertEquals(1, values.size());
            assertArrayEquals(bytes(), values.get(0));
        }
    }

    // ---- scans -----------------------------------------------------------------------------

    @Test
    void forwardScanVisitsFromInclusiveToExclusive() throws IOException {
        fill(KEY, "a", "b", "c", "d", "e");
        try (ReadView view = backend.readView()) {
            assertEquals(List.of("b", "c", "d"), text(keys(view, KEY, "b", "e", false, 0)));
            assertEquals(List.of("b", "c"), text(keys(view, KEY, "az", "cz", false, 0)));
            assertEquals(List.of("a", "b", "c", "d", "e"), text(keys(view, KEY, "", "f", false, 0)));
        }
    }

    @Test
    void reverseScanVisitsDescendingFromBelowTheUpperBound() throws IOException {
        fill(KEY, "a", "b", "c", "d", "e");
        try (ReadView view = backend.readView()) {
            assertEquals(List.of("d", "c", "b"), text(keys(view, KEY, "b", "e", true, 0)));
            assertEquals(List.of("c", "b"), text(keys(view, KEY, "az", "cz", true, 0)));
        }
    }

    @Test
    void scanWithoutUpperBoundRunsToTheLastKeyEitherWay() throws IOException {
        fill(KEY, "a", "b", "c", "d", "e");
        try (ReadView view = backend.readView()) {
            assertEquals(List.of("c", "d", "e"), text(keys(view, KEY, "c", null, false, 0)));
            assertEquals(List.of("e", "d", "c"), text(keys(view, KEY, "c", null, true, 0)));
            assertEquals(List.of("e", "d"), text(keys(view, KEY, "c", null, true, 2)));
            assertEquals(List.of(), text(keys(view, KEY, "f", null, false, 0)));
        }
    }

    @Test
    void limitStopsAScanInEitherDirection() throws IOException {
        fill(KEY, "a", "b", "c", "d", "e");
        try (ReadView view = backend.readView()) {
            assertEquals(List.of("a", "b"), text(keys(view, KEY, "a", "z", false, 2)));
            assertEquals(List.of("e", "d"), text(keys(view, KEY, "a", "z", true, 2)));
            assertEquals(List.of("a", "b", "c", "d", "e"), text(keys(view, KEY, "a", "z", false, 10)));
            assertEquals(List.of("a", "b", "c", "d", "e"), text(keys(view, KEY, "a", "z", false, -1)),
                    "a negative limit means none");
        }
    }

    @Test
    void visitorStopsAScanByReturningFalse() throws IOException {
        fill(KEY, "a", "b", "c", "d", "e");
        try (ReadView view = backend.readView()) {
            for (boolean reverse : new boolean[] {false, true}) {
                List<String> seen = new ArrayList<>();
                view.scan(KEY, utf8("a"), null, reverse, 0, (key, value) -> {
                    seen.add(new String(key, UTF_8));
                    return seen.size() < 3;
                });
                assertEquals(reverse ? List.of("e", "d", "c") : List.of("a", "b", "c"), seen);
            }
        }
    }

    @Test
    void emptyOrInvertedRangeVisitsNothing() throws IOException {
        fill(KEY, "a", "b", "c");
        try (ReadView view = backend.readView()) {
            for (boolean reverse : new boolean[] {false, true}) {
                assertEquals(List.of(), keys(view, KEY, utf8("b"), utf8("b"), reverse, 0));
                assertEquals(List.of(), keys(view, KEY, utf8("c"), utf8("a"), reverse, 0));
                assertEquals(List.of(), keys(view, KEY, utf8("bb"), utf8("c"), reverse, 0));
            }
        }
    }

    @Test
    void visitorMayKeepTheArraysItIsHanded() throws IOException {
        fill(KEY, "a", "b");
        try (ReadView view = backend.readView()) {
            List<byte[]> kept = new ArrayList<>();
            view.scan(KEY, bytes(), null, false, 0, (key, value) -> kept.add(key) && kept.add(value));
            assertEquals(List.of("a", "a", "b", "b"), text(kept));
            kept.forEach(array -> Arrays.fill(array, (byte) 'x'));
            assertEquals(List.of("a", "b"), text(keys(view, KEY, "", null, false, 0)));
            byte[] got = view.get(KEY, utf8("a")).orElseThrow();
            got[0] = 'x';
            assertEquals("a", text(view.get(KEY, utf8("a")).orElseThrow()));
        }
    }

    @Test
    void absentKeysAndUnwrittenBucketsReadAsEmpty() throws IOException {
        fill(KEY, "a");
        try (ReadView view = backend.readView()) {
            assertTrue(view.get(KEY, utf8("b")).isEmpty());
            assertTrue(view.get(META, utf8("a")).isEmpty());
            assertTrue(view.get(LATE, utf8("a")).isEmpty());
            assertEquals(List.of(), keys(view, LATE, bytes(), null, false, 0));
        }
    }

    // ---- buckets ---------------------------------------------------------------------------

    @Test
    void bucketsAreSeparateKeySpaces() throws IOException {
        commit(false, batch -> {
            batch.put(KEY, utf8("same"), utf8("in key"));
            batch.put(META, utf8("same"), utf8("in meta"));
            batch.put(KEY, utf8("k1"), utf8("1"));
            batch.put(META, utf8("m1"), utf8("1"));
        });
        commit(false, batch -> batch.deleteRange(META, bytes(), bytes(0xff)));
        try (ReadView view = backend.readView()) {
            assertEquals("in key", text(view.get(KEY, utf8("same")).orElseThrow()));
            assertTrue(view.get(META, utf8("same")).isEmpty());
            assertEquals(List.of("k1", "same"), text(keys(view, KEY, "", null, false, 0)));
            assertEquals(List.of(), keys(view, META, bytes(), null, false, 0));
        }
        commit(false, batch -> batch.delete(KEY, utf8("same")));
        commit(false, batch -> batch.put(META, utf8("same"), utf8("again")));
        try (ReadView view = backend.readView()) {
            assertTrue(view.get(KEY, utf8("same")).isEmpty());
            assertEquals("again", text(view.get(META, utf8("same")).orElseThrow()));
        }
    }

    @Test
    void bucketNotNamedAtOpenIsCreatedByItsFirstWriteAndKept() throws IOException {
        commit(false, batch -> batch.put(LATE, utf8("a"), utf8("1")));
        assertEquals("1", read(LATE, "a"));
        reopen();
        assertEquals("1", read(LATE, "a"));
        assertEquals(List.of(), keys(KEY), "the late bucket's key is in no other bucket");
    }

    // ---- batches ---------------------------------------------------------------------------

    @Test
    void batchIsInvisibleUntilCommittedThenVisibleWhole() throws IOException {
        try (WriteBatch batch = backend.newBatch()) {
            batch.put(KEY, utf8("a"), utf8("1"));
            batch.put(META, utf8("b"), utf8("2"));
            assertEquals(2, batch.size());
            assertEquals(null, read(KEY, "a"));
            backend.commit(batch, false);
        }
        assertEquals("1", read(KEY, "a"));
        assertEquals("2", read(META, "b"));
    }

    @Test
    void batchClosedWithoutCommitWritesNothing() throws IOException {
        try (WriteBatch batch = backend.newBatch()) {
            batch.put(KEY, utf8("a"), utf8("1"));
            batch.deleteRange(KEY, bytes(), bytes(0xff));
        }
        fill(KEY, "b");
        assertEquals(List.of("b"), keys(KEY));
        reopen();
        assertEquals(List.of("b"), keys(KEY));
    }

    @Test
    void committedBatchIsUsedUp() throws IOException {
        WriteBatch batch = backend.newBatch();
        batch.put(KEY, utf8("a"), utf8("1"));
        backend.commit(batch, false);
        assertThrows(RuntimeException.class, () -> batch.put(KEY, utf8("b"), utf8("2")));
        assertThrows(Exception.class, () -> backend.commit(batch, false));
        batch.close();
        assertEquals(List.of("a"), keys(KEY));
    }

    @Test
    void changesApplyInBatchOrder() throws IOException {
        fill(KEY, "a", "b", "c", "d");
        commit(false, batch -> {
            batch.put(KEY, utf8("a"), utf8("first"));
            batch.delete(KEY, utf8("a"));
            batch.delete(KEY, utf8("b"));
            batch.put(KEY, utf8("b"), utf8("back"));
            batch.put(KEY, utf8("cc"), utf8("new"));
            batch.deleteRange(KEY, utf8("c"), utf8("d"));
            batch.put(KEY, utf8("c"), utf8("after range"));
            batch.put(KEY, utf8("d"), utf8("1"));
            batch.put(KEY, utf8("d"), utf8("2"));
        });
        try (ReadView view = backend.readView()) {
            assertEquals(List.of("b", "c", "d"), text(keys(view, KEY, "", null, false, 0)));
            assertEquals("back", text(view.get(KEY, utf8("b")).orElseThrow()));
            assertEquals("after range", text(view.get(KEY, utf8("c")).orElseThrow()));
            assertEquals("2", text(view.get(KEY, utf8("d")).orElseThrow()));
        }
    }

    @Test
    void deleteRangeDeletesFromInclusiveToExclusiveOnly() throws IOException {
        fill(KEY, "a", "b", "ba", "bz", "c", "ca");
        commit(false, batch -> {
            batch.deleteRange(KEY, utf8("b"), utf8("c"));
            batch.deleteRange(KEY, utf8("z"), utf8("a"));
        });
        assertEquals(List.of("a", "c", "ca"), keys(KEY));
        commit(false, batch -> batch.deleteRange(KEY, bytes(), bytes(0xff)));
        assertEquals(List.of(), keys(KEY));
    }

    @Test
    void emptyBatchCommits() throws IOException {
        try (WriteBatch batch = backend.newBatch()) {
            assertEquals(0, batch.size());
            backend.commit(batch, true);
        }
        assertEquals(List.of(), keys(KEY));
    }

    // ---- read views ------------------------------------------------------------------------

    @Test
    void viewNeverSeesWhatIsCommittedAfterItOpened() throws IOException {
        fill(KEY, "a", "b", "c");
        try (ReadView view = backend.readView()) {
            // nothing read through the view yet: it must already stand at its point in time
            commit(true, batch -> {
                batch.put(KEY, utf8("a"), utf8("changed"));
                batch.delete(KEY, utf8("b"));
                batch.put(KEY, utf8("d"), utf8("new"));
                batch.put(LATE, utf8("x"), utf8("new bucket"));
            });
            for (int round = 0; round < 3; round++) {
                assertEquals("a", text(view.get(KEY, utf8("a")).orElseThrow()));
                assertEquals("b", text(view.get(KEY, utf8("b")).orElseThrow()));
                assertTrue(view.get(KEY, utf8("d")).isEmpty());
                assertTrue(view.get(LATE, utf8("x")).isEmpty());
                assertEquals(List.of("a", "b", "c"), text(keys(view, KEY, "", null, false, 0)));
                assertEquals(List.of("c", "b", "a"), text(keys(view, KEY, "", null, true, 0)));
                commit(false, batch -> batch.deleteRange(KEY, bytes(), bytes(0xff)));
            }
        }
        assertEquals(List.of(), keys(KEY));
        assertEquals("new bucket", read(LATE, "x"));
    }

    @Test
    void viewSharedByManyThreadsShowsEachTheSamePointInTime() throws Exception {
        int keys = 50;
        commit(false, batch -> {
            for (int i = 0; i < keys; i++) {
                batch.put(KEY, utf8(String.format("k%03d", i)), utf8("v0"));
            }
        });
        ExecutorService readers = Executors.newFixedThreadPool(4);
        AtomicBoolean committed = new AtomicBoolean();
        try (ReadView shared = backend.readView()) {
            List<Future<?>> checks = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                checks.add(readers.submit(() -> {
                    // at least 50 rounds, and on until one that began after the last commit
                    for (int round = 0; ; round++) {
                        boolean last = committed.get() && round >= 50;
                        List<String> values = new ArrayList<>();
                        shared.scan(KEY, bytes(), null, round % 2 == 1, 0, (key, value) -> values.add(text(value)));
                        assertEquals(keys, values.size());
                        assertTrue(values.stream().allMatch("v0"::equals), values.toString());
                        assertEquals("v0", text(shared.get(KEY, utf8("k007")).orElseThrow()));
                        if (last) {
                            return null;
                        }
                    }
                }));
            }
            for (int version = 1; version <= 20; version++) {
                String value = "v" + version;
                commit(false, batch -> {
                    for (int i = 0; i < keys; i++) {
                        batch.put(KEY, utf8(String.format("k%03d", i)), utf8(value));
                    }
                });
            }
            committed.set(true);
            for (Future<?> check : checks) {
                check.get(60, TimeUnit.SECONDS);
            }
        } finally {
            readers.shutdownNow();
        }
    }

    /** Every batch moves one unit between two keys: the total is the same in any whole state. */
    @Test
    void readersOpeningViewsDuringCommitsAlwaysSeeWholeBatches() throws Exception {
        int accounts = 10;
        commit(false, batch -> {
            for (int i = 0; i < accounts; i++) {
                batch.put(KEY, utf8("account" + i), utf8("100"));
            }
            batch.put(META, utf8("moves"), utf8("0"));
        });
        ExecutorService readers = Executors.newFixedThreadPool(4);
        AtomicBoolean writing = new AtomicBoolean(true);
        try {
            List<Future<Integer>> checks = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                boolean reverse = r % 2 == 1;
                checks.add(readers.submit(() -> {
                    int views = 0;
                    while (writing.get() || views == 0) {
                        try (ReadView view = backend.readView()) {
                            int first = total(view, reverse);
                            String moves = text(view.get(META, utf8("moves")).orElseThrow());
                            assertEquals(100 * accounts, first, "sum at move " + moves);
                            assertEquals(first, total(view, !reverse), "a second scan of one view, at move " + moves);
                            assertEquals(moves, text(view.get(META, utf8("moves")).orElseThrow()));
                        }
                        views++;
                    }
                    return views;
                }));
            }
            Random random = new Random(42);
            int[] balances = new int[accounts];
            Arrays.fill(balances, 100);
            for (int move = 1; move <= 300; move++) {
                int from = random.nextInt(accounts);
                int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
                balances[from]--;
                balances[to]++;
                String moves = String.valueOf(move);
                commit(move % 50 == 0, batch -> {
                    batch.put(KEY, utf8("account" + from), utf8(String.valueOf(balances[from])));
                    batch.put(KEY, utf8("account" + to), utf8(String.valueOf(balances[to])));
                    batch.put(META, utf8("moves"), utf8(moves));
                });
            }
            writing.set(false);
            for (Future<Integer> check : checks) {
                assertTrue(check.get(60, TimeUnit.SECONDS) > 0);
            }
        } finally {
            readers.shutdownNow();
        }
    }

    private static int total(ReadView view, boolean reverse) {
        int[] total = {0};
        view.scan(KEY, utf8("account"), utf8("accounu"), reverse, 0, (key, value) -> {
            total[0] += Integer.parseInt(text(value));
            return true;
        });
        return total[0];
    }

    // ---- durability ------------------------------------------------------------------------

    @Test
    void committedDataSurvivesCloseAndReopen() throws IOException {
        commit(false, batch -> batch.put(KEY, utf8("plain"), utf8("1")));
        commit(true, batch -> batch.put(META, utf8("durable"), utf8("2")));
        commit(false, batch -> batch.put(LATE, utf8("late"), utf8("3")));
        reopen();
        assertEquals("1", read(KEY, "plain"));
        assertEquals("2", read(META, "durable"));
        assertEquals("3", read(LATE, "late"));
    }

    /**
     * A child JVM commits durable batches in a loop and is killed with SIGKILL right after it
     * reports one: reopened, the backend holds every reported batch, and each batch is there
     * whole or not at all.
     */
    @Test
    @Timeout(120)
    void durableCommitSurvivesKillOfTheProcess() throws Exception {
        backend.close();
        backend = null;
        assertTrue(CrashVictim.isInstalled(provider().name()), "provider " + provider().name()
                + " is not found by ServiceLoader (module-info 'provides' or META-INF/services)");
        Path dir = directory.resolve("crash");
        long reported = CrashVictim.runAndKill(provider(), options(), dir, directory.resolve("crash.log"));

        backend = open(dir);
        String last = read(CrashVictim.BUCKET, CrashVictim.LAST);
        assertTrue(last != null, "no batch survived, though " + reported + " were reported durable");
        long survived = Long.parseLong(last);
        assertTrue(survived >= reported, "batch " + reported + " was reported durable, but only "
                + survived + " survived");
        List<String> entries = keys(CrashVictim.BUCKET);
        assertEquals(survived * CrashVictim.KEYS_PER_BATCH + 1, entries.size(),
                "entries of batches 1.." + survived + ", whole, and nothing of a later batch");
        try (ReadView view = backend.readView()) {
            for (long batch = 1; batch <= survived; batch++) {
                for (int i = 0; i < CrashVictim.KEYS_PER_BATCH; i++) {
                    assertEquals(String.valueOf(batch),
                            text(view.get(CrashVictim.BUCKET, CrashVictim.key(batch, i)).orElseThrow()));
                }
            }
        }
    }

    // ---- sizes -----------------------------------------------------------------------------

    @Test
    void sizeGrowsWithDataAndSizeInUseNeverExceedsIt() throws IOException {
        long empty = backend.size();
        assertTrue(backend.sizeInUse() >= 0 && backend.sizeInUse() <= empty);
        writeRandom(2, 1000, 1000);
        long size = backend.size();
        assertTrue(size >= empty + 1_000_000, "size " + size + " after 2 MB, from " + empty);
        // A backend may flush and drop log files in the background, so the size moves between
        // two calls: compare readings taken together, once the background work lets them agree.
        long inUse = backend.sizeInUse();
        size = backend.size();
        for (int attempt = 0; attempt < 50 && inUse > size; attempt++) {
            sleep(100);
            inUse = backend.sizeInUse();
            size = backend.size();
        }
        assertTrue(inUse > 0 && inUse <= size, "in use " + inUse + " of " + size);
    }

    @Test
    void defragmentGivesBackTheSpaceOfDeletedKeysAndKeepsTheRest() throws IOException {
        writeRandom(4, 1000, 1000);
        backend.defragment();
        long full = backend.size();

        commit(false, batch -> batch.deleteRange(KEY, utf8("r00"), utf8("r03")));
        try (ReadView before = backend.readView()) {
            backend.defragment();
            assertEquals(1000, keys(before, KEY, bytes(), null, false, 0).size(), "a view open meanwhile still reads");
        }
        backend.defragment();

        long after = backend.size();
        assertTrue(after < full / 2, "size " + after + " after deleting 3/4 of " + full);
        assertTrue(backend.sizeInUse() <= after);
        assertEquals(1000, keys(KEY).size());
        reopen();
        assertEquals(1000, keys(KEY).size());
    }

}
