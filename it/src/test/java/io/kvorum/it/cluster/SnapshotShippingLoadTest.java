package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.TxnResponse;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The leader keeps answering while it ships a large snapshot to a follower: writes and
 * linearizable reads on it neither stall nor time out while the image is written, sent and
 * installed. A 3-member cluster loses a follower, takes a store of {@link #TARGET_BYTES} or more
 * through its leader ({@link #KEYS} keys of {@link #VALUE_BYTES} random bytes, in txns of
 * {@link #PUTS_PER_TXN} puts, many in flight), and the follower comes back: the leader compacted
 * its log long ago, so it sends a snapshot. Meanwhile {@link #CLIENTS} clients, each one request
 * at a time with a {@link #DEADLINE}, put and get (linearizable) on the leader, and every request
 * is recorded.
 *
 * <p>The figures printed compare the requests inside the windows of the shipping with those
 * outside them: the transfer (from the leader's "sends a snapshot" line to the follower's
 * "installed a snapshot" line) and the whole shipping, which starts earlier, when the leader opens
 * the image and writes it into a temporary file beside its snapshots (seen by polling that
 * folder): a provider that held applying back while it wrote the image would stall there, before
 * its "sends" line. The test fails if any request that overlaps the follower's catch-up (its
 * restart to its "installed" line) failed or timed out, and if the follower did not catch up by a
 * snapshot. It asserts no latency figure.
 *
 * <p>Opt-in (tag {@code snapshot-bench}, left out of the default run): it writes about a gigabyte
 * over the three members and takes minutes. The sizes can be changed with system properties
 * {@code kvorum.it.snapshot-bench.keys}, {@code .bytes}, {@code .batch}, {@code .period-millis}.
 */
@Tag("cluster")
@Tag("snapshot-bench")
class SnapshotShippingLoadTest {
    private static final String LOADED = "sb/";
    private static final String LIVE = "sl/";
    private static final int KEYS = Integer.getInteger("kvorum.it.snapshot-bench.keys", 800_000);
    private static final long TARGET_BYTES = Long.getLong("kvorum.it.snapshot-bench.bytes", 200L << 20);
    private static final int VALUE_BYTES = 256;
    /** Puts per txn while loading: fewer, larger Raft entries than one put each, so loading is quick. */
    private static final int PUTS_PER_TXN = Integer.getInteger("kvorum.it.snapshot-bench.batch", 25);
    private static final int LOAD_IN_FLIGHT = 32;
    private static final int SNAPSHOT_COUNT = 1_000;
    /**
     * Entries the leader keeps behind its snapshots: more than the steady load writes while a
     * snapshot is on its way (else the follower, once it installed one, would need another),
     * far fewer than the loading writes while the follower is down (so it needs one at all).
     */
    private static final int CATCH_UP_ENTRIES = 10_000;
    private static final int CLIENTS = 20;
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    /** Each client's pace: at most one request per period (10 puts/s and 10 gets/s per pair). */
    private static final Duration PERIOD =
            Duration.ofMillis(Long.getLong("kvorum.it.snapshot-bench.period-millis", 50));
    /** Steady load before the follower restarts and after it installed the snapshot: the "outside" figures. */
    private static final Duration QUIET = Duration.ofSeconds(10);
    private static final Duration INSTALL_BOUND = Duration.ofMinutes(5);

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void writesAndLinearizableReadsOnTheLeaderNeitherStallNorTimeOutWhileItShipsALargeSnapshot() throws Exception {
        Assumptions.assumeTrue(Target.current() == Target.KVORUM, "kvorum's Raft options and log lines");
        try (Cluster cluster = Cluster.start("snapshot-bench", 3,
                "--snapshot-count", Integer.toString(SNAPSHOT_COUNT),
                "--consensus-opt", "snapshot-catch-up-entries=" + CATCH_UP_ENTRIES)) {
            ClusterMember leader = cluster.awaitLeader(Cluster.ELECTION_TIMEOUT.multipliedBy(30));
            ClusterMember follower = cluster.running().stream().filter(m -> m != leader).findFirst().orElseThrow();
            String followerHex = Long.toHexString(follower.status().orElseThrow().getHeader().getMemberId());
            follower.stop();
            ClusterMember stillLeader = cluster.awaitLeader(Cluster.ELECTION_TIMEOUT.multipliedBy(30));
            assertEquals(leader, stillLeader, "the leader stays when a follower stops");

            String loading = load(leader, cluster);
            System.out.println("snapshot bench: " + loading);

            Path snapDir = leader.dataDir().resolve("member").resolve("wal").resolve("snap");
            List<SteadyLoad.Sample> samples;
            long restartAt;
            long writeSeenAt;
            try (SteadyLoad steady = SteadyLoad.start(leader, CLIENTS, DEADLINE, PERIOD, LIVE, VALUE_BYTES,
                    r -> String.format("%s%013d", LOADED, r % KEYS))) {
                ManagedProcess.pause(QUIET.toMillis());
                restartAt = System.currentTimeMillis();
                follower.startAgain();
                writeSeenAt = awaitInstalled(follower, snapDir, cluster);
                ManagedProcess.pause(QUIET.toMillis());
                samples = steady.stop();
            }
            long stopAt = System.currentTimeMillis();

            Optional<Instant> sends = firstLine(leader, "sends a snapshot at", " to " + followerHex, restartAt);
            Instant installed = firstLine(follower, "installed a snapshot at", "", restartAt).orElseThrow();
            long snapshotsSent = leader.allLogs().lines().filter(l -> l.contains("sends a snapshot at")
                    && l.endsWith(" to " + followerHex)).count();
            long installedAt = installed.toEpochMilli();
            long shippingFrom = writeSeenAt > 0 ? writeSeenAt : sends.map(Instant::toEpochMilli).orElse(restartAt);
            StringBuilder figures = new StringBuilder("snapshot bench: ").append(loading).append('\n');
            figures.append(String.format(Locale.ROOT, "  follower %s restarted at +0 ms; the leader's image file"
                            + " first seen at %s; 'sends a snapshot' at %s; 'installed' at +%d ms; load stopped at"
                            + " +%d ms; snapshots the leader sent to it: %d%n",
                    followerHex, writeSeenAt > 0 ? "+" + (writeSeenAt - restartAt) + " ms" : "never (too quick to see)",
                    sends.map(s -> "+" + (s.toEpochMilli() - restartAt) + " ms").orElse("never"),
                    installedAt - restartAt, stopAt - restartAt, snapshotsSent));
            sends.ifPresent(s -> figures.append("  transfer window ('sends' to 'installed', ")
                    .append(installedAt - s.toEpochMilli()).append(" ms): ")
                    .append(SteadyLoad.summary(samples, x -> x.overlaps(s.toEpochMilli(), installedAt))).append('\n'));
            figures.append("  shipping window (image written, sent, installed; ").append(installedAt - shippingFrom)
                    .append(" ms): ").append(SteadyLoad.summary(samples, x -> x.overlaps(shippingFrom, installedAt)))
                    .append('\n');
            figures.append("  catch-up (restart to 'installed', ").append(installedAt - restartAt).append(" ms): ")
                    .append(SteadyLoad.summary(samples, x -> x.overlaps(restartAt, installedAt))).append('\n');
            figures.append("  outside (before the restart, after 'installed'): ")
                    .append(SteadyLoad.summary(samples, x -> !x.overlaps(restartAt, installedAt))).append('\n');
            figures.append("  all ").append(samples.size()).append(" requests: ")
                    .append(SteadyLoad.summary(samples, x -> true));
            System.out.println(figures);

            String failedInside = SteadyLoad.failures(samples, x -> x.overlaps(restartAt, installedAt));
            if (!failedInside.equals("[]")) {
                fail("requests on the leader failed or timed out while it shipped the snapshot: " + failedInside
                        + "\n" + figures);
            }
            long revision = Convergence.awaitSameRevision(cluster, Duration.ofMinutes(3));
            System.out.println("snapshot bench: every member at revision " + revision);
        }
    }

    /**
     * Puts {@link #KEYS} keys through {@code leader} in txns, {@link #LOAD_IN_FLIGHT} at a time,
     * and more until its Maintenance.Status reports a db of {@link #TARGET_BYTES}; every txn must
     * succeed. Returns what it did, for the report.
     */
    private static String load(ClusterMember leader, Cluster cluster) throws InterruptedException {
        long started = System.nanoTime();
        int keys = 0;
        long dbSize = 0;
        try (MemberClient client = new MemberClient(leader.clientPort(), 60_000)) {
            while (keys < KEYS || dbSize < TARGET_BYTES) {
                if (keys >= 3 * KEYS) {
                    fail("the db is only " + dbSize + " bytes after " + keys + " keys of " + VALUE_BYTES + " bytes");
                }
                int until = keys < KEYS ? KEYS : keys + KEYS / 8;
                putRange(client, keys, until, cluster);
                keys = until;
                dbSize = client.status().getDbSize();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return String.format(Locale.ROOT, "loaded %d keys of %d bytes in txns of %d puts in %.1f s (%.0f puts/s);"
                        + " leader's db %d MiB", keys, VALUE_BYTES, PUTS_PER_TXN, seconds, keys / seconds,
                dbSize >> 20);
    }

    private static void putRange(MemberClient client, int from, int until, Cluster cluster)
            throws InterruptedException {
        Semaphore window = new Semaphore(LOAD_IN_FLIGHT);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong done = new AtomicLong();
        SplittableRandom random = new SplittableRandom(from);
        for (int first = from; first < until && failures.isEmpty(); first += PUTS_PER_TXN) {
            TxnRequest.Builder txn = TxnRequest.newBuilder();
            for (int k = first; k < Math.min(until, first + PUTS_PER_TXN); k++) {
                byte[] value = new byte[VALUE_BYTES];
                random.nextBytes(value);
                txn.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8(String.format("%s%013d", LOADED, k)))
                        .setValue(ByteString.copyFrom(value))));
            }
            window.acquire();
            Futures.addCallback(client.kvAsync().txn(txn.build()), new FutureCallback<TxnResponse>() {
                @Override
                public void onSuccess(TxnResponse r) {
                    done.incrementAndGet();
                    window.release();
                }

                @Override
                public void onFailure(Throwable t) {
                    failures.add(t);
                    window.release();
                }
            }, MoreExecutors.directExecutor());
        }
        if (!window.tryAcquire(LOAD_IN_FLIGHT, 2, TimeUnit.MINUTES)) {
            fail("txns still in flight two minutes after the last was sent\n" + cluster.logTails());
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " txns of the loading failed (after " + done.get() + " succeeded), e.g. "
                    + failures.peek() + "\n" + cluster.logTails());
        }
    }

    /**
     * Waits for the follower's "installed a snapshot" line, watching the leader's snapshot folder
     * meanwhile for the temporary file it writes an image for a follower into ({@code send-*});
     * returns when that file was first seen (epoch milliseconds), 0 if never.
     */
    private static long awaitInstalled(ClusterMember follower, Path snapDir, Cluster cluster) {
        long deadline = System.nanoTime() + INSTALL_BOUND.toNanos();
        long writeSeenAt = 0;
        long lastLogLook = 0;
        while (true) {
            if (writeSeenAt == 0 && imageBeingWritten(snapDir)) {
                writeSeenAt = System.currentTimeMillis();
            }
            if (System.nanoTime() - lastLogLook > TimeUnit.MILLISECONDS.toNanos(200)) {
                lastLogLook = System.nanoTime();
                if (follower.allLogs().contains("installed a snapshot at")) {
                    return writeSeenAt;
                }
                if (!follower.isAlive()) {
                    fail(follower + " ended while catching up\n" + follower.logTail());
                }
            }
            if (System.nanoTime() > deadline) {
                fail(follower + " installed no snapshot within " + INSTALL_BOUND.toMinutes() + " minutes\n"
                        + cluster.logTails());
            }
            ManagedProcess.pause(10);
        }
    }

    private static boolean imageBeingWritten(Path snapDir) {
        try (Stream<Path> files = Files.list(snapDir)) {
            return files.anyMatch(p -> p.getFileName().toString().startsWith("send-"));
        } catch (IOException e) {
            return false; // not there (yet), or a file went away while listed
        }
    }

    /**
     * When the first line of {@code member}'s logs at or after {@code notBefore} (epoch
     * milliseconds) containing {@code text} and ending with {@code ending} was logged, read from
     * the timestamp that starts each line.
     */
    private static Optional<Instant> firstLine(ClusterMember member, String text, String ending, long notBefore) {
        Map<Instant, String> found = new TreeMap<>();
        for (String line : member.allLogs().lines().toList()) {
            if (!line.contains(text) || !line.endsWith(ending)) {
                continue;
            }
            try {
                Instant at = Instant.parse(line.substring(0, line.indexOf(' ')));
                if (at.toEpochMilli() >= notBefore) {
                    found.put(at, line);
                }
            } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
                // not a logger's line (stdout, a stack trace): no time to read
            }
        }
        return found.keySet().stream().findFirst();
    }
}
