package io.kvorum.server.v2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The v2 store's operations and errors, as etcd's v2store answers them. */
class V2StoreTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final V2Store store = new V2Store(now::get, Runnable::run);

    private static V2Error fails(int code, Runnable r) {
        V2Error e = assertThrows(V2Error.class, r::run);
        assertEquals(code, e.code(), e.getMessage());
        return e;
    }

    @Test
    void createSetsTheIndexAndFailsWhenTheKeyExists() {
        V2Event e = store.create("/foo", false, "bar", false, 0);
        assertEquals("create", e.action());
        assertEquals("/foo", e.node().key());
        assertEquals(Optional.of("bar"), e.node().value());
        assertEquals(1, e.node().createdIndex());
        assertEquals(1, e.etcdIndex());
        V2Error exists = fails(V2Error.NODE_EXIST, () -> store.create("/foo", false, "x", false, 0));
        assertEquals("/foo", exists.cause());
        assertEquals(1, exists.index());
        assertEquals("Key already exists", exists.text());
        assertEquals(412, exists.httpStatus());
    }

    @Test
    void createMakesTheDirectoriesOnTheWayAndAFileOnTheWayFails() {
        store.create("/a/b/c", false, "v", false, 0);
        V2Event dir = store.get("/a", false, false);
        assertTrue(dir.node().dir());
        assertEquals(1, dir.node().createdIndex());
        assertEquals("/a/b", dir.node().nodes().orElseThrow().get(0).key());
        V2Error notDir = fails(V2Error.NOT_DIR, () -> store.create("/a/b/c/d", false, "v", false, 0));
        assertEquals("/a/b/c", notDir.cause());
        assertEquals(400, notDir.httpStatus());
    }

    @Test
    void getOfAMissingKeyNamesTheFirstMissingPart() {
        store.create("/a/x", false, "v", false, 0);
        V2Error e = fails(V2Error.KEY_NOT_FOUND, () -> store.get("/a/b/c", false, false));
        assertEquals("/a/b", e.cause());
        assertEquals(1, e.index());
        assertEquals(404, e.httpStatus());
    }

    @Test
    void setReplacesAFileAndKeepsThePreviousNode() {
        store.set("/foo", false, "one", 0, false);
        V2Event e = store.set("/foo", false, "two", 0, false);
        assertEquals("set", e.action());
        assertEquals("one", e.prevNode().orElseThrow().value().orElseThrow());
        assertFalse(e.isCreated());
        assertEquals(2, e.node().createdIndex());
        fails(V2Error.NOT_FILE, () -> {
            store.set("/d", true, "", 0, false);
            store.set("/d", false, "v", 0, false);
        });
    }

    @Test
    void theRootIsReadOnly() {
        fails(V2Error.ROOT_READ_ONLY, () -> store.set("/", false, "v", 0, false));
        fails(V2Error.ROOT_READ_ONLY, () -> store.delete("/", true, true));
        fails(V2Error.ROOT_READ_ONLY, () -> store.update("/", "", 0, false));
    }

    @Test
    void updateOfADirectoryTakesNoValue() {
        store.set("/d", true, "", 0, false);
        V2Error e = fails(V2Error.NOT_FILE, () -> store.update("/d", "v", 0, false));
        assertEquals("/d", e.cause());
        V2Event ttl = store.update("/d", "", now.get() + 5 * SECOND, false);
        assertEquals(5, ttl.node().ttl());
        assertTrue(ttl.node().dir());
    }

    @Test
    void compareAndSwapNamesWhatDiffered() {
        store.set("/foo", false, "one", 0, false);
        assertEquals("[two != one]", fails(V2Error.TEST_FAILED,
                () -> store.compareAndSwap("/foo", "two", 0, "x", 0, false)).cause());
        assertEquals("[7 != 1]", fails(V2Error.TEST_FAILED,
                () -> store.compareAndSwap("/foo", "", 7, "x", 0, false)).cause());
        assertEquals("[two != one] [7 != 1]", fails(V2Error.TEST_FAILED,
                () -> store.compareAndSwap("/foo", "two", 7, "x", 0, false)).cause());
        V2Event ok = store.compareAndSwap("/foo", "one", 1, "three", 0, false);
        assertEquals("compareAndSwap", ok.action());
        assertEquals(2, ok.node().modifiedIndex());
        assertEquals(1, ok.node().createdIndex());
        store.set("/d", true, "", 0, false);
        fails(V2Error.NOT_FILE, () -> store.compareAndSwap("/d", "x", 0, "y", 0, false));
    }

    @Test
    void compareAndDeleteRemovesOnlyAMatchingFile() {
        store.set("/foo", false, "one", 0, false);
        assertEquals(101, fails(V2Error.TEST_FAILED, () -> store.compareAndDelete("/foo", "two", 0)).code());
        V2Event e = store.compareAndDelete("/foo", "one", 0);
        assertEquals("compareAndDelete", e.action());
        assertEquals("one", e.prevNode().orElseThrow().value().orElseThrow());
        fails(V2Error.KEY_NOT_FOUND, () -> store.get("/foo", false, false));
    }

    @Test
    void deleteOfADirectoryNeedsDirOrRecursive() {
        store.set("/d/x", false, "v", 0, false);
        assertEquals("/d", fails(V2Error.NOT_FILE, () -> store.delete("/d", false, false)).cause());
        assertEquals("/d", fails(V2Error.DIR_NOT_EMPTY, () -> store.delete("/d", true, false)).cause());
        V2Event e = store.delete("/d", false, true);
        assertTrue(e.node().dir());
        assertEquals(2, e.etcdIndex());
        fails(V2Error.KEY_NOT_FOUND, () -> store.get("/d/x", false, false));
    }

    @Test
    void inOrderKeysAreNamedByTheNextIndex() {
        store.set("/other", false, "v", 0, false);
        V2Event e = store.create("/queue", false, "job", true, 0);
        assertEquals("/queue/00000000000000000002", e.node().key());
    }

    @Test
    void listingsLeaveOutHiddenKeysAndSortOnRequest() {
        store.set("/d/b", false, "2", 0, false);
        store.set("/d/a", false, "1", 0, false);
        store.set("/d/_hidden", false, "h", 0, false);
        store.set("/d/c/x", false, "3", 0, false);
        List<NodeView> unsorted = store.get("/d", false, false).node().nodes().orElseThrow();
        assertEquals(List.of("/d/b", "/d/a", "/d/c"), unsorted.stream().map(NodeView::key).toList());
        List<NodeView> sorted = store.get("/d", true, true).node().nodes().orElseThrow();
        assertEquals(List.of("/d/a", "/d/b", "/d/c"), sorted.stream().map(NodeView::key).toList());
        assertEquals("/d/c/x", sorted.get(2).nodes().orElseThrow().get(0).key());
        assertTrue(store.get("/d", false, false).node().nodes().orElseThrow().get(2).nodes().isEmpty());
        assertEquals("h", store.get("/d/_hidden", false, false).node().value().orElseThrow());
    }

    @Test
    void expiredKeysGoWithAnExpireEvent() {
        store.set("/t", false, "v", now.get() + 2 * SECOND, false);
        now.addAndGet(SECOND / 2);
        assertEquals(2, store.get("/t", false, false).node().ttl());
        assertTrue(store.hasTtlKeys());
        var next = store.watch("/t", false, false, 0).next();
        store.deleteExpiredKeys(now.get());
        assertFalse(next.isDone());
        store.deleteExpiredKeys(now.get() + 2 * SECOND);
        V2Event e = next.join().orElseThrow();
        assertEquals("expire", e.action());
        assertEquals(2, e.index());
        assertFalse(store.hasTtlKeys());
        fails(V2Error.KEY_NOT_FOUND, () -> store.get("/t", false, false));
    }

    @Test
    void refreshKeepsTheValueAndTellsNoWatcher() {
        store.set("/t", false, "v", now.get() + 2 * SECOND, false);
        var next = store.watch("/t", false, false, 0).next();
        V2Event e = store.set("/t", false, "", now.get() + 9 * SECOND, true);
        assertEquals("v", e.node().value().orElseThrow());
        assertEquals(9, e.node().ttl());
        assertTrue(e.refresh());
        assertFalse(next.isDone());
        fails(V2Error.KEY_NOT_FOUND, () -> store.set("/missing", false, "", now.get() + SECOND, true));
    }

    @Test
    void updateWithoutTtlMakesTheNodePermanent() {
        store.set("/t", false, "v", now.get() + 2 * SECOND, false);
        V2Event e = store.update("/t", "w", 0, false);
        assertEquals(0, e.node().ttl());
        assertFalse(store.hasTtlKeys());
    }

    @Test
    void watchesAreAnsweredFromHistoryAndAfterwards() {
        store.set("/dir/a", false, "1", 0, false);
        store.set("/dir/b", false, "2", 0, false);
        V2Event fromHistory = store.watch("/dir", true, false, 2).next().join().orElseThrow();
        assertEquals("/dir/b", fromHistory.node().key());
        assertEquals(2, fromHistory.etcdIndex());
        var exact = store.watch("/dir", false, false, 0).next();
        V2Watcher recursive = store.watch("/dir", true, false, 0);
        store.set("/dir/c", false, "3", 0, false);
        assertFalse(exact.isDone());
        assertEquals("/dir/c", recursive.next().join().orElseThrow().node().key());
        store.delete("/dir", true, true);
        assertEquals("delete", exact.join().orElseThrow().action());
    }

    @Test
    void watchersOfADirectoryDoNotSeeHiddenKeysBelowIt() {
        var next = store.watch("/", true, false, 0).next();
        store.set("/_hidden/x", false, "1", 0, false);
        assertFalse(next.isDone());
        store.set("/visible", false, "1", 0, false);
        assertEquals("/visible", next.join().orElseThrow().node().key());
    }

    @Test
    void anIndexOlderThanTheHistoryIsCleared() {
        for (int i = 0; i < V2Store.HISTORY + 5; i++) {
            store.set("/k", false, "v" + i, 0, false);
        }
        V2Error e = fails(V2Error.EVENT_INDEX_CLEARED, () -> store.watch("/k", false, false, 3));
        assertEquals("the requested history has been cleared [6/3]", e.cause());
        assertEquals(1005, e.index());
        assertEquals("The event in requested index is outdated and cleared", e.text());
        assertEquals(6, store.watch("/k", false, false, 6).next().join().orElseThrow().index());
    }

    @Test
    void aStreamWatcherTakesEveryEventAndOneFallenBehindEnds() {
        V2Watcher w = store.watch("/s", false, true, 0);
        for (int i = 0; i < V2Watcher.BUFFER + 1; i++) {
            store.set("/s", false, "v" + i, 0, false);
        }
        assertEquals(0, store.watchers());
        for (int i = 0; i < V2Watcher.BUFFER; i++) {
            assertEquals("v" + i, w.next().join().orElseThrow().node().value().orElseThrow());
        }
        assertEquals(Optional.empty(), w.next().join());
    }

    @Test
    void aFutureCompletesOffTheCallingThread() throws Exception {
        java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            V2Store s = new V2Store(now::get, executor);
            V2Watcher w = s.watch("/x", false, false, 0);
            Thread applying = Thread.currentThread();
            java.util.concurrent.CompletableFuture<Thread> on = w.next().thenApply(e -> Thread.currentThread());
            s.set("/x", false, "v", 0, false);
            assertFalse(on.get(10, TimeUnit.SECONDS) == applying);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void flushedRecordsRecoverTheSameTree() {
        store.set("/a/b", false, "1", now.get() + 60 * SECOND, false);
        store.set("/a/c/d", false, "2", 0, false);
        store.set("/z", true, "", 0, false);
        store.delete("/a/c", true, true);
        Map<String, byte[]> bucket = new TreeMap<>();
        store.flush(records(bucket));
        store.set("/later", false, "x", 0, false);
        store.flush(records(bucket));
        V2Store recovered = new V2Store(now::get, Runnable::run);
        List<V2Records.Record> list = new ArrayList<>();
        bucket.forEach((k, v) -> list.add(new V2Records.Record(k.getBytes(java.nio.charset.StandardCharsets.UTF_8), v)));
        recovered.recover(list);
        assertEquals(store.index(), recovered.index());
        assertEquals(store.get("/", true, true), recovered.get("/", true, true));
        assertTrue(recovered.hasTtlKeys());
        fails(V2Error.EVENT_INDEX_CLEARED, () -> recovered.watch("/a", true, false, 2));
    }

    private static V2Store.Records records(Map<String, byte[]> bucket) {
        return new V2Store.Records() {
            @Override
            public void put(byte[] key, byte[] value) {
                bucket.put(new String(key, java.nio.charset.StandardCharsets.UTF_8), value);
            }

            @Override
            public void delete(byte[] key) {
                bucket.remove(new String(key, java.nio.charset.StandardCharsets.UTF_8));
            }
        };
    }

    @Test
    void statsCountSuccessesFailuresExpiriesAndWatchers() {
        store.set("/a", false, "1", 0, false);
        fails(V2Error.NODE_EXIST, () -> store.create("/a", false, "1", false, 0));
        store.get("/a", false, false);
        fails(V2Error.KEY_NOT_FOUND, () -> store.get("/missing", false, false));
        store.set("/t", false, "1", now.get(), false);
        store.deleteExpiredKeys(now.get());
        store.watch("/w", false, false, 0);
        assertEquals("{\"getsSuccess\":1,\"getsFail\":1,\"setsSuccess\":2,\"setsFail\":0,\"deleteSuccess\":0,"
                + "\"deleteFail\":0,\"updateSuccess\":0,\"updateFail\":0,\"createSuccess\":0,\"createFail\":1,"
                + "\"compareAndSwapSuccess\":0,\"compareAndSwapFail\":0,\"compareAndDeleteSuccess\":0,"
                + "\"compareAndDeleteFail\":0,\"expireCount\":1,\"watchers\":1}", store.statsJson());
    }

    @Test
    void cleanIsGosPathClean() {
        assertEquals("/", V2Store.clean(""));
        assertEquals("/a/b", V2Store.clean("//a/./b/"));
        assertEquals("/b", V2Store.clean("/a/../b"));
        assertEquals("/", V2Store.clean("/../.."));
    }
}
