package io.kvorum.it.coordination;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.CompactionRequest;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.WatchCancelRequest;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchProgressRequest;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.mvccpb.Event;
import io.kvorum.it.client.BidiStream;
import io.kvorum.it.client.RawEtcdClient;
import io.kvorum.it.server.ServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Watch stream message by message, on the wire (§2.9 of the contract, checked against real
 * etcd 3.4): watch IDs, the created response before any event, cancellation, creation failures,
 * compaction and progress requests. Each test opens its own stream and writes under its own keys.
 *
 * <p>Not here, because etcd 3.4 (the oracle) and the contract's 3.5 disagree: a negative start
 * revision (3.4 creates the watcher, which then may never deliver anything; 3.5 refuses it as
 * compacted), and a progress request on a stream without watchers (3.4 answers with
 * {@code watch_id -1}; 3.5 sends nothing).
 */
class WatchProtocolTest {
    /** Long enough for a response that is on its way to arrive, to show that none is. */
    private static final Duration QUIET = Duration.ofMillis(500);

    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static RawEtcdClient client;
    private BidiStream<WatchRequest, WatchResponse> stream;
    private String prefix;

    @BeforeAll
    static void connect() {
        client = server.closeAfterAll(new RawEtcdClient(server.server()));
    }

    @BeforeEach
    void openStream(TestInfo test) {
        stream = BidiStream.open(client.watch()::watch);
        prefix = test.getTestMethod().orElseThrow().getName() + "/";
    }

    @AfterEach
    void closeStream() {
        stream.close();
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    private long put(String key, String value) {
        return client.kv().put(PutRequest.newBuilder().setKey(bytes(prefix + key)).setValue(bytes(value)).build())
                .getHeader().getRevision();
    }

    private long currentRevision() {
        return client.everything().getHeader().getRevision();
    }

    private static WatchRequest create(WatchCreateRequest.Builder create) {
        return WatchRequest.newBuilder().setCreateRequest(create).build();
    }

    private WatchCreateRequest.Builder watchKey(String key) {
        return WatchCreateRequest.newBuilder().setKey(bytes(prefix + key));
    }

    private static WatchRequest cancel(long watchId) {
        return WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(watchId)).build();
    }

    private static WatchRequest progress() {
        return WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build();
    }

    @Test
    void watchIdsTheServerAssignsCountFromZeroOnEachStream() {
        stream.send(create(watchKey("a")));
        WatchResponse first = stream.next();
        stream.send(create(watchKey("b")));
        WatchResponse second = stream.next();

        assertTrue(first.getCreated());
        assertEquals(0, first.getWatchId());
        assertTrue(second.getCreated());
        assertEquals(1, second.getWatchId());
        assertEquals(currentRevision(), second.getHeader().getRevision(), "created carries the current revision");
    }

    @Test
    void aWatchIdTheClientChoosesIsKeptAndAReusedOneIsRefused() {
        stream.send(create(watchKey("a").setWatchId(7)));
        WatchResponse chosen = stream.next();
        stream.send(create(watchKey("b").setWatchId(7)));
        WatchResponse reused = stream.next();

        assertTrue(chosen.getCreated());
        assertEquals(7, chosen.getWatchId());
        assertTrue(reused.getCreated(), "a refused create is still answered as created");
        assertTrue(reused.getCanceled());
        assertEquals(-1, reused.getWatchId());
        assertEquals("mvcc: duplicate watch ID provided on the WatchStream", reused.getCancelReason());
    }

    @Test
    void theCreatedResponseComesBeforeTheEventsOfAWatchFromThePast() {
        long first = put("k", "v1");
        long second = put("k", "v2");

        stream.send(create(watchKey("k").setStartRevision(first)));
        WatchResponse created = stream.next();
        WatchResponse events = stream.next();

        assertTrue(created.getCreated());
        assertEquals(0, created.getEventsCount(), "the created response carries no events");
        assertFalse(events.getCreated());
        assertEquals(created.getWatchId(), events.getWatchId());
        assertEquals(2, events.getEventsCount(), "both past revisions, in one response: " + events);
        assertEquals(first, events.getEvents(0).getKv().getModRevision());
        assertEquals(second, events.getEvents(1).getKv().getModRevision());
        assertEquals(Event.EventType.PUT, events.getEvents(1).getType());
    }

    @Test
    void aWatchKeepsDeliveringAfterTheClientHalfClosesItsStream() {
        stream.send(create(watchKey("k")));
        long id = stream.next().getWatchId();
        stream.halfClose();
        // etcd stops reading requests at the half-close but keeps the stream and its watchers
        long revision = put("k", "after half-close");
        WatchResponse event = stream.next();
        assertEquals(id, event.getWatchId());
        assertEquals(revision, event.getEvents(0).getKv().getModRevision());
        assertEquals(Optional.empty(), stream.ended());
    }

    @Test
    void cancellingAWatchIsAnsweredAndEndsItsEvents() {
        stream.send(create(watchKey("k")));
        long id = stream.next().getWatchId();

        stream.send(cancel(id));
        WatchResponse canceled = stream.next();
        put("k", "after-cancel");

        assertTrue(canceled.getCanceled());
        assertEquals(id, canceled.getWatchId());
        assertFalse(canceled.getCreated());
        assertEquals(Optional.empty(), stream.nextWithin(QUIET), "no event after the cancel");
    }

