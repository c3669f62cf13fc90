package io.kvorum.server.kv;

import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.ResponseOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.TxnResponse;
import io.kvorum.server.metrics.ServerMetrics;
import java.util.List;

/**
 * Counts the operations a request ran, as etcd's mvcc layer counts them when its txn ends
 * ({@code etcd_mvcc_{range,put,delete,txn}_total}): a txn's ops are those of the branch taken,
 * nested txns included, read from its response.
 */
public final class OpCounts {
    private int ranges;
    private int puts;
    private int deletes;
    private long putBytes;

    private OpCounts() {
    }

    public static void range(ServerMetrics metrics) {
        metrics.txnEnded(1, 0, 0, 0);
    }

    public static void put(ServerMetrics metrics, PutRequest put) {
        metrics.txnEnded(0, 1, 0, put.getKey().size() + put.getValue().size());
    }

    public static void delete(ServerMetrics metrics) {
        metrics.txnEnded(0, 0, 1, 0);
    }

    public static void txn(ServerMetrics metrics, TxnRequest request, TxnResponse response) {
        OpCounts counts = new OpCounts();
        counts.add(request, response);
        metrics.txnEnded(counts.ranges, counts.puts, counts.deletes, counts.putBytes);
    }

    private void add(TxnRequest request, TxnResponse response) {
        List<RequestOp> ops = response.getSucceeded() ? request.getSuccessList() : request.getFailureList();
        for (int i = 0; i < ops.size() && i < response.getResponsesCount(); i++) {
            RequestOp op = ops.get(i);
            ResponseOp out = response.getResponses(i);
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> ranges++;
                case REQUEST_PUT -> {
                    puts++;
                    putBytes += op.getRequestPut().getKey().size() + op.getRequestPut().getValue().size();
                }
                case REQUEST_DELETE_RANGE -> deletes++;
                case REQUEST_TXN -> add(op.getRequestTxn(), out.getResponseTxn());
                case REQUEST_NOT_SET -> { }
            }
        }
    }
}
