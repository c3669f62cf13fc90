package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.HashKVRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.etcdserverpb.StatusResponse;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.it.server.ManagedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A 3-member cluster under more writes than it can take keeps its leader and loses nothing:
 * {@link PutFlood#IN_FLIGHT} puts in flight at all times, spread over every member, for
 * {@link #LOAD} (system property {@code kvorum.it.overload.seconds}). Meanwhile every member
 * reports the same leader and Raft term throughout; every put is answered before its deadline
 * (success, etcd's {@code too many requests}, or another error, all counted); every acknowledged
 * put is then on every member, whose HashKV agree; and no member's resident memory grows past
 * {@link #RSS_BOUND}. The figures (throughput, refusals, errors, memory) are printed for the report.
 */
@Tag("cluster")
@Tag("overload")
class OverloadTest {
    private static final String PREFIX = "overload/";
    private static final Duration LOAD = Duration.ofSeconds(Long.getLong("kvorum.it.overload.seconds", 30));
    private static final long RSS_BOUND = 2L << 30;
    /** Status and memory are sampled this often on each member: a leaderless moment lasts an election timeout. */
    private static final Duration SAMPLE = Duration.ofMillis(100);

    @Test
    void fiveThousandWritersInFlightNeitherUnseatTheLeaderNorLoseAcknowledgedWrites() throws Exception {
        try (Cluster cluster = Cluster.start("overload", 3)) {
            ClusterMember leader = cluster.awaitLeader(Cluster.ELECTION_TIMEOUT.multipliedBy(30));
            Map<String, MemberClient> monitors = new TreeMap<>();
            for (ClusterMember m : cluster.members()) {
                monitors.put(m.name(), new MemberClient(m.clientPort(), 1_000));
            }
            Map<String, String> before = new TreeMap<>();
            cluster.members().forEach(m -> before.put(m.name(), leaderAndTerm(m.status().orElseThrow())));
            assertEquals(1, before.values().stream().distinct().count(), "every member agrees on the leader before"
                    + " the load: " + before);

            Map<String, Set<String>> seen = new TreeMap<>();
            Map<String, AtomicLong> maxRss = new TreeMap<>();
            AtomicLong unanswered = new AtomicLong();
            PutFlood.Result result;
            for (ClusterMember m : cluster.members()) {
                seen.put(m.name(), ConcurrentHashMap.newKeySet());
                maxRss.put(m.name(), new AtomicLong());
            }
            AtomicBoolean loading = new AtomicBoolean(true);
            List<Thread> samplers = new ArrayList<>();
            for (ClusterMember m : cluster.members()) {
                // a thread per member, so that one slow answer does not hide another member's lapse
                Thread t = new Thread(() -> {
                    while (loading.get()) {
                        try {
                            seen.get(m.name()).add(leaderAndTerm(monitors.get(m.name()).status()));
                        } catch (StatusRuntimeException e) {
                            unanswered.incrementAndGet(); // busy is not a leader change; counted below
                        }
                        maxRss.get(m.name()).accumulateAndGet(rssBytes(m), Math::max);
                        ManagedProcess.pause(SAMPLE.toMillis());
                    }
                }, "overload-sampler-" + m.name());
                t.setDaemon(true);
                samplers.add(t);
            }
            try (PutFlood flood = PutFlood.start(PREFIX, cluster.members())) {
                samplers.forEach(Thread::start);
                ManagedProcess.pause(LOAD.toMillis());
                loading.set(false);
                for (Thread t : samplers) {
                    t.join(10_000);
                }
                result = flood.stop();
            } finally {
                loading.set(false);
                monitors.values().forEach(MemberClient::close);
            }
            cluster.members().forEach(m -> seen.computeIfAbsent(m.name(), n -> ConcurrentHashMap.newKeySet())
                    .add(leaderAndTerm(m.status().orElseThrow())));

            long revision = Convergence.awaitSameRevision(cluster, Duration.ofSeconds(60));
            Map<String, Integer> hashes = new TreeMap<>();
            List<String> lost = new ArrayList<>();
            for (ClusterMember m : cluster.members()) {
                try (MemberClient client = new MemberClient(m.clientPort(), 60_000)) {
                    Map<String, String> stored = readAll(client);
                    long missing = result.acked().stream().filter(a -> !a.value().equals(stored.get(a.key()))).count();
                    if (missing > 0) {
                        lost.add(m.name() + " lacks " + missing + " of " + result.acked().size()
                                + " acknowledged puts (or holds another value)");
                    }
                    hashes.put(m.name(), client.maintenance().hashKV(HashKVRequest.newBuilder().setRevision(revision)
                            .build()).getHash());
                }
            }

            String figures = "overload against " + cluster.target().name().toLowerCase() + " for " + LOAD.toSeconds()
                    + " s with " + PutFlood.IN_FLIGHT + " puts in flight: " + result.summary(LOAD)
                    + "\n  leader " + Long.toHexString(leader.id()) + "; leader/term seen by each member: " + seen
                    + "; status calls unanswered during the load: " + unanswered.get()
                    + "\n  leader lines in the members' logs (etcd's and kvorum's 'elected/lost/changed leader'): "
                    + leaderLogLines(cluster)
                    + "\n  max RSS (MiB): " + maxRss.entrySet().stream()
                            .map(e -> e.getKey() + "=" + (e.getValue().get() >> 20)).toList()
                    + "\n  final revision " + revision + ", HashKV " + hashes;
            System.out.println(figures);

            for (Map.Entry<String, Set<String>> e : seen.entrySet()) {
                assertEquals(Set.of(before.get(e.getKey())), e.getValue(), e.getKey() + " saw the leader or the term"
                        + " change under load\n" + figures + "\n" + cluster.logTails());
            }
            assertEquals(0, result.hanging(), "puts still unanswered well past their deadline\n" + figures);
            assertEquals(0, result.deadlineExceeded(), "puts not answered within their deadline\n" + figures);
            assertTrue(result.acked().size() > 0, "no put succeeded\n" + figures);
            if (!lost.isEmpty()) {
                fail(String.join("\n", lost) + "\n" + figures);
            }
            assertEquals(1, hashes.values().stream().distinct().count(), "the members diverge\n" + figures);
            maxRss.forEach((name, rss) -> assertTrue(rss.get() < RSS_BOUND, name + " grew to " + (rss.get() >> 20)
                    + " MiB resident\n" + figures));
        }
    }

    /** The lines in which each member logged a leader it saw (the first election included). */
    private static Map<String, Long> leaderLogLines(Cluster cluster) {
        Map<String, Long> lines = new TreeMap<>();
        for (ClusterMember m : cluster.members()) {
            lines.put(m.name(), m.allLogs().lines().filter(l -> l.contains("elected leader")
                    || l.contains("lost leader") || l.contains("changed leader from")).count());
        }
        return lines;
    }

    private static String leaderAndTerm(StatusResponse s) {
        return "leader " + Long.toHexString(s.getLeader()) + " term " + s.getRaftTerm();
    }

    /** The largest resident set among the member's processes (its JVM, not the launcher script). */
    private static long rssBytes(ClusterMember m) {
        long max = 0;
        for (ProcessHandle p : m.processTree()) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        max = Math.max(max, Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // the process just ended, or no /proc: no sample
            }
        }
        return max;
    }

    /** Every key under {@link #PREFIX} with its value, read from the member's own state, page by page. */
    private static Map<String, String> readAll(MemberClient client) {
        Map<String, String> all = new HashMap<>();
        ByteString from = ByteString.copyFromUtf8(PREFIX);
        ByteString end = ByteString.copyFromUtf8(PREFIX.substring(0, PREFIX.length() - 1)
                + (char) (PREFIX.charAt(PREFIX.length() - 1) + 1));
        while (true) {
            RangeResponse page;
            try {
                page = client.kv().range(RangeRequest.newBuilder().setKey(from).setRangeEnd(end).setLimit(20_000)
                        .setSerializable(true).build());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                    ManagedProcess.pause(100);
                    continue;
                }
                throw e;
            }
            for (KeyValue kv : page.getKvsList()) {
                all.put(kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8());
            }
            if (!page.getMore() || page.getKvsCount() == 0) {
                return all;
            }
            from = page.getKvs(page.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[] {0}));
        }
    }
}
