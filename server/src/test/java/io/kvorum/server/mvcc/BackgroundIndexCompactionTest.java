package io.kvorum.server.mvcc;

import static io.kvorum.server.mvcc.TestApply.bytes;
import static io.kvorum.server.mvcc.TestApply.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.spi.backend.Bucket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The compactor compacts the index on its own thread. These tests hold it after its first chunk of
 * keys, so what the apply thread and readers do meanwhile happens during the compaction, by
 * construction rather than by timing.
 */
class BackgroundIndexCompactionTest {

    private static final byte[] ALL = {0};

    private final InMemoryBackend backend = new InMemoryBackend();
    private final MvccStore store = MvccStore.open(backend, new MvccConfig(100_000, Duration.ZERO));
    private final TestApply apply = new TestApply(store);
    private final Reference reference = new Reference();
    private final CountDownLatch paused = new CountDownLatch(1);
    private final CountDownLatch resume = new CountDownLatch(1);

    @AfterEach
    void close() {
        resume.countDown();
        store.close();
    }

    /**
     * Every key's records by revision, kept by replaying the txns the store gets: a value
     * "value@create/version", or null for a tombstone.
     */
    private static final class Reference {
        private final TreeMap<String, TreeMap<Long, String>> keys = new TreeMap<>();
        private long revision = 1;

        /** One txn; {@code changes} maps keys to new values, or to null to delete them. */
        void txn(Map<String, String> changes) {
            long next = revision + 1;
            boolean changed = false;
            for (Map.Entry<String, String> change : changes.entrySet()) {
                TreeMap<Long, String> history = keys.computeIfAbsent(change.getKey(), k -> new TreeMap<>());
                String live = history.isEmpty() ? null : history.lastEntry().getValue();
                if (change.getValue() == null) {
                    if (live != null) {
                        history.put(next, null);
                        changed = true;
                    }
                    continue;
                }
                long create = live == null
                        ? next : Long.parseLong(live.substring(live.indexOf('@') + 1, live.indexOf('/')));
                long version = live == null ? 1 : Long.parseLong(live.substring(live.indexOf('/') + 1)) + 1;
                history.put(next, change.getValue() + "@" + create + "/" + version);
                changed = true;
            }
            if (changed) {
                revision = next;
            }
        }

        /** The live keys at {@code at} as "key=value@create/version mod", in key order. */
        List<String> liveAt(long at) {
            List<String> live = new ArrayList<>();
            keys.forEach((key, history) -> {
                Map.Entry<Long, String> newest = history.floorEntry(at);
                if (newest != null && newest.getValue() != null) {
                    live.add(key + "=" + newest.getValue() + " " + newest.getKey());
                }
            });
            return live;
        }

        /** How many records a compaction at {@code at} leaves: per key, the live one at it and all newer. */
        int recordsKeptAt(long at) {
            int kept = 0;
            for (TreeMap<Long, String> history : keys.values()) {
                Map.Entry<Long, String> newest = history.floorEntry(at);
                kept += history.tailMap(at, false).size() + (newest != null && newest.getValue() != null ? 1 : 0);
            }
            return kept;
        }
    }

    /** Runs one txn on the store (staged, not committed) and on the reference. */
    private void txn(Map<String, String> changes) {
        apply.stage(txn -> changes.forEach((key, value) -> {
            if (value == null) {
                txn.deleteRange(bytes(key), null);
            } else {
                txn.put(bytes(key), bytes(value), 0);
            }
        }));
        reference.txn(changes);
    }

    private static Map<String, String> each(int keys, IntPredicate which, String value) {
        Map<String, String> changes = new TreeMap<>();
        for (int i = 0; i < keys; i++) {
            if (which.test(i)) {
                changes.put(key(i), value);
            }
        }
        return changes;
    }

    /** Changes given as key, value (null: delete), key, value… */
    private static Map<String, String> changes(String... keysAndValues) {
        Map<String, String> changes = new TreeMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            changes.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return changes;
    }

    private static String key(int i) {
        return String.format("k%06d", i);
    }

    private List<String> liveAt(long at) {
        List<String> live = new ArrayList<>();
        for (KeyValue kv : store.range(ALL, ALL, at, 0).kvs()) {
            live.add(string(kv.getKey()) + "=" + string(kv.getValue()) + "@" + kv.getCreateRevision() + "/"
                    + kv.getVersion() + " " + kv.getModRevision());
        }
        return live;
    }

