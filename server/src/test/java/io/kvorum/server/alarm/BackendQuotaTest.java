package io.kvorum.server.alarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** etcd's quota: the backend's size plus the request's estimated cost must stay below the quota. */
class BackendQuotaTest {
    private final AtomicLong size = new AtomicLong();

    private static InternalRaftRequest put(int keyBytes, int valueBytes) {
        return InternalRaftRequest.newBuilder().setPut(putRequest(keyBytes, valueBytes)).build();
    }

    private static PutRequest putRequest(int keyBytes, int valueBytes) {
        return PutRequest.newBuilder().setKey(ByteString.copyFrom(new byte[keyBytes]))
                .setValue(ByteString.copyFrom(new byte[valueBytes])).build();
    }

    private static RequestOp putOp(int keyBytes, int valueBytes) {
        return RequestOp.newBuilder().setRequestPut(putRequest(keyBytes, valueBytes)).build();
    }

    @Test
    void aPutCostsItsKeyAndValueAnd256Bytes() {
        assertEquals(256 + 3 + 10, BackendQuota.cost(put(3, 10)));
    }

    @Test
    void aTxnCostsTheLargerOfItsBranchesPutsAndAReadOnlyTxnNothing() {
        InternalRaftRequest txn = InternalRaftRequest.newBuilder().setTxn(TxnRequest.newBuilder()
                .addSuccess(putOp(1, 1)).addSuccess(putOp(1, 1))
                .addFailure(putOp(100, 0))
                .addFailure(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.getDefaultInstance()))).build();
        InternalRaftRequest reads = InternalRaftRequest.newBuilder().setTxn(TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.getDefaultInstance()))).build();

        assertEquals(Math.max(2 * (256 + 2), 256 + 100), BackendQuota.cost(txn));
        assertEquals(0, BackendQuota.cost(reads));
    }

    @Test
    void aLeaseGrantCosts64BytesAndADeleteNothing() {
        assertEquals(64, BackendQuota.cost(InternalRaftRequest.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setTTL(5)).build()));
        assertEquals(0, BackendQuota.cost(InternalRaftRequest.newBuilder().setDeleteRange(DeleteRangeRequest.getDefaultInstance()).build()));
    }

    @Test
    void aRequestFitsWhileSizePlusCostStaysBelowTheQuota() {
        BackendQuota quota = BackendQuota.of(10_000, size::get);
        InternalRaftRequest p = put(4, 40); // costs 300

        size.set(10_000 - 301);
        assertTrue(quota.available(p));
        size.set(10_000 - 300);
        assertFalse(quota.available(p), "size + cost equal to the quota is over it, as etcd's strict <");
        size.set(1_000_000);
        assertTrue(quota.available(InternalRaftRequest.newBuilder().setDeleteRange(DeleteRangeRequest.getDefaultInstance()).build()),
                "what costs nothing always fits");
    }

    @Test
    void zeroMeansTheDefaultOf2GiBAndANegativeQuotaNone() {
        assertEquals(2L << 30, BackendQuota.of(0, size::get).bytes());
        size.set(Long.MAX_VALUE / 2);
        assertTrue(BackendQuota.of(-1, size::get).available(put(1, 1)));
        assertFalse(BackendQuota.of(0, size::get).available(put(1, 1)));
        assertEquals(16L << 30, BackendQuota.of(16L << 30, size::get).bytes(), "above 8 GiB only warns");
    }
}
