package io.kvorum.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.HashKVRequest;
import io.kvorum.api.etcdserverpb.HashKVResponse;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.it.server.ManagedProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What every member of a healed cluster must agree on once writes stop: the same revision, every
 * acknowledged put, and the same HashKV of the key space at that revision.
 */
public final class Convergence {
    private Convergence() {
    }

    /**
     * A revision every running member serves from its own state (serializable reads) that is also
     * the leader's latest (a linearizable read): the members have caught up. The leader is asked
     * again each round, in case a put that had failed for its client still commits.
     */
    public static long awaitSameRevision(Cluster cluster, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Long> seen = new TreeMap<>();
        while (true) {
            long revision = -2;
            try {
                revision = readRevision(cluster.awaitLeader(timeout), false);
            } catch (StatusRuntimeException e) {
                // leadership moved between finding and asking: ask again
            }
            seen.put("leader", revision);
            boolean all = revision >= 0;
            for (ClusterMember m : cluster.running()) {
                long r;
                try {
                    r = readRevision(m, true);
                } catch (StatusRuntimeException e) {
                    r = -1;
                }
                seen.put(m.name(), r);
                all &= r == revision;
            }
            if (all) {
                return revision;
            }
            if (System.nanoTime() > deadline) {
                fail("the members did not reach the leader's revision within " + timeout.toSeconds() + " s: " + seen
                        + "\n" + cluster.logTails());
            }
            ManagedProcess.pause(50);
        }
    }

    private static long readRevision(ClusterMember m, boolean serializable) {
        m.probe().reconnectNow();
        return m.probe().kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("\0"))
                .setSerializable(serializable).setLimit(1).build()).getHeader().getRevision();
    }

    /** Every acknowledged put, read from each running member's own state (serializable), with its value. */
    static void assertEveryAckedPutOnEveryMember(Cluster cluster, String prefix, List<WriteLoad.Acked> acked) {
        ByteString from = ByteString.copyFromUtf8(prefix);
        ByteString to = ByteString.copyFromUtf8(prefix.substring(0, prefix.length() - 1)
                + (char) (prefix.charAt(prefix.length() - 1) + 1));
        for (ClusterMember m : cluster.running()) {
            RangeResponse all = m.probe().kv().range(RangeRequest.newBuilder().setKey(from).setRangeEnd(to)
                    .setSerializable(true).build());
            Map<String, String> stored = new HashMap<>();
            for (KeyValue kv : all.getKvsList()) {
                stored.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8));
            }
            List<String> missing = new ArrayList<>();
            for (WriteLoad.Acked a : acked) {
                String value = stored.get(a.key());
                if (value == null) {
                    missing.add(a.key() + "@" + a.revision());
                } else {
                    assertEquals(a.value(), value, m.name() + ": value of acknowledged " + a.key());
                }
            }
            if (!missing.isEmpty()) {
                fail(m.name() + " lacks " + missing.size() + " of " + acked.size() + " acknowledged puts, e.g. "
                        + missing.subList(0, Math.min(10, missing.size())) + "\n" + cluster.logTails());
            }
            long highest = acked.stream().mapToLong(WriteLoad.Acked::revision).max().orElse(0);
            if (all.getHeader().getRevision() < highest) {
                fail(m.name() + " is at revision " + all.getHeader().getRevision() + ", below the acknowledged " + highest);
            }
        }
    }

    /** HashKV at {@code revision} on every running member: all equal (no divergence); returns the hash. */
    public static int assertSameHashKv(Cluster cluster, long revision) {
        Map<String, String> hashes = new TreeMap<>();
        for (ClusterMember m : cluster.running()) {
            HashKVResponse h = m.probe().maintenance().hashKV(HashKVRequest.newBuilder().setRevision(revision).build());
            hashes.put(m.name(), Integer.toUnsignedString(h.getHash(), 16) + " (compacted " + h.getCompactRevision() + ")");
        }
        if (hashes.values().stream().distinct().count() != 1) {
            fail("the members diverge: HashKV at revision " + revision + " is " + hashes + "\n" + cluster.logTails());
        }
        return cluster.running().get(0).probe().maintenance()
                .hashKV(HashKVRequest.newBuilder().setRevision(revision).build()).getHash();
    }
}
