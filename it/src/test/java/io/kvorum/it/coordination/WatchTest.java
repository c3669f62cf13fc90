package io.kvorum.it.coordination;

import static io.kvorum.it.client.Jetcd.await;
import static io.kvorum.it.client.Jetcd.bytes;
import static io.kvorum.it.client.Jetcd.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchEvent.EventType;
import io.etcd.jetcd.watch.WatchResponse;
import io.kvorum.it.client.Jetcd;
import io.kvorum.it.server.ServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Watches through jetcd: keys, prefixes, history, previous values, filters, transactions,
 * closing, compaction and progress. Every watch waits for its created notification before the
 * test writes, so no event can be missed by a race; each test works under its own prefix.
 */
class WatchTest {
    private static final Duration QUIET = Duration.ofMillis(500);

    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static KV kv;
    private static Watch watch;
    private final List<Watch.Watcher> watchers = new ArrayList<>();
    private String prefix;

    @BeforeAll
    static void connect() {
        Client client = Jetcd.client(server);
        kv = client.getKVClient();
        watch = client.getWatchClient();
    }

    @BeforeEach
    void ownKeys(TestInfo test) {
        prefix = test.getTestMethod().orElseThrow().getName() + "/";
    }

    @AfterEach
    void closeWatchers() {
        watchers.forEach(Watch.Watcher::close);
    }

    private ByteSequence key(String name) {
        return bytes(prefix + name);
    }

    private long put(String name, String value) {
        return await(kv.put(key(name), bytes(value))).getHeader().getRevision();
    }

    private long delete(String name) {
        return await(kv.delete(key(name))).getHeader().getRevision();
    }

    /** A watch on {@code name} (a key, or a prefix with {@code isPrefix}), in place when this returns. */
    private WatchRecorder watch(String name, WatchOption.Builder options) {
        WatchRecorder recorder = new WatchRecorder();
        watchers.add(watch.watch(key(name), options.withCreateNotify(true).build(), recorder));
        recorder.awaitCreated();
        return recorder;
    }

    private static void assertEvent(EventType type, String key, String value, long revision, WatchEvent event) {
        assertEquals(type, event.getEventType());
        assertEquals(key, string(event.getKeyValue().getKey()));
        assertEquals(value, string(event.getKeyValue().getValue()));
        assertEquals(revision, event.getKeyValue().getModRevision());
    }

    @Test
    void aKeyWatchSeesThatKeysPutsAndDeletesAndNothingElse() {
        WatchRecorder recorder = watch("k", WatchOption.builder());

        long created = put("k", "v1");
        put("k2", "other");
        long updated = put("k", "v2");
        long deleted = delete("k");

        List<WatchEvent> events = recorder.events(3);
        assertEvent(EventType.PUT, prefix + "k", "v1", created, events.get(0));
        assertEquals(created, events.get(0).getKeyValue().getCreateRevision());
        assertEquals(1, events.get(0).getKeyValue().getVersion());
        assertEvent(EventType.PUT, prefix + "k", "v2", updated, events.get(1));
        assertEquals(2, events.get(1).getKeyValue().getVersion());
        assertEvent(EventType.DELETE, prefix + "k", "", deleted, events.get(2));
        assertEquals(Optional.empty(), recorder.nextWithin(QUIET));
    }

    @Test
    void aPrefixWatchSeesEveryKeyUnderThePrefix() {
        WatchRecorder recorder = watch("dir/", WatchOption.builder().isPrefix(true));

        long a = put("dir/a", "1");
        put("dir", "not under dir/");
        long b = put("dir/b/c", "2");

        List<WatchEvent> events = recorder.events(2);
        assertEvent(EventType.PUT, prefix + "dir/a", "1", a, events.get(0));
        assertEvent(EventType.PUT, prefix + "dir/b/c", "2", b, events.get(1));
        assertEquals(Optional.empty(), recorder.nextWithin(QUIET));
    }

