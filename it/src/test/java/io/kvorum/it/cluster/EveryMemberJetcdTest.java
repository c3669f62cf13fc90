package io.kvorum.it.cluster;

import static io.kvorum.it.client.Jetcd.await;
import static io.kvorum.it.client.Jetcd.bytes;
import static io.kvorum.it.client.Jetcd.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.stub.StreamObserver;
import io.kvorum.it.server.ManagedProcess;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every call jetcd makes works through every member of a 3-member cluster of the current target,
 * each client knowing that one member only: KV, watch, lease (grant, keep-alive once and
 * streaming, time-to-live, revoke), lock and election; then across the leader's death; then
 * across a stop of the whole cluster, during which an open watch learns of it and after which a
 * client retrying puts gets through. Run with {@code -Dkvorum.it.target=etcd} to see real etcd
 * pass the same test.
 */
@Tag("cluster")
class EveryMemberJetcdTest {
    private static final long TTL = 60;
    /** A short TTL, so jetcd's streaming keepalive (every TTL / 3) renews often. */
    private static final long SHORT_TTL = 6;
    /** etcd's clients learn of a stopped cluster well within this (the measure). */
    private static final Duration WATCH_ERROR_BOUND = Duration.ofSeconds(15);
    private static final Duration PUT_AFTER_RESTART_BOUND = Duration.ofSeconds(30);

    @Test
    void everyCallWorksThroughEveryMemberAcrossALeaderChangeAndAFullRestart() throws Exception {
        try (Cluster cluster = Cluster.start("every-member-jetcd", 3)) {
            for (ClusterMember m : cluster.members()) {
                try (Client client = clientOf(List.of(m)); Client other = clientOf(cluster.members())) {
                    everyCallThrough(m.name(), client, other);
                }
            }
            acrossTheLeadersDeath(cluster);
            acrossAFullRestart(cluster);
        }
    }

    private static Client clientOf(List<ClusterMember> members) {
        return Client.builder().endpoints(members.stream().map(ClusterMember::clientUrl).toArray(URI[]::new)).build();
    }

