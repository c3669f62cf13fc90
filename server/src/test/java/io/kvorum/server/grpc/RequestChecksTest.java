package io.kvorum.server.grpc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.Compare;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import org.junit.jupiter.api.Test;

class RequestChecksTest {
    private final RequestChecks checks = new RequestChecks(128);

    private static RequestOp put(String k) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k))).build();
    }

    private static RequestOp del(String k, String end) {
        return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(k)).setRangeEnd(ByteString.copyFromUtf8(end))).build();
    }

    private static RequestOp get(String k) {
        return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(k))).build();
    }

    private static RequestOp txn(TxnRequest.Builder t) {
        return RequestOp.newBuilder().setRequestTxn(t).build();
    }

    private static EtcdError failure(Runnable r) {
        return assertThrows(EtcdException.class, r::run).error();
    }

    @Test
    void emptyKeyIsRejectedEverywhere() {
        assertEquals(EtcdError.EMPTY_KEY, failure(() -> checks.range(RangeRequest.getDefaultInstance())));
        assertEquals(EtcdError.EMPTY_KEY, failure(() -> checks.put(PutRequest.getDefaultInstance())));
        assertEquals(EtcdError.EMPTY_KEY, failure(() -> checks.deleteRange(DeleteRangeRequest.getDefaultInstance())));
        assertEquals(EtcdError.EMPTY_KEY, failure(() -> checks.txn(TxnRequest.newBuilder()
                .addCompare(Compare.getDefaultInstance()).build())));
    }

    @Test
    void ignoreValueWithAValueAndIgnoreLeaseWithALeaseAreRejected() {
        assertEquals(EtcdError.VALUE_PROVIDED, failure(() -> checks.put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("v")).setIgnoreValue(true).build())));
        assertEquals(EtcdError.LEASE_PROVIDED, failure(() -> checks.put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("k")).setLease(5).setIgnoreLease(true).build())));
    }

    @Test
    void opLimitIsTheLongestListPerLevelNotTheSum() {
        TxnRequest.Builder ok = TxnRequest.newBuilder();
        for (int i = 0; i < 128; i++) {
            ok.addSuccess(put("s" + i)).addFailure(put("f" + i));
        }
        assertDoesNotThrow(() -> checks.txn(ok.build()));
        assertEquals(EtcdError.TOO_MANY_OPS, failure(() -> checks.txn(ok.clone().addSuccess(put("one-more")).build())));
    }

    @Test
    void nestedTxnsGetWhatTheParentLeaves() {
        TxnRequest.Builder inner = TxnRequest.newBuilder();
        for (int i = 0; i < 100; i++) {
            inner.addSuccess(put("i" + i));
        }
        TxnRequest.Builder outer = TxnRequest.newBuilder().addSuccess(txn(inner));
        for (int i = 0; i < 28; i++) {
            outer.addSuccess(put("o" + i));
        }
        // outer uses 29, leaving 99 for the nested txn's 100
        assertEquals(EtcdError.TOO_MANY_OPS, failure(() -> checks.txn(outer.build())));
    }

    @Test
    void emptyRequestOpIsKeyNotFound() {
        assertEquals(EtcdError.KEY_NOT_FOUND, failure(() -> checks.txn(TxnRequest.newBuilder()
                .addSuccess(RequestOp.getDefaultInstance()).build())));
    }

    @Test
    void duplicatePutsAndPutsInsideDeletesAreRejected() {
        assertEquals(EtcdError.DUPLICATE_KEY, failure(() -> checks.txn(TxnRequest.newBuilder()
                .addSuccess(put("a")).addSuccess(put("a")).build())));
        assertEquals(EtcdError.DUPLICATE_KEY, failure(() -> checks.txn(TxnRequest.newBuilder()
                .addSuccess(del("a", "c")).addSuccess(put("b")).build())));
        assertEquals(EtcdError.DUPLICATE_KEY, failure(() -> checks.txn(TxnRequest.newBuilder()
                .addSuccess(del("b", "")).addSuccess(put("b")).build())));
        assertEquals(EtcdError.DUPLICATE_KEY, failure(() -> checks.txn(TxnRequest.newBuilder()
                .addSuccess(put("b")).addSuccess(txn(TxnRequest.newBuilder().addSuccess(put("b")))).build())));
    }

    @Test
    void tensOfThousandsOfNestedOpsAreCheckedWithoutQuadraticCost() {
        // 32 nested txns of 48 nested txns of 48 ops: half delete single keys, half put others.
        TxnRequest.Builder top = TxnRequest.newBuilder();
        int n = 0;
        for (int i = 0; i < 32; i++) {
            TxnRequest.Builder mid = TxnRequest.newBuilder();
            for (int j = 0; j < 48; j++) {
                TxnRequest.Builder leaf = TxnRequest.newBuilder();
                for (int k = 0; k < 48; k++) {
                    String key = "k" + (n++);
                    leaf.addSuccess(i < 16 ? del(key, "") : put(key));
                }
                mid.addSuccess(txn(leaf));
            }
            top.addSuccess(txn(mid));
        }
        // Quadratic checking took tens of seconds here; a generous bound guards against it coming back.
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> checks.txn(top.build()));
    }

    @Test
    void deletedRangesAreMergedWithoutLosingCoverage() {
        assertEquals(EtcdError.DUPLICATE_KEY, failure(() -> checks.txn(TxnRequest.newBuilder()
                .addSuccess(del("a", "c")).addSuccess(del("e", "g")).addSuccess(del("b", "f"))
                .addSuccess(put("d")).build())));
        assertEquals(EtcdError.DUPLICATE_KEY, failure(() -> checks.txn(TxnRequest.newBuilder()
                .addSuccess(del("a", "c")).addSuccess(del("c", "e")).addSuccess(put("c")).build())));
        assertDoesNotThrow(() -> checks.txn(TxnRequest.newBuilder()
                .addSuccess(del("a", "c")).addSuccess(del("d", "f")).addSuccess(put("c")).addSuccess(put("f")).build()));
        // etcd compares a delete's end as plain bytes: a from-key end of \0 covers nothing.
        assertDoesNotThrow(() -> checks.txn(TxnRequest.newBuilder()
                .addSuccess(del("a", "\0")).addSuccess(put("b")).build()));
    }

    @Test
    void overlappingDeletesReadsAndOtherBranchesAreAllowed() {
        assertDoesNotThrow(() -> checks.txn(TxnRequest.newBuilder()
                .addSuccess(del("a", "c")).addSuccess(del("b", "d")).addSuccess(get("b")).addSuccess(put("d"))
                .addFailure(put("d")).build()));
        assertDoesNotThrow(() -> checks.txn(TxnRequest.newBuilder().addSuccess(txn(TxnRequest.newBuilder()
                .addSuccess(put("x")).addFailure(put("x")))).build()));
    }
}
