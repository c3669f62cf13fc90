package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Watches on a follower that catches up by a snapshot see every event after their start: a
 * follower is stopped while more entries are written than the leader keeps for slow followers, then
 * started again while writes go on. Watches from an old revision are opened on it before it
 * listens, watches without a start revision as soon as it answers, and more once it knows its
 * leader again. Every one must see exactly the leader's history after its start: no revision
 * missing, none twice, in order, each value as written; nobody compacts, so nobody is canceled.
 *
 * <p>The snapshot must arrive after the watches exist, so the member is started with the peer
 * traffic into it cut off ({@link InboundCut}): kvorum then serves its clients from its old state
 * after three election timeouts, and the snapshot comes when the cut heals. (etcd serves nobody
 * before it has heard from its leader; its watches start after the snapshot, which the test
 * allows.) The follower's log must show the snapshot, so the test cannot pass by log entries alone.
 */
@Tag("cluster")
class WatchAcrossSnapshotTest {
    private static final String PREFIX = "snap-watch/";
    private static final int KEYS = 64;
    private static final int IN_FLIGHT = 32;
    private static final int SNAPSHOT_COUNT = 100;
    /** kvorum's entries kept behind a snapshot for slow followers, set small by option. */
    private static final int CATCH_UP_ENTRIES = 50;
    /**
     * Writes while the follower is down: beyond what the leader keeps in its log. etcd 3.4 keeps
     * 5000 entries behind each snapshot (no flag), kvorum {@link #CATCH_UP_ENTRIES}.
     */
    private static final int DOWN_PUTS_ETCD = 6_000;
    private static final int DOWN_PUTS_KVORUM = 1_000;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void watchesOnAFollowerThatCatchesUpByASnapshotSeeEveryEventAfterTheirStart() throws Exception {
        Target target = Target.current();
        List<String> flags = new ArrayList<>(List.of("--snapshot-count", Integer.toString(SNAPSHOT_COUNT)));
        if (target == Target.KVORUM) {
            flags.addAll(List.of("--consensus-opt", "snapshot-catch-up-entries=" + CATCH_UP_ENTRIES));
        }
        int downPuts = target == Target.ETCD ? DOWN_PUTS_ETCD : DOWN_PUTS_KVORUM;
        List<PrefixWatch> watches = new ArrayList<>();
        Map<PrefixWatch, Long> starts = new HashMap<>();
        try (InboundCut peers = new InboundCut();
             Cluster cluster = Cluster.start(target, "watch-snapshot", 3, peers, flags.toArray(String[]::new))) {
            ClusterMember leader = cluster.awaitLeader(WAIT);
            ClusterMember follower = cluster.running().stream().filter(m -> m != leader).findFirst().orElseThrow();
            Map<Long, PrefixWatch.Seen> acked;
            try (Writes writes = new Writes(leader)) {
                writes.awaitAcked(200, cluster);
                long followerRevision = follower.probe().kv().range(RangeRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8(PREFIX)).setSerializable(true).setLimit(1).build())
                        .getHeader().getRevision();
                follower.stop();
                writes.awaitAcked(writes.acked() + downPuts, cluster);

                long revisionAtRestart = writes.highestAcked();
                peers.cut(follower.name());
                follower.startAgain();
                PrefixWatch fromOne = PrefixWatch.open("watch from revision 1", follower, PREFIX, 1);
                PrefixWatch fromStop = PrefixWatch.open("watch from revision " + followerRevision + " (before the stop)",
                        follower, PREFIX, followerRevision);
                watches.addAll(List.of(fromOne, fromStop));
                starts.put(fromOne, 1L);
                starts.put(fromStop, followerRevision);
                if (target == Target.KVORUM) {
                    // kvorum serves after three election timeouts without a leader, from its old state
                    assertTrue(fromOne.awaitCreated(WAIT), "the restarted member answers the watch while cut off"
                            + "\n" + cluster.logTails());
                    assertTrue(fromOne.createdRevision().getAsLong() < revisionAtRestart, "the watch from revision 1"
                            + " is created before the member catches up, as the test means it to: created at "
                            + fromOne.createdRevision() + ", the leader was at " + revisionAtRestart);
                }
                watches.add(PrefixWatch.open("live watch, opened as the member first answers", follower, PREFIX, 0));
                ManagedProcess.pause(500); // writes go on while the member is cut off
                peers.heal();
                follower.awaitServing();
                watches.add(PrefixWatch.open("live watch, opened as the member knows its leader", follower, PREFIX, 0));
                watches.add(PrefixWatch.open("second live watch, opened as the member knows its leader", follower,
                        PREFIX, 0));
                writes.awaitAcked(writes.acked() + 500, cluster);
                acked = writes.stop();
            }
            long revision = Convergence.awaitSameRevision(cluster, Duration.ofSeconds(90));
            String installed = target == Target.ETCD ? "applied incoming Raft snapshot" : "installed a snapshot at";
            assertTrue(follower.allLogs().contains(installed), "the follower caught up from a snapshot, as this test"
                    + " means it to: its logs do not say '" + installed + "'\n" + follower.logTail());

            List<PrefixWatch.Seen> history = leaderHistory(cluster, revision);
            List<String> faults = new ArrayList<>();
            Map<Long, PrefixWatch.Seen> byRevision = new HashMap<>();
            history.forEach(e -> byRevision.put(e.revision(), e));
            acked.values().stream().filter(a -> !a.equals(byRevision.get(a.revision()))).limit(10)
                    .forEach(a -> faults.add("acknowledged put " + a + " is not in the leader's history: "
                            + byRevision.get(a.revision())));
            long deadline = System.nanoTime() + WAIT.toNanos();
            for (PrefixWatch w : watches) {
                Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                assertTrue(w.awaitCreated(left), w + ": no created response\n" + cluster.logTails());
                if (!w.awaitRevision(revision, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                    faults.add(w + " did not reach revision " + revision + " within " + WAIT.toSeconds()
                            + " s; it saw up to " + last(w.events()));
                }
            }
            for (PrefixWatch w : watches) {
                // a live watch starts after the revision its created response reports
                long start = starts.getOrDefault(w, w.createdRevision().getAsLong() + 1);
                List<PrefixWatch.Seen> expected = history.stream().filter(e -> e.revision() >= start).toList();
                faults.addAll(compare(w, start, expected));
            }
            System.out.println("watches across a snapshot: final revision " + revision + "; " + watches.stream()
                    .map(w -> w + ": created at " + w.createdRevision() + ", " + w.events().size() + " events")
                    .toList());
            if (!faults.isEmpty()) {
                fail(String.join("\n", faults));
            }
        } finally {
            watches.forEach(PrefixWatch::close);
        }
    }