    private static void everyCallThrough(String name, Client client, Client other) throws Exception {
        String via = " through " + name;
        ByteSequence key = bytes("k-" + name);
        await(client.getKVClient().put(key, bytes("v")));
        assertEquals("v", string(await(client.getKVClient().get(key)).getKvs().get(0).getValue()), "get" + via);

        BlockingQueue<WatchResponse> events = new LinkedBlockingQueue<>();
        ByteSequence watched = bytes("w-" + name);
        try (Watch.Watcher watcher = client.getWatchClient().watch(watched, events::add)) {
            // a put through another member, once the watch is in place (it sees the put either way:
            // the watch starts at the revision its creation saw, and the put comes after a read)
            ManagedProcess.pause(300);
            await(other.getKVClient().put(watched, bytes("x")));
            WatchResponse r = events.poll(15, TimeUnit.SECONDS);
            assertNotNull(r, "no watch event" + via);
            assertEquals(WatchEvent.EventType.PUT, r.getEvents().get(0).getEventType());
            assertEquals("x", string(r.getEvents().get(0).getKeyValue().getValue()), "watch" + via);
        }

        long lease = await(client.getLeaseClient().grant(TTL)).getID();
        await(client.getKVClient().put(bytes("leased-" + name), bytes("v"), PutOption.builder().withLeaseId(lease).build()));
        assertEquals(TTL, await(client.getLeaseClient().keepAliveOnce(lease)).getTTL(), "keep-alive once" + via);
        LeaseTimeToLiveResponse ttl = await(client.getLeaseClient().timeToLive(lease, LeaseOption.builder().withAttachedKeys().build()));
        assertEquals(TTL, ttl.getGrantedTTL(), "time-to-live" + via);
        assertTrue(ttl.getTTL() > 0 && ttl.getTTL() <= TTL, "remaining " + ttl.getTTL() + via);
        assertEquals(List.of("leased-" + name), ttl.getKeys().stream().map(b -> string(b)).toList(), "keys" + via);
        try (KeepAlives keepAlives = new KeepAlives(client, lease)) {
            assertEquals(TTL, keepAlives.next(Duration.ofSeconds(15)).getTTL(), "streaming keep-alive" + via);
        }

        ByteSequence lockName = bytes("lock-" + name);
        LockResponse locked = await(client.getLockClient().lock(lockName, lease));
        assertTrue(string(locked.getKey()).startsWith("lock-" + name + "/"), "lock" + via);
        await(client.getLockClient().unlock(locked.getKey()));

        ByteSequence election = bytes("election-" + name);
        CampaignResponse campaign = await(client.getElectionClient().campaign(election, lease, bytes("me")));
        assertEquals("me", string(await(client.getElectionClient().leader(election)).getKv().getValue()), "election leader" + via);
        await(client.getElectionClient().resign(campaign.getLeader()));

        await(client.getLeaseClient().revoke(lease));
        assertEquals(-1, await(client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT)).getTTL(), "revoked" + via);
        assertEquals(0, await(client.getKVClient().get(bytes("leased-" + name))).getCount(), "the revoked lease's key" + via);
    }

    /**
     * A lease granted through a follower, its streaming keepalive through that follower, then kill -9
     * of the leader: the stream goes on renewing, and every running member renews and answers for
     * the lease, takes locks on it and elects with it.
     */
    private static void acrossTheLeadersDeath(Cluster cluster) throws Exception {
        ClusterMember leader = cluster.awaitLeader(Duration.ofSeconds(10));
        ClusterMember follower = cluster.followers().get(0);
        try (Client viaFollower = clientOf(List.of(follower))) {
            long lease = await(viaFollower.getLeaseClient().grant(SHORT_TTL)).getID();
            try (KeepAlives keepAlives = new KeepAlives(viaFollower, lease)) {
                assertEquals(SHORT_TTL, keepAlives.next(Duration.ofSeconds(15)).getTTL());
                leader.kill();
                ClusterMember next = cluster.awaitLeader(Duration.ofSeconds(20));
                keepAlives.answers.clear();
                // answers keep coming after the new leader took over (jetcd renews every TTL / 3)
                for (int i = 0; i < 2; i++) {
                    assertEquals(SHORT_TTL, keepAlives.next(Duration.ofSeconds(15)).getTTL(),
                            "streaming keep-alive through " + follower.name() + " after " + leader.name()
                                    + " died and " + next.name() + " leads\n" + cluster.logTails());
                }
            }
            for (ClusterMember m : cluster.running()) {
                String via = " through " + m.name() + " after the leader's death";
                try (Client client = clientOf(List.of(m))) {
                    assertEquals(SHORT_TTL, await(client.getLeaseClient().keepAliveOnce(lease)).getTTL(), "keep-alive once" + via);
                    assertEquals(SHORT_TTL, await(client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT)).getGrantedTTL(),
                            "time-to-live" + via);
                    LockResponse locked = await(client.getLockClient().lock(bytes("lock-after-" + m.name()), lease));
                    await(client.getLockClient().unlock(locked.getKey()));
                    CampaignResponse campaign = await(client.getElectionClient().campaign(bytes("election-after-" + m.name()), lease,
                            bytes("me")));
                    await(client.getElectionClient().resign(campaign.getLeader()));
                }
            }
            await(viaFollower.getLeaseClient().revoke(lease));
        }
        leader.restart();
    }

    /**
     * Every member stopped: a watch open through a jetcd client that knows them all gets an error
     * within {@link #WATCH_ERROR_BOUND}; every member started again: a client retrying puts gets
     * one through within {@link #PUT_AFTER_RESTART_BOUND}.
     */
    private static void acrossAFullRestart(Cluster cluster) throws Exception {
        try (Client client = clientOf(cluster.members())) {
            BlockingQueue<Throwable> watchErrors = new LinkedBlockingQueue<>();
            ByteSequence watched = bytes("watched-across-restart");
            BlockingQueue<WatchResponse> events = new LinkedBlockingQueue<>();
            try (Watch.Watcher watcher = client.getWatchClient().watch(watched, Watch.listener(events::add,
                    watchErrors::add))) {
                ManagedProcess.pause(300);
                await(client.getKVClient().put(watched, bytes("before")));
                assertNotNull(events.poll(15, TimeUnit.SECONDS), "no watch event before the stop");
                watchErrors.clear();
                // all at once, as an operator stopping the whole cluster
                long stopping = System.nanoTime();
                CompletableFuture.allOf(cluster.members().stream()
                        .map(m -> CompletableFuture.runAsync(m::stop)).toArray(CompletableFuture[]::new)).join();
                Throwable error = watchErrors.poll(WATCH_ERROR_BOUND.toNanos() - (System.nanoTime() - stopping),
                        TimeUnit.NANOSECONDS);
                assertNotNull(error, "the watch got no error within " + WATCH_ERROR_BOUND.toSeconds()
                        + " s of the members' stop");
            }
            for (ClusterMember m : cluster.members()) {
                m.startAgain();
            }
            long started = System.nanoTime();
            List<Throwable> failures = new ArrayList<>();
            while (true) {
                try {
                    client.getKVClient().put(bytes("after-restart"), bytes("v")).get(2, TimeUnit.SECONDS);
                    break;
                } catch (Exception e) {
                    failures.add(e);
                }
                if (System.nanoTime() - started > PUT_AFTER_RESTART_BOUND.toNanos()) {
                    fail("no put got through within " + PUT_AFTER_RESTART_BOUND.toSeconds()
                            + " s of the members' start; last failures: "
                            + failures.subList(Math.max(0, failures.size() - 3), failures.size()) + "\n" + cluster.logTails());
                }
                ManagedProcess.pause(200);
            }
            for (ClusterMember m : cluster.members()) {
                m.awaitServing();
            }
        }
    }

    /** jetcd's streaming keepalive of one lease, its answers queued. */
    private static final class KeepAlives implements StreamObserver<LeaseKeepAliveResponse>, AutoCloseable {
        final BlockingQueue<LeaseKeepAliveResponse> answers = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> ended = new CompletableFuture<>();
        final CloseableClient stream;

        KeepAlives(Client client, long lease) {
            stream = client.getLeaseClient().keepAlive(lease, this);
        }

        LeaseKeepAliveResponse next(Duration timeout) throws InterruptedException {
            LeaseKeepAliveResponse r = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(r, () -> "no keep-alive answer within " + timeout.toSeconds() + " s; stream ended: "
                    + ended.getNow(null));
            return r;
        }

        @Override
        public void onNext(LeaseKeepAliveResponse value) {
            answers.add(value);
        }

        @Override
        public void onError(Throwable t) {
            ended.complete(t);
        }

        @Override
        public void onCompleted() {
            ended.complete(null);
        }

        @Override
        public void close() {
            stream.close();
        }
    }
}
