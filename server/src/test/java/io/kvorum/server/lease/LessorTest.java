package io.kvorum.server.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.server.mvcc.WriteTxn;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The lessor's rules, on a clock the test moves. */
class LessorTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private final InMemoryBackend backend = new InMemoryBackend();
    private final MvccStore store = MvccStore.open(backend);
    private final Lessor lessor = new Lessor(2, clock::get);

    @Test
    void minimumTtlIsOneAndAHalfElectionTimeoutsRoundedUpToSeconds() {
        assertEquals(2, Lessor.minTtlSeconds(100, 1000));
        assertEquals(3, Lessor.minTtlSeconds(100, 2000));
        assertEquals(1, Lessor.minTtlSeconds(10, 100));
        assertEquals(8, Lessor.minTtlSeconds(500, 5000));
    }

    @Test
    void grantRaisesShortTtlsAndRefusesATakenId() throws Exception {
        assertEquals(2, lessor.grant(store, 7, 1).ttl());
        assertEquals(30, lessor.grant(store, 8, 30).ttl());
        assertNull(lessor.grant(store, 7, 10), "id taken");
        store.commit(1, 1, true);
    }

    @Test
    void onlyThePrimaryExpiresAndARenewalRestartsTheClock() throws Exception {
        lessor.grant(store, 1, 5);
        clock.addAndGet(60 * SECOND);
        assertTrue(lessor.takeExpired(10).isEmpty(), "a member that does not lead never expires leases");

        lessor.promote(SECOND);
        clock.addAndGet(5 * SECOND);
        assertTrue(lessor.takeExpired(10).isEmpty(), "promotion gives the full TTL plus the extension");
        assertEquals(5, lessor.renew(1).get());
        clock.addAndGet(4 * SECOND);
        assertTrue(lessor.takeExpired(10).isEmpty());
        clock.addAndGet(2 * SECOND);
        List<Lease> expired = lessor.takeExpired(10);
        assertEquals(1, expired.size());
        assertTrue(lessor.takeExpired(10).isEmpty(), "a revoke already proposed is not proposed again at once");
        clock.addAndGet(4 * SECOND);
        assertEquals(1, lessor.takeExpired(10).size(), "…but again when it seems lost");

        assertFalse(lessor.renew(1).isDone(), "a late keepalive waits for the revoke");
        lessor.remove(store, expired.get(0));
        assertEquals(-1, lessor.renew(1).get());
        assertEquals(-1, lessor.renew(99).get(), "unknown lease");
    }

    @Test
    void renewalsKeepOneExpiryEntryPerLeaseAndRevokesDropIt() throws Exception {
        lessor.promote(0);
        Lease first = lessor.grant(store, 1, 5);
        lessor.grant(store, 2, 5);
        for (int i = 0; i < 1000; i++) {
            clock.addAndGet(SECOND / 1000);
            assertEquals(5, lessor.renew(1).get());
        }
        assertEquals(2, lessor.queuedExpiries());

        clock.addAndGet(4 * SECOND + SECOND / 2);
        assertEquals(List.of(2L), lessor.takeExpired(10).stream().map(Lease::id).toList(),
                "the renewed lease is queued again at its new expiry");
        assertEquals(2, lessor.queuedExpiries());
        clock.addAndGet(SECOND);
        assertEquals(List.of(1L), lessor.takeExpired(10).stream().map(Lease::id).toList());
        lessor.remove(store, first);
        assertEquals(1, lessor.queuedExpiries());
        lessor.demote();
        assertEquals(0, lessor.queuedExpiries());
        store.commit(1, 1, true);
    }

    @Test
    void keysFollowPutsAndDeletesAndLeasesSurviveReopening() throws Exception {
        lessor.grant(store, 3, 60);
        try (WriteTxn w = store.beginWrite()) {
            w.put(b("a"), b("1"), 3);
            w.put(b("b"), b("1"), 3);
            w.end();
            lessor.apply(w.events());
        }
        try (WriteTxn w = store.beginWrite()) {
            w.put(b("b"), b("2"), 0); // moves b off the lease
            w.end();
            lessor.apply(w.events());
        }
        store.commit(1, 1, true);
        assertEquals(List.of(ByteString.copyFromUtf8("a")), lessor.get(3).sortedKeys());

        store.close();
        MvccStore reopened = MvccStore.open(backend);
        Lessor recovered = new Lessor(2, clock::get);
        recovered.recover(reopened);
        assertEquals(60, recovered.get(3).ttl());
        assertEquals(List.of(ByteString.copyFromUtf8("a")), recovered.get(3).sortedKeys());
        recovered.remove(reopened, recovered.get(3));
        reopened.commit(2, 1, true);
        reopened.close();
        Lessor empty = new Lessor(2, clock::get);
        empty.recover(MvccStore.open(backend));
        assertTrue(empty.leases().isEmpty(), "a revoked lease is gone from the bucket");
    }

    private static byte[] b(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
