package io.kvorum.server.mvcc;

import static io.kvorum.server.mvcc.TestApply.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HashKvTest {

    private final List<MvccStore> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(MvccStore::close);
    }

    private TestApply open(InMemoryBackend backend) {
        MvccStore store = MvccStore.open(backend);
        opened.add(store);
        return new TestApply(store);
    }

    /** The same log: a few puts, a delete, a txn, committed entry by entry or all in one batch. */
    private static void feed(TestApply apply, boolean oneCommitPerEntry) {
        List<Consumer<WriteTxn>> log = List.of(
                txn -> txn.put(bytes("a"), bytes("1"), 0),
                txn -> txn.put(bytes("b"), bytes("1"), 5),
                txn -> txn.put(bytes("a"), bytes("2"), 0),
                txn -> txn.deleteRange(bytes("b"), null),
                txn -> {
                    txn.put(bytes("c"), bytes("1"), 0);
                    txn.put(bytes("a"), bytes("3"), 0);
                });
        for (Consumer<WriteTxn> entry : log) {
            if (oneCommitPerEntry) {
                apply.txn(entry);
            } else {
                apply.stage(entry);
            }
        }
        apply.commit();
    }

    @Test
    void storesFedTheSameLogHashTheSameHoweverTheyGroupCommits() {
        TestApply one = open(new InMemoryBackend());
        TestApply other = open(new InMemoryBackend());

        feed(one, true);
        feed(other, false);

        KeyValueHash hash = one.store.hashKV(0);
        assertEquals(hash, other.store.hashKV(0));
        assertEquals(6, hash.revision());
        assertEquals(-1, hash.compactRevision());
    }

    @Test
    void aDifferentLogHashesDifferently() {
        TestApply one = open(new InMemoryBackend());
        TestApply other = open(new InMemoryBackend());
        feed(one, true);
        feed(other, true);

        other.put("a", "4");

        assertNotEquals(one.store.hashKV(0).hash(), other.store.hashKV(0).hash());
        assertEquals(one.store.hashKV(6).hash(), other.store.hashKV(6).hash());
    }

    @Test
    void hashLeavesOutCompactedRecordsWhetherOrNotTheyAreDeletedYet() throws Exception {
        TestApply done = open(new InMemoryBackend());
        InMemoryBackend stuck = new InMemoryBackend();
        stuck.crashWhen(ops -> ops.stream().anyMatch(InMemoryBackend.Op::delete));
        TestApply pending = open(stuck);
        feed(done, true);
        feed(pending, true);

        done.compact(5).get(10, TimeUnit.SECONDS);
        pending.store.compact(5);
        pending.commit();

        KeyValueHash hash = done.store.hashKV(0);
        assertEquals(hash, pending.store.hashKV(0));
        assertEquals(5, hash.compactRevision());
        assertThrows(CompactedException.class, () -> done.store.hashKV(4));
        assertThrows(FutureRevisionException.class, () -> done.store.hashKV(7));
    }
}
