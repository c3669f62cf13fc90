package io.kvorum.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RequestHeader;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.metrics.Registry;
import io.kvorum.server.metrics.ServerMetrics;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.metrics.Series;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** etcd's {@code --experimental-warning-apply-duration}: an apply slower than it is counted (and logged). */
class ApplierSlowApplyTest {
    private final Registry registry = new Registry();
    private final Applier member = new Applier(MvccStore.open(new InMemoryBackend()), Runnable::run, new Lessor(2, System::nanoTime));
    private long index;

    ApplierSlowApplyTest() {
        member.recordInto(new ServerMetrics(registry));
    }

    private void put(String key) {
        long id = ++index;
        member.apply(List.of(new Entry(id, 2, InternalRaftRequest.newBuilder().setID(id)
                .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))).build().toByteArray())), true);
    }

    private double slowApplies() {
        return registry.collect().stream().filter(f -> f.name().equals("etcd_server_slow_apply_total"))
                .flatMap(f -> f.series().stream()).mapToDouble(s -> ((Series.Value) s).value()).sum();
    }

    @Test
    void appliesLongerThanTheThresholdAreCountedAndOthersAreNot() {
        member.warningApplyDuration(Duration.ofHours(1));
        put("a");
        assertEquals(0, slowApplies());

        member.warningApplyDuration(Duration.ZERO);
        put("b");
        put("c");
        assertEquals(2, slowApplies());
    }

    @Test
    void theLoggedRequestLeavesValuesOut() {
        assertEquals("header:<ID:7 > put:<key:\"k\" value_size:5 >", Applier.describe(InternalRaftRequest.newBuilder()
                .setHeader(RequestHeader.newBuilder().setID(7))
                .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("hello")))
                .build()));
        assertEquals("header:<ID:8 > delete_range", Applier.describe(InternalRaftRequest.newBuilder()
                .setHeader(RequestHeader.newBuilder().setID(8)).setID(8)
                .setDeleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))).build()));
    }
}
