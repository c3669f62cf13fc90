package io.kvorum.it.errors;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.Compare;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import java.nio.charset.StandardCharsets;

/** Terse builders for etcd's request messages. */
final class Requests {
    private Requests() {
    }

    static ByteString bytes(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    static PutRequest.Builder put(String key, String value) {
        return PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value));
    }

    static RangeRequest.Builder range(String key) {
        return RangeRequest.newBuilder().setKey(bytes(key));
    }

    static DeleteRangeRequest.Builder delete(String key) {
        return DeleteRangeRequest.newBuilder().setKey(bytes(key));
    }

    /** Delete every key in [key, end). */
    static DeleteRangeRequest.Builder delete(String key, String end) {
        return delete(key).setRangeEnd(bytes(end));
    }

    static RequestOp op(PutRequest.Builder put) {
        return RequestOp.newBuilder().setRequestPut(put).build();
    }

    static RequestOp op(RangeRequest.Builder range) {
        return RequestOp.newBuilder().setRequestRange(range).build();
    }

    static RequestOp op(DeleteRangeRequest.Builder delete) {
        return RequestOp.newBuilder().setRequestDeleteRange(delete).build();
    }

    static RequestOp op(TxnRequest.Builder txn) {
        return RequestOp.newBuilder().setRequestTxn(txn).build();
    }

    /** A txn whose success branch holds {@code ops}. */
    static TxnRequest.Builder txn(RequestOp... ops) {
        TxnRequest.Builder txn = TxnRequest.newBuilder();
        for (RequestOp op : ops) {
            txn.addSuccess(op);
        }
        return txn;
    }

    /** {@code n} puts of distinct keys {@code <prefix>0..n-1}. */
    static RequestOp[] puts(String prefix, int n) {
        RequestOp[] ops = new RequestOp[n];
        for (int i = 0; i < n; i++) {
            ops[i] = op(put(prefix + i, "v"));
        }
        return ops;
    }

    static Compare versionEquals(String key, long version) {
        return Compare.newBuilder().setKey(bytes(key)).setTarget(Compare.CompareTarget.VERSION)
                .setResult(Compare.CompareResult.EQUAL).setVersion(version).build();
    }
}