    @Test
    void aWatchFromAPastRevisionReplaysTheHistoryAndGoesOnLive() {
        long first = put("k", "v1");
        long second = put("k", "v2");
        long deleted = delete("k");

        WatchRecorder recorder = watch("k", WatchOption.builder().withRevision(first));
        long live = put("k", "v3");

        List<WatchEvent> events = recorder.events(4);
        assertEvent(EventType.PUT, prefix + "k", "v1", first, events.get(0));
        assertEvent(EventType.PUT, prefix + "k", "v2", second, events.get(1));
        assertEvent(EventType.DELETE, prefix + "k", "", deleted, events.get(2));
        assertEvent(EventType.PUT, prefix + "k", "v3", live, events.get(3));
    }

    @Test
    void prevKvCarriesTheValueBeforeEachChangeButNotBeforeACreate() {
        WatchRecorder recorder = watch("k", WatchOption.builder().withPrevKV(true));

        long created = put("k", "v1");
        put("k", "v2");
        delete("k");

        List<WatchEvent> events = recorder.events(3);
        assertEquals(0, events.get(0).getPrevKV().getModRevision(), "a create has no previous value");
        assertEquals("v1", string(events.get(1).getPrevKV().getValue()));
        assertEquals(created, events.get(1).getPrevKV().getModRevision());
        assertEquals("v2", string(events.get(2).getPrevKV().getValue()));
    }

    @Test
    void noPutAndNoDeleteFiltersDropThoseEvents() {
        WatchRecorder deletesOnly = watch("k", WatchOption.builder().withNoPut(true));
        WatchRecorder putsOnly = watch("k", WatchOption.builder().withNoDelete(true));

        long putAt = put("k", "v");
        long deletedAt = delete("k");

        assertEvent(EventType.DELETE, prefix + "k", "", deletedAt, deletesOnly.events(1).get(0));
        assertEvent(EventType.PUT, prefix + "k", "v", putAt, putsOnly.events(1).get(0));
        assertEquals(Optional.empty(), deletesOnly.nextWithin(QUIET));
        assertEquals(Optional.empty(), putsOnly.nextWithin(QUIET));
    }

    @Test
    void theEventsOfOneTxnArriveTogetherInOneResponse() {
        put("b", "old");
        WatchRecorder recorder = watch("", WatchOption.builder().isPrefix(true));

        long revision = await(kv.txn().Then(
                Op.put(key("a"), bytes("1"), PutOption.DEFAULT),
                Op.delete(key("b"), DeleteOption.DEFAULT),
                Op.put(key("c"), bytes("3"), PutOption.DEFAULT)).commit()).getHeader().getRevision();

        WatchResponse response = recorder.next();
        assertEquals(3, response.getEvents().size(), "one response with the whole txn: " + response.getEvents());
        assertEvent(EventType.PUT, prefix + "a", "1", revision, response.getEvents().get(0));
        assertEvent(EventType.DELETE, prefix + "b", "", revision, response.getEvents().get(1));
        assertEvent(EventType.PUT, prefix + "c", "3", revision, response.getEvents().get(2));
    }

    @Test
    void aClosedWatcherGetsNoMoreEvents() {
        WatchRecorder recorder = new WatchRecorder();
        Watch.Watcher watcher = watch.watch(key("k"), WatchOption.builder().withCreateNotify(true).build(), recorder);
        recorder.awaitCreated();
        put("k", "seen");
        assertEquals(1, recorder.events(1).size());

        watcher.close();
        put("k", "not seen");

        assertEquals(Optional.empty(), recorder.nextWithin(QUIET));
    }

    @Test
    void aStartRevisionBelowTheCompactionPointFailsTheWatchWithTheCompactRevision() {
        long old = put("k", "v1");
        long compactAt = put("k", "v2");
        await(kv.compact(compactAt));

        WatchRecorder recorder = new WatchRecorder();
        watchers.add(watch.watch(key("k"), WatchOption.builder().withRevision(old).build(), recorder));

        CompactedException compacted = assertInstanceOf(CompactedException.class, recorder.error());
        assertEquals(compactAt, compacted.getCompactedRevision());
    }

    @Test
    void aProgressRequestReportsTheCurrentRevision() {
        WatchRecorder recorder = watch("k", WatchOption.builder());
        long revision = put("elsewhere", "v");

        watch.requestProgress();

        WatchResponse progress = recorder.next();
        assertTrue(progress.isProgressNotify(), "a progress notification: " + progress);
        assertTrue(progress.getEvents().isEmpty());
        assertEquals(revision, progress.getHeader().getRevision());
    }
}