    @Test
    void cancellingAnUnknownWatchIdIsNotAnswered() {
        stream.send(cancel(42));

        assertEquals(Optional.empty(), stream.nextWithin(QUIET));
        stream.send(create(watchKey("k")));
        assertTrue(stream.next().getCreated(), "the stream still works");
    }

    @Test
    void aStartRevisionBelowTheCompactionPointIsCreatedThenCanceledWithTheCompactRevision() {
        long old = put("k", "v1");
        long compactAt = put("k", "v2");
        client.kv().compact(CompactionRequest.newBuilder().setRevision(compactAt).build());

        stream.send(create(watchKey("k").setStartRevision(old)));
        WatchResponse created = stream.next();
        WatchResponse compacted = stream.next();

        assertTrue(created.getCreated());
        assertFalse(created.getCanceled());
        assertEquals(created.getWatchId(), compacted.getWatchId());
        assertTrue(compacted.getCanceled());
        assertEquals(compactAt, compacted.getCompactRevision());
        assertEquals("", compacted.getCancelReason(), "a compaction cancel has no reason text");
        assertEquals(0, compacted.getEventsCount());
    }

    @Test
    void aStartRevisionAtTheCompactionPointIsFine() {
        long compactAt = put("k", "v1");
        client.kv().compact(CompactionRequest.newBuilder().setRevision(compactAt).build());

        stream.send(create(watchKey("k").setStartRevision(compactAt)));
        WatchResponse created = stream.next();
        WatchResponse events = stream.next();

        assertTrue(created.getCreated());
        assertFalse(created.getCanceled());
        assertEquals(compactAt, events.getEvents(0).getKv().getModRevision());
    }

    @Test
    void aProgressRequestWithEveryWatcherSyncedAnswersForTheWholeStream() {
        stream.send(create(watchKey("k")));
        stream.next();
        long revision = put("other", "v");

        stream.send(progress());
        WatchResponse progress = stream.next();

        assertEquals(-1, progress.getWatchId(), "not any one watcher's");
        assertEquals(0, progress.getEventsCount());
        assertFalse(progress.getCreated());
        assertFalse(progress.getCanceled());
        assertEquals(revision, progress.getHeader().getRevision());
    }

    @Test
    void eventsOfOneRevisionArriveTogetherWithTheirPreviousValues() {
        put("a", "old");
        stream.send(create(WatchCreateRequest.newBuilder().setKey(bytes(prefix)).setRangeEnd(bytes(prefix + "\uffff"))
                .setPrevKv(true)));
        stream.next();
        long deleted = client.kv().deleteRange(DeleteRangeRequest.newBuilder()
                .setKey(bytes(prefix)).setRangeEnd(bytes(prefix + "\uffff")).build()).getHeader().getRevision();

        WatchResponse events = stream.next();

        assertEquals(1, events.getEventsCount());
        Event delete = events.getEvents(0);
        assertEquals(Event.EventType.DELETE, delete.getType());
        assertEquals(deleted, delete.getKv().getModRevision());
        assertEquals(0, delete.getKv().getCreateRevision(), "a DELETE event's kv holds only key and mod_revision");
        assertEquals(ByteString.EMPTY, delete.getKv().getValue());
        assertEquals("old", delete.getPrevKv().getValue().toStringUtf8());
    }

    @Test
    void anEmptyRangeIsRefusedAtCreation() {
        stream.send(create(watchKey("b").setRangeEnd(bytes(prefix + "a"))));
        WatchResponse refused = stream.next();

        assertTrue(refused.getCreated());
        assertTrue(refused.getCanceled());
        assertEquals(-1, refused.getWatchId());
        assertEquals("mvcc: watcher range is empty", refused.getCancelReason());
    }

    @Test
    void filtersDropPutsOrDeletes() {
        stream.send(create(watchKey("k").addFilters(WatchCreateRequest.FilterType.NOPUT)));
        long noPuts = stream.next().getWatchId();
        stream.send(create(watchKey("k").addFilters(WatchCreateRequest.FilterType.NODELETE)));
        long noDeletes = stream.next().getWatchId();

        long putAt = put("k", "v");
        long deletedAt = client.kv().deleteRange(DeleteRangeRequest.newBuilder()
                .setKey(bytes(prefix + "k")).build()).getHeader().getRevision();
        WatchResponse first = stream.next();
        WatchResponse second = stream.next();

        WatchResponse puts = first.getWatchId() == noDeletes ? first : second;
        WatchResponse deletes = first.getWatchId() == noPuts ? first : second;
        assertEquals(noDeletes, puts.getWatchId());
        assertEquals(1, puts.getEventsCount());
        assertEquals(Event.EventType.PUT, puts.getEvents(0).getType());
        assertEquals(putAt, puts.getEvents(0).getKv().getModRevision());
        assertEquals(noPuts, deletes.getWatchId());
        assertEquals(1, deletes.getEventsCount());
        assertEquals(Event.EventType.DELETE, deletes.getEvents(0).getType());
        assertEquals(deletedAt, deletes.getEvents(0).getKv().getModRevision());
        assertEquals(Optional.empty(), stream.nextWithin(QUIET), "a response whose events are all filtered is not sent");
    }
}
