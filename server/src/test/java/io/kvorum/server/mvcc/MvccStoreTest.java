package io.kvorum.server.mvcc;

import static io.kvorum.server.mvcc.TestApply.bytes;
import static io.kvorum.server.mvcc.TestApply.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.spi.backend.Bucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MvccStoreTest {

    private final InMemoryBackend backend = new InMemoryBackend();
    private final MvccStore store = MvccStore.open(backend);
    private final TestApply apply = new TestApply(store);

    @AfterEach
    void close() {
        store.close();
    }

    private List<String> keys(RangeResult result) {
        List<String> keys = new ArrayList<>();
        result.kvs().forEach(kv -> keys.add(string(kv.getKey())));
        return keys;
    }

    private List<String> rangeKeys(String key, byte[] rangeEnd) {
        return keys(store.range(bytes(key), rangeEnd, 0, 0));
    }

    @Test
    void freshStoreIsAtRevisionOneAndEmpty() {
        assertEquals(1, store.currentRevision());
        assertEquals(-1, store.compactedRevision());
        assertEquals(0, store.count(new byte[] {0}, new byte[] {0}, 0).count());
    }

    @Test
    void firstPutCreatesRevisionTwoAtVersionOne() {
        long revision = apply.put("a", "1");

        KeyValue kv = apply.get("a", 0);
        assertEquals(2, revision);
        assertEquals(2, store.currentRevision());
        assertEquals(2, kv.getCreateRevision());
        assertEquals(2, kv.getModRevision());
        assertEquals(1, kv.getVersion());
        assertEquals("1", string(kv.getValue()));
    }

    @Test
    void eachPutBumpsTheRevisionAndVersionAndKeepsTheCreateRevision() {
        apply.put("a", "1");
        apply.put("b", "x");
        apply.put("a", "2");
        long revision = apply.put("a", "3");

        KeyValue kv = apply.get("a", 0);
        assertEquals(5, revision);
        assertEquals(2, kv.getCreateRevision());
        assertEquals(5, kv.getModRevision());
        assertEquals(3, kv.getVersion());
    }

    @Test
    void putStoresTheLeaseAsGivenAndReturnsTheKeyValueWritten() {
        apply.put("a", "1");
        List<KeyValue> written = new ArrayList<>();

        apply.txn(txn -> written.add(txn.put(bytes("a"), bytes("2"), 42)));
        apply.txn(txn -> written.add(txn.put(bytes("new"), bytes("v"), 0)));

        assertEquals(apply.get("a", 0), written.get(0));
        assertEquals(2, written.get(0).getVersion());
        assertEquals(apply.get("new", 0), written.get(1));
        assertEquals(42, apply.get("a", 0).getLease());
    }

    @Test
    void changesOfOneTxnShareOneRevisionWithSubRevisionsInOrder() {
        apply.put("c", "old");

        long revision = apply.txn(txn -> {
            txn.put(bytes("b"), bytes("1"), 0);
            txn.deleteRange(bytes("c"), null);
            txn.put(bytes("a"), bytes("2"), 0);
        });

        assertEquals(3, revision);
        List<String> records = new ArrayList<>();
        for (byte[] key : backend.entries(Bucket.KEY).tailMap(Revision.firstKeyOf(3), true).keySet()) {
            records.add(Revision.fromKey(key) + (Revision.isTombstoneKey(key) ? "t" : ""));
        }
        assertEquals(List.of("3_0", "3_1t", "3_2"), records);
        assertEquals(3, apply.get("a", 0).getModRevision());
        assertEquals(3, apply.get("b", 0).getModRevision());
        assertNull(apply.get("c", 0));
    }

    @Test
    void eventsListTheTxnsChangesInOrderWithPreviousValues() {
        apply.put("c", "old");
        List<Event> events = new ArrayList<>();

        apply.txn(txn -> {
            txn.put(bytes("b"), bytes("1"), 0);
            txn.deleteRange(bytes("c"), null);
            events.addAll(txn.events());
        });

        assertEquals(Event.EventType.PUT, events.get(0).getType());
        assertFalse(events.get(0).hasPrevKv());
        assertEquals(Event.EventType.DELETE, events.get(1).getType());
        assertEquals("c", string(events.get(1).getKv().getKey()));
        assertEquals(3, events.get(1).getKv().getModRevision());
        assertEquals("old", string(events.get(1).getPrevKv().getValue()));
    }

    @Test
    void tombstoneRecordHoldsTheKeyAndModRevision() throws Exception {
        apply.put("a", "1");
        apply.delete("a");

        byte[] record = backend.entries(Bucket.KEY).get(new Revision(3, 0).toKey(true));
        KeyValue tombstone = KeyValue.parseFrom(record);
        assertEquals(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("a")).setModRevision(3).build(), tombstone);
    }

    @Test
    void deleteThatMatchesNothingDoesNotBumpTheRevision() {
        apply.put("a", "1");
        List<KeyValue> deleted = new ArrayList<>();

        long revision = apply.txn(txn -> deleted.addAll(txn.deleteRange(bytes("zzz"), null)));

        assertEquals(2, revision);
        assertEquals(2, store.currentRevision());
        assertTrue(deleted.isEmpty());
    }

    @Test
    void txnThatOnlyReadsDoesNotBumpTheRevision() {
        apply.put("a", "1");

        long revision = apply.txn(txn -> txn.range(bytes("a"), null, 0, 0));

        assertEquals(2, revision);
    }

    @Test
    void deleteRangeReturnsTheDeletedKeyValuesInKeyOrder() {
        apply.put("b", "2");
        apply.put("a", "1");
        apply.put("c", "3");
        List<KeyValue> deleted = new ArrayList<>();

        long revision = apply.txn(txn -> deleted.addAll(txn.deleteRange(bytes("a"), bytes("c"))));

        assertEquals(5, revision);
        assertEquals(List.of("a", "b"), deleted.stream().map(kv -> string(kv.getKey())).toList());
        assertEquals("1", string(deleted.get(0).getValue()));
        assertEquals(List.of("c"), rangeKeys("a", new byte[] {0}));
    }

    @Test
    void rangeFormsFollowEtcd() {
        for (String key : List.of("a", "ab", "abc", "b", "c")) {
            apply.put(key, "v");
        }

        assertEquals(List.of("ab"), rangeKeys("ab", null));
        assertEquals(List.of("ab"), rangeKeys("ab", new byte[0]));
        assertEquals(List.of("ab", "abc"), rangeKeys("ab", bytes("ac")));
        assertEquals(List.of("b", "c"), rangeKeys("b", new byte[] {0}));
        assertEquals(List.of("a", "ab", "abc", "b", "c"), keys(store.range(new byte[] {0}, new byte[] {0}, 0, 0)));
        assertEquals(List.of(), rangeKeys("c", bytes("a")));
        assertEquals(List.of(), rangeKeys("nope", null));
    }

    @Test
    void keysCompareAsUnsignedBytes() {
        apply.txn(txn -> {
            txn.put(new byte[] {(byte) 0xff}, bytes("high"), 0);
            txn.put(new byte[] {0x7f}, bytes("low"), 0);
        });

        RangeResult all = store.range(new byte[] {0}, new byte[] {0}, 0, 0);

        assertEquals(List.of("low", "high"), all.kvs().stream().map(kv -> string(kv.getValue())).toList());
        assertEquals(1, store.range(new byte[] {(byte) 0x80}, new byte[] {0}, 0, 0).count());
    }

    @Test
    void limitCutsTheKvsButCountCountsTheWholeRange() {
        for (String key : List.of("a", "b", "c", "d")) {
            apply.put(key, "v");
        }
        apply.delete("c");

        RangeResult limited = store.range(bytes("a"), new byte[] {0}, 0, 2);
        RangeResult counted = store.count(bytes("a"), new byte[] {0}, 0);

        assertEquals(List.of("a", "b"), keys(limited));
        assertEquals(3, limited.count());
        assertEquals(3, counted.count());
        assertTrue(counted.kvs().isEmpty());
        assertEquals(store.currentRevision(), limited.revision());
    }

    @Test
    void historicalReadsSeeTheKeyAsItWas() {
        apply.put("a", "1");
        apply.put("a", "2");
        apply.put("b", "x");
        apply.delete("a");

        assertNull(apply.get("a", 1));
        assertEquals("1", string(apply.get("a", 2).getValue()));
        assertEquals("2", string(apply.get("a", 3).getValue()));
        assertEquals(2, apply.get("a", 4).getVersion());
        assertNull(apply.get("a", 5));
        assertEquals(List.of("a", "b"), keys(store.range(bytes("a"), new byte[] {0}, 4, 0)));
        assertEquals(4, store.range(bytes("a"), null, 4, 0).revision());
    }

    @Test
    void futureRevisionIsRejected() {
        apply.put("a", "1");

        FutureRevisionException e = assertThrows(FutureRevisionException.class, () -> apply.get("a", 3));
        assertEquals("mvcc: required revision is a future revision", e.getMessage());
    }

    @Test
    void reCreatedKeyStartsANewGeneration() {
        apply.put("a", "1");
        apply.put("a", "2");
        apply.delete("a");
        long recreated = apply.put("a", "3");

        KeyValue kv = apply.get("a", 0);
        assertEquals(5, recreated);
        assertEquals(5, kv.getCreateRevision());
        assertEquals(1, kv.getVersion());
        assertEquals(2, apply.get("a", 3).getCreateRevision());
        assertEquals(2, apply.get("a", 3).getVersion());
    }

    @Test
    void deleteThenPutInOneTxnStartsANewGenerationAtThatRevision() {
        apply.put("a", "1");

        apply.txn(txn -> {
            txn.deleteRange(bytes("a"), null);
            txn.put(bytes("a"), bytes("2"), 0);
        });

        KeyValue kv = apply.get("a", 0);
        assertEquals(3, kv.getCreateRevision());
        assertEquals(1, kv.getVersion());
    }

    @Test
    void txnReadsItsOwnWritesAndThoseOfEarlierTxnsInTheBatch() {
        apply.put("a", "committed");

        long first = apply.stage(txn -> txn.put(bytes("a"), bytes("staged"), 0));
        List<String> seen = new ArrayList<>();
        long second = apply.stage(txn -> {
            seen.add(string(txn.range(bytes("a"), null, 0, 0).kvs().get(0).getValue()));
            KeyValue written = txn.put(bytes("a"), bytes("mine"), 0);
            seen.add(String.valueOf(written.getVersion()));
            seen.add(string(txn.range(bytes("a"), null, 0, 0).kvs().get(0).getValue()));
            seen.add(string(txn.range(bytes("a"), null, 2, 0).kvs().get(0).getValue()));
            txn.deleteRange(bytes("a"), null);
            seen.add(String.valueOf(txn.count(bytes("a"), null, 0).count()));
        });
        apply.commit();

        assertEquals(List.of("staged", "3", "mine", "committed", "0"), seen);
        assertEquals(3, first);
        assertEquals(4, second);
        assertEquals(2, apply.get("a", 3).getVersion());
        assertNull(apply.get("a", 4));
    }

    @Test
    void readersDoNotSeeStagedWritesUntilTheBatchCommits() {
        apply.put("a", "1");

        apply.stage(txn -> txn.put(bytes("a"), bytes("2"), 0));
        apply.stage(txn -> txn.put(bytes("b"), bytes("new"), 0));

        assertEquals(2, store.currentRevision());
        assertEquals("1", string(apply.get("a", 0).getValue()));
        assertNull(apply.get("b", 0));
        assertThrows(FutureRevisionException.class, () -> apply.get("a", 3));

        apply.commit();

        assertEquals(4, store.currentRevision());
        assertEquals("2", string(apply.get("a", 3).getValue()));
        assertEquals("new", string(apply.get("b", 0).getValue()));
    }

    @Test
    void commitWritesTheConsistentIndexAndTermWithTheBatch() throws Exception {
        apply.stage(txn -> txn.put(bytes("a"), bytes("1"), 0));

        store.commit(17, 3, true);

        assertEquals(17, store.consistentIndex());
        assertEquals(3, store.consistentTerm());
        Map<byte[], byte[]> meta = backend.entries(Bucket.META);
        assertEquals(17, Revision.getLong(meta.get(MetaBucket.key("consistent_index")), 0));
        assertEquals(3, Revision.getLong(meta.get(MetaBucket.key("term")), 0));
    }

    @Test
    void txnClosedWithoutEndLeavesNoTrace() {
        apply.put("a", "1");

        try (WriteTxn txn = store.beginWrite()) {
            txn.put(bytes("a"), bytes("2"), 0);
            txn.put(bytes("fresh"), bytes("x"), 0);
            txn.deleteRange(bytes("a"), null);
        }
        long next = apply.put("b", "1");

        assertEquals(3, next);
        assertEquals("1", string(apply.get("a", 0).getValue()));
        assertEquals(1, apply.get("a", 0).getVersion());
        assertNull(apply.get("fresh", 0));
        assertEquals(List.of("a", "b"), rangeKeys("a", new byte[] {0}));
    }

    @Test
    void txnClosedWithoutEndPutsBackTheVersionsItChanged() {
        apply.put("a", "1");
        apply.put("a", "2");

        try (WriteTxn txn = store.beginWrite()) {
            txn.put(bytes("a"), bytes("3"), 0);
            txn.deleteRange(bytes("a"), null);
            txn.put(bytes("a"), bytes("4"), 0);
        }
        apply.put("a", "5");

        KeyValue kv = apply.get("a", 0);
        assertEquals("5", string(kv.getValue()));
        assertEquals(2, kv.getCreateRevision());
        assertEquals(3, kv.getVersion());
    }

    @Test
    void oneWriteTxnAtATimeAndNothingCommittedOrCompactedWhileItIsOpen() {
        apply.put("a", "1");

        WriteTxn open = store.beginWrite();
        open.put(bytes("a"), bytes("2"), 0);
        assertThrows(IllegalStateException.class, store::beginWrite);
        assertThrows(IllegalStateException.class, () -> store.commit(9, 1, false));
        assertThrows(IllegalStateException.class, () -> store.compact(2));
        assertThrows(IllegalStateException.class, () -> store.snapshot(java.io.OutputStream.nullOutputStream()));
        assertEquals(3, open.end());

        try (WriteTxn next = store.beginWrite()) {
            next.put(bytes("b"), bytes("1"), 0);
        }
        try (WriteTxn afterAbandoned = store.beginWrite()) {
            afterAbandoned.put(bytes("b"), bytes("2"), 0);
            assertEquals(4, afterAbandoned.end());
        }
        apply.commit();
        assertEquals(4, store.currentRevision());
        assertEquals("2", string(apply.get("a", 0).getValue()));
    }

    @Test
    void versionsGoOnAfterCompactionAndReopening() throws Exception {
        apply.put("a", "1");
        apply.put("a", "2");
        apply.put("a", "3");
        apply.put("gone", "1");
        apply.delete("gone");
        apply.compact(store.currentRevision()).get(10, java.util.concurrent.TimeUnit.SECONDS);

        try (MvccStore reopened = MvccStore.open(backend.restart())) {
            TestApply again = new TestApply(reopened);
            again.put("a", "4");
            again.put("gone", "2");
            assertEquals(2, again.get("a", 0).getCreateRevision());
            assertEquals(4, again.get("a", 0).getVersion());
            assertEquals(reopened.currentRevision(), again.get("gone", 0).getCreateRevision());
            assertEquals(1, again.get("gone", 0).getVersion());
        }
    }

    @Test
    void emptyKeyIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> store.range(new byte[0], null, 0, 0));
        try (WriteTxn txn = store.beginWrite()) {
            assertThrows(IllegalArgumentException.class, () -> txn.put(new byte[0], bytes("v"), 0));
        }
    }

    @Test
    void reopeningRebuildsTheSameHistoryAndContinuesTheRevision() throws Exception {
        apply.put("a", "1");
        apply.txn(txn -> {
            txn.put(bytes("b"), bytes("1"), 7);
            txn.put(bytes("c"), bytes("1"), 0);
        });
        apply.delete("a");
        apply.put("a", "2");
        apply.put("b", "2");
        store.commit(99, 4, true);
        List<RangeResult> before = new ArrayList<>();
        for (long revision = 1; revision <= store.currentRevision(); revision++) {
            before.add(store.range(new byte[] {0}, new byte[] {0}, revision, 0));
        }

        try (MvccStore reopened = MvccStore.open(backend.restart())) {
            List<RangeResult> after = new ArrayList<>();
            for (long revision = 1; revision <= reopened.currentRevision(); revision++) {
                after.add(reopened.range(new byte[] {0}, new byte[] {0}, revision, 0));
            }
            assertEquals(before, after);
            assertEquals(99, reopened.consistentIndex());
            assertEquals(4, reopened.consistentTerm());

            TestApply again = new TestApply(reopened);
            assertEquals(7, again.put("a", "3"));
            assertEquals(5, again.get("a", 0).getCreateRevision());
            assertEquals(2, again.get("a", 0).getVersion());
        }
    }

    @Test
    void closingReleasesEveryBackendView() {
        apply.put("a", "1");
        apply.put("a", "2");
        apply.stage(txn -> txn.put(bytes("a"), bytes("3"), 0));

        store.close();

        assertEquals(0, backend.openViews());
    }
}
