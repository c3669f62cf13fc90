package io.kvorum.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.AuthUserChangePasswordRequest;
import io.kvorum.api.etcdserverpb.CompactionRequest;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.metrics.Registry;
import io.kvorum.server.metrics.ServerMetrics;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.metrics.MetricFamily;
import io.kvorum.spi.metrics.Series;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * etcd 3.5's {@code etcd_server_apply_duration_seconds} (by version, op and success) and
 * {@code etcd_debugging_mvcc_db_compaction_last}, recorded as committed requests are applied.
 */
class ApplyDurationTest {
    private final Registry registry = new Registry();
    private final Applier member = new Applier(MvccStore.open(new InMemoryBackend()), Runnable::run, new Lessor(2, System::nanoTime));
    private long index;

    ApplyDurationTest() {
        member.recordInto(new ServerMetrics(registry));
    }

    private void apply(InternalRaftRequest.Builder request) {
        long id = ++index;
        member.apply(List.of(new Entry(id, 2, request.setID(id).build().toByteArray())), true);
    }

    private static InternalRaftRequest.Builder put(String key) {
        return InternalRaftRequest.newBuilder().setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)));
    }

    private MetricFamily family(String name) {
        return registry.collect().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }

    /** Each series' observations, under its label values joined by commas. */
    private Map<String, Long> applies() {
        return family("etcd_server_apply_duration_seconds").series().stream().collect(Collectors.toMap(
                s -> String.join(",", s.labelValues()), s -> ((Series.Distribution) s).count()));
    }

    @Test
    void eachApplyIsTimedUnderEtcdsNameOfItsRequestAndWhetherItSucceeded() {
        assertEquals(Map.of(), applies(), "a series appears at its first apply, as etcd's");
        apply(put("a"));
        apply(put("b"));
        apply(InternalRaftRequest.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(5).setTTL(60)));
        apply(InternalRaftRequest.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(5).setTTL(60)));
        apply(InternalRaftRequest.newBuilder().setAuthUserChangePassword(AuthUserChangePasswordRequest.newBuilder()
                .setName("nobody").setPassword("x")));

        assertEquals(Map.of("v3,Put,true", 2L, "v3,LeaseGrant,true", 1L, "v3,LeaseGrant,false", 1L,
                "v3,AuthUserChangePassword,false", 1L), applies());
        assertEquals(List.of("version", "op", "success"), family("etcd_server_apply_duration_seconds").labelNames());
    }

    @Test
    void aCompactionToARevisionAlreadyCompactedCountsAsSuccessAsInEtcd() {
        apply(put("a"));
        apply(put("b"));
        apply(InternalRaftRequest.newBuilder().setCompaction(CompactionRequest.newBuilder().setRevision(2)));
        apply(InternalRaftRequest.newBuilder().setCompaction(CompactionRequest.newBuilder().setRevision(2)));
        assertEquals(2L, applies().get("v3,Compaction,true"));
    }

    @Test
    void theEndOfACompactionSetsTheTimeOfTheLastOne() throws Exception {
        MetricFamily before = family("etcd_debugging_mvcc_db_compaction_last");
        assertEquals(0, ((Series.Value) before.series().get(0)).value(), "0 from the start, as etcd's");
        long startedSeconds = System.currentTimeMillis() / 1000;
        apply(put("a"));
        apply(put("b"));
        apply(InternalRaftRequest.newBuilder().setCompaction(CompactionRequest.newBuilder().setRevision(2)));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        double last = 0;
        while (last == 0 && System.nanoTime() < deadline) {
            last = ((Series.Value) family("etcd_debugging_mvcc_db_compaction_last").series().get(0)).value();
            Thread.sleep(10);
        }
        assertTrue(last >= startedSeconds && last <= System.currentTimeMillis() / 1000 + 1, "unix seconds: " + last);
    }

    @Test
    void opNamesAreTheGoNamesOfTheRequestFields() {
        assertEquals("DeleteRange", ApplyOps.goName("delete_range"));
        assertEquals("ClusterMemberAttrSet", ApplyOps.goName("cluster_member_attr_set"));
        assertEquals("Authenticate", ApplyOps.name(InternalRaftRequest.newBuilder()
                .setAuthenticate(io.kvorum.api.etcdserverpb.InternalAuthenticateRequest.getDefaultInstance()).build()));
        assertEquals("PUT", ApplyOps.name(InternalRaftRequest.newBuilder()
                .setV2(io.kvorum.api.etcdserverpb.Request.newBuilder().setMethod("PUT")).build()));
        assertEquals("unknown", ApplyOps.name(InternalRaftRequest.newBuilder()
                .setV2(io.kvorum.api.etcdserverpb.Request.newBuilder().setMethod("anything")).build()));
    }
}
