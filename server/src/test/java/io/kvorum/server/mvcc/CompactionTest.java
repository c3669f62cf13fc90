package io.kvorum.server.mvcc;

import static io.kvorum.server.mvcc.TestApply.bytes;
import static io.kvorum.server.mvcc.TestApply.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.server.metrics.Registry;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.Series;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CompactionTest {

    private static final MvccConfig ONE_RECORD_PER_BATCH = new MvccConfig(1, Duration.ZERO);

    private final InMemoryBackend backend = new InMemoryBackend();
    private final List<MvccStore> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(MvccStore::close);
    }

    private TestApply open(InMemoryBackend on, MvccConfig config) {
        MvccStore store = MvccStore.open(on, config);
        opened.add(store);
        return new TestApply(store);
    }

    private static void await(CompletableFuture<Void> done) throws Exception {
        done.get(10, TimeUnit.SECONDS);
    }

    /** The key bucket's records as "main_sub" (+"t" for tombstones), in revision order. */
    private static List<String> records(InMemoryBackend backend) {
        List<String> records = new ArrayList<>();
        for (byte[] key : backend.entries(Bucket.KEY).keySet()) {
            records.add(Revision.fromKey(key) + (Revision.isTombstoneKey(key) ? "t" : ""));
        }
        return records;
    }

    private static long meta(InMemoryBackend backend, String name) {
        byte[] value = backend.entries(Bucket.META).get(MetaBucket.key(name));
        return value == null ? -1 : Revision.getLong(value, 0);
    }

    /** a@2, b@3, a@4, c@5, delete b@6, a@7: compacting at 6 keeps a@4, c@5 and a@7. */
    private static void history(TestApply apply) {
        apply.put("a", "1");
        apply.put("b", "1");
        apply.put("a", "2");
        apply.put("c", "1");
        apply.delete("b");
        apply.put("a", "3");
    }

    private static Series series(Registry registry, String name) {
        MetricFamily family = registry.collect().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
        return family.series().get(0);
    }

    @Test
    void aCompactionRecordsItsIndexPauseEachBatchsPauseAndTheRecordsItDeletes() throws Exception {
        Registry registry = new Registry();
        TestApply apply = open(backend, ONE_RECORD_PER_BATCH.recordingInto(MvccConfig.CompactionMetrics.of(registry)));
        assertEquals(0, ((Series.Value) series(registry, "etcd_debugging_mvcc_db_compaction_keys_total")).value());
        history(apply);

        await(apply.compact(6));

        // a@2, b@3, b@6 (tombstone) dropped, one record per batch
        assertEquals(3, ((Series.Value) series(registry, "etcd_debugging_mvcc_db_compaction_keys_total")).value());
        assertEquals(1, ((Series.Distribution) series(registry,
                "etcd_debugging_mvcc_index_compaction_pause_duration_milliseconds")).count());
        assertEquals(3, ((Series.Distribution) series(registry,
                "etcd_debugging_mvcc_db_compaction_pause_duration_milliseconds")).count());
    }

    @Test
    void readsBelowTheCompactedRevisionFailButReadsAtItSucceed() throws Exception {
        TestApply apply = open(backend, MvccConfig.DEFAULT);
        history(apply);

        await(apply.compact(5));

        CompactedException e = assertThrows(CompactedException.class, () -> apply.get("a", 4));
        assertEquals("mvcc: required revision has been compacted", e.getMessage());
        assertEquals("2", string(apply.get("a", 5).getValue()));
        assertEquals(3, apply.store.range(new byte[] {0}, new byte[] {0}, 5, 0).count());
        assertEquals(5, apply.store.compactedRevision());
    }

    @Test
    void compactionKeepsTheLatestRecordOfEachKeyAndEverythingNewer() throws Exception {
        TestApply apply = open(backend, MvccConfig.DEFAULT);
        history(apply);

        await(apply.compact(6));

        assertEquals(List.of("4_0", "5_0", "7_0"), records(backend));
        assertEquals("2", string(apply.get("a", 6).getValue()));
        assertEquals("3", string(apply.get("a", 7).getValue()));
        assertEquals(4, apply.get("a", 6).getModRevision());
    }

    @Test
    void tombstonesAtOrBeforeTheRevisionAreDroppedWithTheirKey() throws Exception {
        TestApply apply = open(backend, MvccConfig.DEFAULT);
        history(apply);

        await(apply.compact(7));

        assertNull(apply.get("b", 7));
        assertTrue(records(backend).stream().noneMatch(record -> record.endsWith("t")));
        assertEquals(List.of("a", "c"), apply.store.range(new byte[] {0}, new byte[] {0}, 0, 0).kvs().stream()
                .map(kv -> string(kv.getKey())).toList());
    }

    @Test
    void keysDeletedAfterTheRevisionKeepTheirHistory() throws Exception {
        TestApply apply = open(backend, MvccConfig.DEFAULT);
        history(apply);

        await(apply.compact(4));

        assertEquals("1", string(apply.get("b", 4).getValue()));
        assertEquals("1", string(apply.get("b", 5).getValue()));
        assertNull(apply.get("b", 6));
        assertEquals(List.of("3_0", "4_0", "5_0", "6_0t", "7_0"), records(backend));
    }

    @Test
    void compactionRejectsRevisionsAlreadyCompactedOrInTheFuture() {
        TestApply apply = open(backend, MvccConfig.DEFAULT);
        history(apply);
        apply.compact(7);

        assertThrows(CompactedException.class, () -> apply.store.compact(7));
        assertThrows(CompactedException.class, () -> apply.store.compact(3));
        assertThrows(FutureRevisionException.class, () -> apply.store.compact(8));
    }

    @Test
    void compactionReachesReadersWhenItsBatchCommits() {
        TestApply apply = open(backend, MvccConfig.DEFAULT);
        history(apply);

        apply.store.compact(6);

        assertEquals("1", string(apply.get("a", 2).getValue()));
        assertEquals(-1, apply.store.compactedRevision());
        try (WriteTxn txn = apply.store.beginWrite()) {
            assertThrows(CompactedException.class, () -> txn.range(bytes("a"), null, 5, 0));
            assertEquals(1, txn.range(bytes("a"), null, 6, 0).count());
        }
        apply.commit();
        assertThrows(CompactedException.class, () -> apply.get("a", 2));
        assertEquals(6, meta(backend, MetaBucket.SCHEDULED_COMPACT_REVISION));
    }

    @Test
    void physicalDeletionGoesInBoundedBatchesAndThenRecordsTheFinish() throws Exception {
        List<Integer> deletesPerCommit = new ArrayList<>();
        backend.crashWhen(ops -> {
            long deletes = ops.stream().filter(InMemoryBackend.Op::delete).count();
            if (deletes > 0) {
                deletesPerCommit.add((int) deletes);
            }
            return false;
        });
        TestApply apply = open(backend, new MvccConfig(2, Duration.ZERO));
        history(apply);

        await(apply.compact(7));

        assertEquals(List.of(2, 2), deletesPerCommit);
        assertEquals(7, meta(backend, MetaBucket.FINISHED_COMPACT_REVISION));
        assertEquals(17, backend.entries(Bucket.META).get(MetaBucket.key(MetaBucket.FINISHED_COMPACT_REVISION)).length);
    }

    @Test
    void compactionScheduledBeforeACrashFinishesAtTheNextOpen() throws Exception {
        backend.crashWhen(ops -> ops.stream().anyMatch(InMemoryBackend.Op::delete));
        TestApply apply = open(backend, MvccConfig.DEFAULT);
        history(apply);
        ExecutionException crash = assertThrows(ExecutionException.class, () -> await(apply.compact(6)));
        assertTrue(crash.getCause().getMessage().contains("simulated crash"));
        assertEquals(6, meta(backend, MetaBucket.SCHEDULED_COMPACT_REVISION));
        assertEquals(-1, meta(backend, MetaBucket.FINISHED_COMPACT_REVISION));

        InMemoryBackend restarted = backend.restart();
        TestApply reopened = open(restarted, MvccConfig.DEFAULT);
        await(reopened.store.physicalCompactionDone());

        assertEquals(6, reopened.store.compactedRevision());
        assertEquals(7, reopened.store.currentRevision());
        assertEquals(List.of("4_0", "5_0", "7_0"), records(restarted));
        assertEquals(6, meta(restarted, MetaBucket.FINISHED_COMPACT_REVISION));
        assertThrows(CompactedException.class, () -> reopened.get("a", 5));
        assertNull(reopened.get("b", 6));
        assertEquals("2", string(reopened.get("a", 6).getValue()));
    }

    @Test
    void crashHalfWayThroughTheDeletionsNeverBringsADeletedKeyBack() throws Exception {
        int[] deletions = {0};
        backend.crashWhen(ops -> ops.stream().anyMatch(InMemoryBackend.Op::delete) && ++deletions[0] > 2);
        TestApply apply = open(backend, ONE_RECORD_PER_BATCH);
        apply.put("x", "1");
        apply.put("x", "2");
        apply.delete("x");
        apply.put("y", "1");
        assertThrows(ExecutionException.class, () -> await(apply.compact(5)));
        assertEquals(List.of("4_0t", "5_0"), records(backend));

        InMemoryBackend restarted = backend.restart();
        TestApply reopened = open(restarted, ONE_RECORD_PER_BATCH);

        assertNull(reopened.get("x", 5));
        await(reopened.store.physicalCompactionDone());
        assertEquals(List.of("5_0"), records(restarted));
        assertNull(reopened.get("x", 0));
    }

    @Test
    void compactionAtRestartIsRememberedForReads() throws Exception {
        TestApply apply = open(backend, MvccConfig.DEFAULT);
        history(apply);
        await(apply.compact(7));
        apply.store.close();

        TestApply reopened = open(backend.restart(), MvccConfig.DEFAULT);

        assertEquals(7, reopened.store.compactedRevision());
        assertEquals(7, reopened.store.currentRevision());
        assertThrows(CompactedException.class, () -> reopened.get("a", 6));
        assertEquals(8, reopened.put("d", "1"));
    }

    @Test
    void storeWhoseLatestRecordsWereCompactedAwayKeepsItsRevision() throws Exception {
        TestApply apply = open(backend, MvccConfig.DEFAULT);
        apply.put("a", "1");
        apply.delete("a");
        await(apply.compact(3));
        assertTrue(records(backend).isEmpty());

        TestApply reopened = open(backend.restart(), MvccConfig.DEFAULT);

        assertEquals(3, reopened.store.currentRevision());
        assertEquals(4, reopened.put("a", "2"));
    }

    @Test
    void compactionNeverCommittedIsCancelledAtClose() {
        TestApply apply = open(backend, MvccConfig.DEFAULT);
        history(apply);
        CompletableFuture<Void> done = apply.store.compact(5);

        apply.store.close();

        assertTrue(done.isCompletedExceptionally());
        assertEquals(-1, meta(backend, MetaBucket.SCHEDULED_COMPACT_REVISION));
    }

    @Test
    void writesGoOnWhileTheCompactorDeletes() throws Exception {
        TestApply apply = open(backend, ONE_RECORD_PER_BATCH);
        for (int i = 0; i < 300; i++) {
            apply.put("k" + (i % 10), "v" + i);
        }

        CompletableFuture<Void> done = apply.compact(apply.store.currentRevision());
        for (int i = 0; i < 300; i++) {
            apply.put("k" + (i % 10), "w" + i);
        }
        await(done);

        assertEquals(10 + 300, records(backend).size());
        assertEquals("w299", string(apply.get("k9", 0).getValue()));
        assertEquals("v299", string(apply.get("k9", 301).getValue()));
    }
}