    /** Every event under the prefix, from a watch from revision 1 on the leader. */
    private static List<PrefixWatch.Seen> leaderHistory(Cluster cluster, long revision) {
        try (PrefixWatch all = PrefixWatch.open("history", cluster.awaitLeader(WAIT), PREFIX, 1)) {
            assertTrue(all.awaitRevision(revision, WAIT), "the leader's history up to " + revision + " within "
                    + WAIT.toSeconds() + " s");
            assertEquals(List.of(), all.problems(), "the leader's history");
            return all.events();
        }
    }

    /** What {@code w} saw against what it should have: names the first difference. */
    private static List<String> compare(PrefixWatch w, long start, List<PrefixWatch.Seen> expected) {
        List<String> faults = new ArrayList<>();
        w.problems().forEach(p -> faults.add(w + ": " + p));
        List<PrefixWatch.Seen> seen = w.events();
        if (!seen.equals(expected)) {
            int i = 0;
            while (i < seen.size() && i < expected.size() && seen.get(i).equals(expected.get(i))) {
                i++;
            }
            faults.add(w + " (from revision " + start + ", created at " + w.createdRevision() + "): saw "
                    + seen.size() + " events, expected " + expected.size() + "; first difference at #" + i + ": saw "
                    + (i < seen.size() ? seen.get(i) : "nothing") + ", expected "
                    + (i < expected.size() ? expected.get(i) : "nothing") + (i > 0 ? " (after " + seen.get(i - 1) + ")" : ""));
        }
        return faults;
    }

    private static String last(List<PrefixWatch.Seen> events) {
        return events.isEmpty() ? "nothing" : events.get(events.size() - 1).toString();
    }

    /**
     * Puts through one member, {@link #IN_FLIGHT} at a time, until closed: keys cycle over
     * {@link #KEYS} names so that each is overwritten many times, every value is different.
     * Acknowledged puts are kept by revision.
     */
    private static final class Writes implements AutoCloseable {
        private final MemberClient client;
        private final Semaphore window = new Semaphore(IN_FLIGHT);
        private final Map<Long, PrefixWatch.Seen> acked = new ConcurrentHashMap<>();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong highest = new AtomicLong();
        private final Thread thread;
        private volatile boolean stopping;

        Writes(ClusterMember via) {
            this.client = new MemberClient(via.clientPort(), 10_000);
            this.thread = new Thread(this::run, "snapshot-watch-writes");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            for (long seq = 0; !stopping; seq++) {
                try {
                    if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        seq--;
                        continue;
                    }
                } catch (InterruptedException e) {
                    return;
                }
                String key = PREFIX + String.format("k%02d", seq % KEYS);
                String value = "v" + seq;
                Futures.addCallback(client.kvAsync().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8(value)).build()), new FutureCallback<PutResponse>() {
                            @Override
                            public void onSuccess(PutResponse r) {
                                long revision = r.getHeader().getRevision();
                                acked.put(revision, new PrefixWatch.Seen(revision, "PUT", key, value));
                                highest.accumulateAndGet(revision, Math::max);
                                window.release();
                            }

                            @Override
                            public void onFailure(Throwable t) {
                                failed.incrementAndGet();
                                window.release();
                            }
                        }, MoreExecutors.directExecutor());
            }
        }

        int acked() {
            return acked.size();
        }

        long highestAcked() {
            return highest.get();
        }

        void awaitAcked(int count, Cluster cluster) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (acked.size() < count) {
                if (System.nanoTime() > deadline) {
                    fail("only " + acked.size() + " of " + count + " puts acknowledged (" + failed.get() + " failed)\n"
                            + cluster.logTails());
                }
                ManagedProcess.pause(10);
            }
        }

        /** Stops writing, waits for the puts in flight; returns the acknowledged puts by revision. */
        Map<Long, PrefixWatch.Seen> stop() throws InterruptedException {
            stopping = true;
            thread.join(10_000);
            if (!window.tryAcquire(IN_FLIGHT, 20, TimeUnit.SECONDS)) {
                fail("puts still in flight 20 s after the writes stopped");
            }
            return Map.copyOf(acked);
        }

        @Override
        public void close() throws InterruptedException {
            stopping = true;
            thread.join(10_000);
            client.close();
        }
    }
}
