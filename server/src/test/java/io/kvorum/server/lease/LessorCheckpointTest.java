package io.kvorum.server.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.api.etcdserverpb.LeaseCheckpoint;
import io.kvorum.api.etcdserverpb.LeaseCheckpointRequest;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** etcd's lease checkpoints, on a clock the test moves and a log the test applies by hand. */
class LessorCheckpointTest {
    private static final long SECOND = 1_000_000_000L;
    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private InMemoryBackend backend = new InMemoryBackend();
    private MvccStore store = MvccStore.open(backend);
    /** What the primary proposed, in order. */
    private final List<LeaseCheckpointRequest> proposed = new ArrayList<>();
    private long index;

    private Lessor lessor(LeaseCheckpoints checkpoints) {
        Lessor lessor = new Lessor(2, clock::get, checkpoints);
        lessor.checkpointTo(r -> {
            proposed.add(r);
            return CompletableFuture.completedFuture(null);
        });
        return lessor;
    }

    /** Applies every proposed checkpoint to {@code members}, as the log would. */
    private void applyProposed(Lessor... members) throws Exception {
        for (LeaseCheckpointRequest r : proposed) {
            for (Lessor m : members) {
                for (LeaseCheckpoint c : r.getCheckpointsList()) {
                    m.checkpoint(store, c.getID(), c.getRemainingTTL());
                }
            }
        }
        proposed.clear();
        store.commit(++index, 1, true);
    }

    @Test
    void aNewPrimaryStartsFromTheCheckpointedRemainingTtl() throws Exception {
        Lessor leader = lessor(new LeaseCheckpoints(true, false, INTERVAL));
        Lessor follower = lessor(new LeaseCheckpoints(true, false, INTERVAL));
        leader.promote(0);
        leader.grant(store, 1, 60);
        follower.grant(store, 1, 60);

        clock.addAndGet(9 * SECOND);
        assertEquals(0, leader.proposeDueCheckpoints(), "nothing is due before the interval");
        clock.addAndGet(2 * SECOND);
        assertEquals(1, leader.proposeDueCheckpoints());
        assertEquals(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(49).build(),
                proposed.get(0).getCheckpoints(0), "the remaining TTL, rounded up");
        applyProposed(leader, follower);
        assertEquals(49, follower.get(1).remainingTtl());

        clock.addAndGet(5 * SECOND);
        leader.demote();
        follower.promote(SECOND);
        assertEquals(50, follower.get(1).remainingSeconds(clock.get()), "49 s plus the election timeout, not 60");
        assertTrue(follower.takeExpired(10).isEmpty());
        clock.addAndGet(50 * SECOND + 1);
        assertEquals(1, follower.takeExpired(10).size(), "expires on the checkpointed schedule");
    }

    @Test
    void withoutCheckpointsANewPrimaryExtendsEveryLeaseToItsFullTtl() throws Exception {
        Lessor leader = lessor(LeaseCheckpoints.disabled());
        Lessor follower = lessor(LeaseCheckpoints.disabled());
        leader.promote(0);
        leader.grant(store, 1, 60);
        follower.grant(store, 1, 60);
        clock.addAndGet(30 * SECOND);
        assertEquals(0, leader.proposeDueCheckpoints());
        assertTrue(proposed.isEmpty());
        leader.demote();
        follower.promote(SECOND);
        assertEquals(61, follower.get(1).remainingSeconds(clock.get()));
    }

    @Test
    void theLeaderCheckpointsAgainEveryIntervalWhileMoreThanAnIntervalIsLeft() throws Exception {
        Lessor leader = lessor(new LeaseCheckpoints(true, false, INTERVAL));
        leader.promote(0);
        leader.grant(store, 1, 25);
        leader.grant(store, 2, 10); // not more than an interval: never checkpointed
        clock.addAndGet(10 * SECOND);
        assertEquals(1, leader.proposeDueCheckpoints());
        applyProposed(leader);
        assertEquals(15, leader.get(1).remainingTtl());
        clock.addAndGet(10 * SECOND);
        assertEquals(1, leader.proposeDueCheckpoints());
        assertEquals(5, proposed.get(0).getCheckpoints(0).getRemainingTTL());
        applyProposed(leader);
        clock.addAndGet(10 * SECOND);
        assertEquals(0, leader.proposeDueCheckpoints(), "5 s left is no more than an interval: not scheduled again");
        assertEquals(0, leader.scheduledCheckpoints());
    }

    @Test
    void aRenewalClearsTheCheckpointThroughTheLogAndRestartsAtTheFullTtl() throws Exception {
        Lessor leader = lessor(new LeaseCheckpoints(true, false, INTERVAL));
        leader.promote(0);
        leader.grant(store, 1, 60);
        assertEquals(60, leader.renew(1).get());
        assertTrue(proposed.isEmpty(), "no checkpoint to clear: the renewal costs no log entry");
        clock.addAndGet(20 * SECOND);
        leader.proposeDueCheckpoints();
        applyProposed(leader);
        assertEquals(40, leader.get(1).remainingTtl());

        assertEquals(60, leader.renew(1).get());
        assertEquals(List.of(LeaseCheckpointRequest.newBuilder()
                .addCheckpoints(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(0)).build()), proposed);
        assertEquals(60, leader.get(1).remainingSeconds(clock.get()));
        applyProposed(leader);
        assertEquals(60, leader.get(1).remainingTtl(), "cleared: the full TTL counts again");
    }

    @Test
    void checkpointsSurviveARestartOnlyWhenPersisted() throws Exception {
        for (boolean persist : new boolean[] {false, true}) {
            backend = new InMemoryBackend();
            store = MvccStore.open(backend);
            Lessor leader = lessor(new LeaseCheckpoints(true, persist, INTERVAL));
            leader.promote(0);
            leader.grant(store, 1, 60);
            clock.addAndGet(10 * SECOND);
            leader.proposeDueCheckpoints();
            applyProposed(leader);

            store = MvccStore.open(backend.restart());
            Lessor restarted = lessor(new LeaseCheckpoints(true, persist, INTERVAL));
            restarted.recover(store);
            restarted.promote(0);
            assertEquals(persist ? 50 : 60, restarted.get(1).remainingSeconds(clock.get()), "persist=" + persist);
        }
    }

    @Test
    void aCheckpointOfAnUnknownLeaseIsSkippedAndAFollowerSchedulesNothing() throws Exception {
        Lessor follower = lessor(new LeaseCheckpoints(true, false, INTERVAL));
        follower.checkpoint(store, 42, 10);
        follower.grant(store, 1, 60);
        follower.checkpoint(store, 1, 30);
        assertEquals(0, follower.scheduledCheckpoints());
        clock.addAndGet(60 * SECOND);
        assertEquals(0, follower.proposeDueCheckpoints());
        assertEquals(30, follower.get(1).remainingTtl());
    }

    @Test
    void persistWithoutCheckpointsIsRefusedInEtcdsWords() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LeaseCheckpoints(false, true, INTERVAL));
        assertEquals("setting experimental-enable-lease-checkpoint-persist requires experimental-enable-lease-checkpoint",
                e.getMessage());
    }
}