    private void assertReadsMatchTheReference(long from, long to) {
        for (long at = from; at <= to; at++) {
            assertEquals(reference.liveAt(at), liveAt(at), "at revision " + at);
        }
    }

    /** Holds the compactor after its first chunk of keys until {@link #resume}. */
    private void holdTheCompactorAfterItsFirstChunk() {
        AtomicInteger chunks = new AtomicInteger();
        store.afterIndexChunk(() -> {
            if (chunks.incrementAndGet() == 1) {
                paused.countDown();
                try {
                    resume.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    private CompletableFuture<Void> compactAndWaitForTheHold(long revision) throws InterruptedException {
        holdTheCompactorAfterItsFirstChunk();
        CompletableFuture<Void> done = apply.compact(revision);
        assertTrue(paused.await(30, TimeUnit.SECONDS), "the compactor never reached its first chunk");
        return done;
    }

    @Test
    void writesCommitWhileTheIndexOfManyKeysIsBeingCompactedAndReadsAtOrAboveItStayRight() throws Exception {
        int keys = 200_000;
        for (int from = 0; from < keys; from += 1000) {
            int first = from;
            txn(each(keys, i -> i >= first && i < first + 1000, "a"));       // revisions 2..201
        }
        txn(each(keys, i -> i % 3 == 0, null));                               // 202
        Map<String, String> puts = each(keys, i -> i % 6 == 0, "b");
        puts.putAll(each(keys, i -> i % 5 == 1, "c"));
        txn(puts);                                                            // 203: i % 6 == 3 stay deleted
        txn(each(keys, i -> i % 7 == 2, "d"));                                // 204
        apply.commit();
        long compactAt = 203;

        CompletableFuture<Void> done = compactAndWaitForTheHold(compactAt);
        txn(each(keys, i -> i % 6 == 3, "e"));                                // 205: keys the compaction empties
        Map<String, String> newKeysAndDeletes = each(keys, i -> i % 5 == 1, null);
        for (int i = 0; i < 1000; i++) {
            newKeysAndDeletes.put(String.format("n%06d", i), "new");
        }
        txn(newKeysAndDeletes);                                               // 206
        apply.commit();

        assertEquals(206, store.currentRevision());
        assertFalse(done.isDone(), "the compaction was held all along");
        assertReadsMatchTheReference(compactAt, 206);
        assertThrows(CompactedException.class, () -> store.range(ALL, ALL, compactAt - 1, 0));

        resume.countDown();
        done.get(60, TimeUnit.SECONDS);

        assertReadsMatchTheReference(compactAt, 206);
        assertThrows(CompactedException.class, () -> store.range(ALL, ALL, compactAt - 1, 0));
        assertEquals(reference.recordsKeptAt(compactAt), backend.entries(Bucket.KEY).size());
    }

    @Test
    void keyDeletedAtOrBeforeTheRevisionAndPutAgainDuringTheCompactionKeepsItsNewGeneration() throws Exception {
        int keys = 2 * TreeIndex.CHUNK;
        String compactedBeforeTheHold = key(TreeIndex.CHUNK / 2);
        String compactedAfterTheHold = key(TreeIndex.CHUNK * 3 / 2);
        txn(each(keys, i -> true, "a"));                                      // 2
        txn(changes(compactedBeforeTheHold, null));                           // 3
        txn(changes(compactedAfterTheHold, null));                            // 4
        apply.commit();

        CompletableFuture<Void> done = compactAndWaitForTheHold(4);
        txn(changes(compactedBeforeTheHold, "again", compactedAfterTheHold, "again")); // 5
        apply.commit();
        resume.countDown();
        done.get(30, TimeUnit.SECONDS);

        for (String key : List.of(compactedBeforeTheHold, compactedAfterTheHold)) {
            KeyValue kv = apply.get(key, 0);
            assertEquals("again", string(kv.getValue()), key);
            assertEquals(5, kv.getCreateRevision(), key);
            assertEquals(1, kv.getVersion(), key);
            assertNull(apply.get(key, 4), key);
        }
        assertReadsMatchTheReference(4, 5);
        assertEquals(reference.recordsKeptAt(4), backend.entries(Bucket.KEY).size());
    }
}
