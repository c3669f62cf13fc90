package io.kvorum.it.coordination;

import static io.kvorum.it.client.Jetcd.await;
import static io.kvorum.it.client.Jetcd.bytes;
import static io.kvorum.it.client.Jetcd.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchEvent.EventType;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.LeaseLeasesRequest;
import io.kvorum.api.etcdserverpb.LeaseStatus;
import io.kvorum.it.client.Jetcd;
import io.kvorum.it.client.RawEtcdClient;
import io.kvorum.it.server.ServerExtension;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leases through jetcd (and the raw stub for LeaseLeases, which jetcd 0.8 lacks): grant, the
 * minimum TTL, keep-alive, time-to-live with keys, revoke, and expiry — keys go with their lease,
 * within TTL + 1 s of the grant, each with a DELETE event.
 */
class LeaseTest {
    /** etcd's minimum TTL with its default election timeout (1 s): ceil(1.5 × 1 s). */
    private static final long MINIMUM_TTL = 2;

    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static KV kv;
    private static Lease lease;
    private static Watch watch;
    private static RawEtcdClient raw;
    private String prefix;

    @BeforeAll
    static void connect() {
        Client client = Jetcd.client(server);
        kv = client.getKVClient();
        lease = client.getLeaseClient();
        watch = client.getWatchClient();
        raw = server.closeAfterAll(new RawEtcdClient(server.server()));
    }

    @BeforeEach
    void ownKeys(TestInfo test) {
        prefix = test.getTestMethod().orElseThrow().getName() + "/";
    }

    private long grant(long ttl) {
        return await(lease.grant(ttl)).getID();
    }

    private void putWithLease(String name, long leaseId) {
        await(kv.put(bytes(prefix + name), bytes("v"), PutOption.builder().withLeaseId(leaseId).build()));
    }

    private List<Long> leases() {
        return raw.lease().leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList().stream()
                .map(LeaseStatus::getID).toList();
    }

    private WatchRecorder watchPrefix() {
        WatchRecorder recorder = new WatchRecorder();
        server.closeAfterAll(watch.watch(bytes(prefix), WatchOption.builder().isPrefix(true).withCreateNotify(true)
                .build(), recorder));
        recorder.awaitCreated();
        return recorder;
    }

    @Test
    void aGrantReturnsAPositiveIdAndTheTtl() {
        var granted = await(lease.grant(30));

        assertTrue(granted.getID() > 0, "ID " + granted.getID());
        assertEquals(30, granted.getTTL());
    }

    @Test
    void aTtlBelowTheMinimumIsRaisedToTheMinimum() {
        assertEquals(MINIMUM_TTL, await(lease.grant(1)).getTTL());
        assertEquals(MINIMUM_TTL, await(lease.grant(0)).getTTL());
    }

    @Test
    void grantedLeasesAreListedUntilRevoked() {
        long id = grant(30);
        assertTrue(leases().contains(id), "listed after the grant");

        await(lease.revoke(id));

        assertFalse(leases().contains(id), "not listed after the revoke");
    }

    @Test
    void keepAliveOnceAnswersWithTheGrantedTtl() {
        long id = grant(30);

        LeaseKeepAliveResponse response = await(lease.keepAliveOnce(id));

        assertEquals(id, response.getID());
        assertEquals(30, response.getTTL(), "the full granted TTL, not what remained");
    }

    @Test
    void aKeepAliveObserverReceivesTheGrantedTtl() throws InterruptedException {
        long id = grant(30);
        BlockingQueue<LeaseKeepAliveResponse> responses = new LinkedBlockingQueue<>();

        try (CloseableClient keepAlive = lease.keepAlive(id, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse response) {
                responses.add(response);
            }

            @Override
            public void onError(Throwable t) {
                // the test sees the missing response
            }

            @Override
            public void onCompleted() {
                // nothing more to see
            }
        })) {
            LeaseKeepAliveResponse first = responses.poll(15, TimeUnit.SECONDS);

            assertNotNull(first, "no keep-alive response within 15 s");
            assertEquals(id, first.getID());
            assertEquals(30, first.getTTL());
        }
    }

    @Test
    void timeToLiveReportsTheRemainingAndGrantedTtlAndTheAttachedKeys() {
        long id = grant(30);
        putWithLease("a", id);
        putWithLease("b", id);

        LeaseTimeToLiveResponse ttl = await(lease.timeToLive(id, LeaseOption.builder().withAttachedKeys().build()));
        LeaseTimeToLiveResponse withoutKeys = await(lease.timeToLive(id, LeaseOption.DEFAULT));

        assertEquals(id, ttl.getID());
        assertEquals(30, ttl.getGrantedTTL());
        assertTrue(ttl.getTTL() > 0 && ttl.getTTL() < 30, "remaining whole seconds, truncated: " + ttl.getTTL());
        assertEquals(List.of(prefix + "a", prefix + "b"), ttl.getKeys().stream().map(Jetcd::string).sorted().toList());
        assertTrue(withoutKeys.getKeys().isEmpty(), "keys only when asked for");
    }

    @Test
    void timeToLiveOfAnUnknownLeaseIsMinusOne() {
        long id = grant(30);
        await(lease.revoke(id));

        LeaseTimeToLiveResponse ttl = await(lease.timeToLive(id, LeaseOption.DEFAULT));

        assertEquals(-1, ttl.getTTL());
        assertEquals(0, ttl.getGrantedTTL());
    }

    @Test
    void revokingALeaseDeletesItsKeysInOneRevisionWithADeleteEventEach() {
        long id = grant(30);
        putWithLease("a", id);
        putWithLease("b", id);
        await(kv.put(bytes(prefix + "c"), bytes("no lease")));
        WatchRecorder recorder = watchPrefix();

        long revokedAt = await(lease.revoke(id)).getHeader().getRevision();

        List<WatchEvent> events = recorder.events(2);
        assertEquals(List.of(EventType.DELETE, EventType.DELETE), events.stream().map(WatchEvent::getEventType).toList());
        assertEquals(List.of(prefix + "a", prefix + "b"), events.stream().map(e -> string(e.getKeyValue().getKey()))
                .sorted().toList());
        assertEquals(List.of(revokedAt, revokedAt), events.stream().map(e -> e.getKeyValue().getModRevision()).toList());
        assertEquals(List.of(prefix + "c"), Jetcd.keys(await(kv.get(bytes(prefix), GetOption.builder().isPrefix(true).build()))
                .getKvs()));
    }

    @Test
    void anExpiredLeaseTakesItsKeysWithinTtlPlusOneSecondOfTheGrant() {
        WatchRecorder recorder = watchPrefix();
        long ttl = 2;
        long grantedAt = System.nanoTime();
        long id = grant(ttl);
        putWithLease("a", id);
        putWithLease("b", id);
        recorder.events(2);

        List<WatchEvent> deletes = recorder.events(2);
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - grantedAt);

        assertEquals(List.of(EventType.DELETE, EventType.DELETE), deletes.stream().map(WatchEvent::getEventType).toList());
        assertTrue(elapsedMillis <= (ttl + 1) * 1000, "keys deleted " + elapsedMillis + " ms after the grant");
        assertTrue(elapsedMillis >= ttl * 1000 - 500, "keys deleted already " + elapsedMillis + " ms after the grant");
        assertEquals(-1, await(lease.timeToLive(id, LeaseOption.DEFAULT)).getTTL(), "the lease is gone");
        assertFalse(leases().contains(id), "no longer listed");
    }
}
