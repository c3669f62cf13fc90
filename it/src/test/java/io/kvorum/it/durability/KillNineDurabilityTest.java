package io.kvorum.it.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.CompactionRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.it.client.RawEtcdClient;
import io.kvorum.it.server.ServerProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.it.server.Target;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * kill -9 during a stream of acknowledged puts, then a restart on the same data directory: every
 * acknowledged put is there with its revision, the revision continues after the highest
 * acknowledged one, and history below the compaction point stays compacted.
 */
class KillNineDurabilityTest {
    private static final int WRITERS = 6;
    private static final int PUTS_BEFORE_COMPACTION = 300;
    private static final int PUTS_AFTER_COMPACTION = 300;
    private static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";

    /** A put the server acknowledged, with the revision it reported. */
    private record Acked(String key, String value, long revision) {
    }

    private static String valueFor(String key) {
        return "value-of-" + key;
    }

    @Test
    void everyAcknowledgedPutSurvivesKillNineAndTheRevisionContinues() throws Exception {
        ServerSpec spec = ServerSpec.fresh("durability");
        List<ServerProcess> started = new ArrayList<>();
        try {
            ServerProcess server = Target.current().start(spec);
            started.add(server);
            Queue<Acked> acked = new ConcurrentLinkedQueue<>();
            Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            AtomicBoolean killed = new AtomicBoolean();
            AtomicInteger cutOff = new AtomicInteger();
            long compactedAt;

            try (RawEtcdClient client = new RawEtcdClient(server)) {
                List<Thread> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    Thread t = new Thread(() -> write(client, writer, acked, unexpected, killed, cutOff), "writer-" + w);
                    t.start();
                    writers.add(t);
                }

                awaitCondition(() -> acked.size() >= PUTS_BEFORE_COMPACTION, "puts before the compaction", server);
                compactedAt = maxRevision(acked);
                client.kv().compact(CompactionRequest.newBuilder().setRevision(compactedAt).build());
                int atCompaction = acked.size();
                awaitCondition(() -> acked.size() >= atCompaction + PUTS_AFTER_COMPACTION, "puts after the compaction",
                        server);

                killed.set(true);
                server.kill();
                for (Thread t : writers) {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                    assertTrue(!t.isAlive(), t.getName() + " still running 30 s after the kill");
                }
            }
            if (!unexpected.isEmpty()) {
                AssertionError error = new AssertionError("puts failed before the kill: " + unexpected.peek());
                unexpected.forEach(error::addSuppressed);
                throw error;
            }
            assertEquals(WRITERS, cutOff.get(), "every writer was cut off by the kill, mid-stream");

            ServerProcess restarted = server.restart();
            started.add(restarted);
            try (RawEtcdClient client = new RawEtcdClient(restarted)) {
                assertEveryAcknowledgedPutIsThere(client, acked, restarted);
                assertTheRevisionContinues(client, maxRevision(acked));
                assertHistoryBelowTheCompactionPointIsGone(client, compactedAt);
            }
        } finally {
            for (ServerProcess p : started) {
                p.close();
            }
            spec.deleteData();
        }
    }

    /** Puts distinct keys until a put fails; after the kill that failure is counted in {@code cutOff}. */
    private static void write(RawEtcdClient client, int writer, Queue<Acked> acked, Queue<Throwable> unexpected,
            AtomicBoolean killed, AtomicInteger cutOff) {
        for (int seq = 0; ; seq++) {
            String key = "w" + writer + "/" + String.format("%06d", seq);
            String value = valueFor(key);
            try {
                long revision = client.kv().put(PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build())
                        .getHeader().getRevision();
                acked.add(new Acked(key, value, revision));
            } catch (StatusRuntimeException e) {
                if (killed.get()) {
                    cutOff.incrementAndGet();
                } else {
                    unexpected.add(e);
                }
                return;
            }
        }
    }

    private static void assertEveryAcknowledgedPutIsThere(RawEtcdClient client, Queue<Acked> acked,
            ServerProcess server) {
        ByteString from = ByteString.copyFromUtf8("w");
        ByteString to = ByteString.copyFromUtf8("x");
        RangeResponse all = client.kv().range(RangeRequest.newBuilder().setKey(from).setRangeEnd(to).build());
        Map<String, KeyValue> stored = new HashMap<>();
        for (KeyValue kv : all.getKvsList()) {
            String key = kv.getKey().toString(StandardCharsets.UTF_8);
            stored.put(key, kv);
            assertEquals(valueFor(key), kv.getValue().toString(StandardCharsets.UTF_8),
                    "a key present after the restart has the value its put wrote");
        }
        List<String> missing = new ArrayList<>();
        for (Acked a : acked) {
            KeyValue kv = stored.get(a.key());
            if (kv == null) {
                missing.add(a.key() + "@" + a.revision());
                continue;
            }
            assertEquals(a.revision(), kv.getModRevision(), a.key() + ": mod_revision is the acknowledged revision");
            assertEquals(a.revision(), kv.getCreateRevision(), a.key() + ": create_revision");
            assertEquals(1, kv.getVersion(), a.key() + ": version");
        }
        if (!missing.isEmpty()) {
            fail(missing.size() + " of " + acked.size() + " acknowledged puts are missing after kill -9 and restart,"
                    + " e.g. " + missing.subList(0, Math.min(10, missing.size())) + "\n" + server.logTail());
        }
        assertTrue(all.getHeader().getRevision() >= maxRevision(acked),
                "the store's revision " + all.getHeader().getRevision() + " is below an acknowledged revision");
    }

    private static void assertTheRevisionContinues(RawEtcdClient client, long maxAcked) {
        long revision = client.kv().put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("after-restart")).setValue(ByteString.copyFromUtf8("v")).build())
                .getHeader().getRevision();

        assertTrue(revision > maxAcked, "a put after the restart got revision " + revision
                + ", not above the highest acknowledged " + maxAcked);
    }

    private static void assertHistoryBelowTheCompactionPointIsGone(RawEtcdClient client, long compactedAt) {
        ByteString key = ByteString.copyFromUtf8("w0/000000");
        StatusRuntimeException below = RawEtcdClient.failure(() -> client.kv()
                .range(RangeRequest.newBuilder().setKey(key).setRevision(compactedAt - 1).build()));
        assertEquals(Status.Code.OUT_OF_RANGE + ": " + COMPACTED,
                below.getStatus().getCode() + ": " + below.getStatus().getDescription());

        RangeResponse atPoint = client.kv().range(RangeRequest.newBuilder().setKey(key).setRevision(compactedAt).build());
        assertEquals(1, atPoint.getCount(), "the compaction revision itself stays readable");

        StatusRuntimeException again = RawEtcdClient.failure(() -> client.kv()
                .compact(CompactionRequest.newBuilder().setRevision(compactedAt).build()));
        assertEquals(COMPACTED, again.getStatus().getDescription(), "the compaction point survived the restart");
    }

    private static long maxRevision(Queue<Acked> acked) {
        return acked.stream().mapToLong(Acked::revision).max().orElseThrow();
    }

    private static void awaitCondition(BooleanSupplier condition, String what, ServerProcess server) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what + "\n" + server.logTail());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
