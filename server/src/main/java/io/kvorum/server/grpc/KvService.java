package io.kvorum.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.CompactionRequest;
import io.kvorum.api.etcdserverpb.CompactionResponse;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.DeleteRangeResponse;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.TxnResponse;
import io.kvorum.server.request.KvRequests;

/** {@code etcdserverpb.KV}: validates each request as etcd does, then hands it to the {@link KvRequests}. */
final class KvService extends KVGrpc.KVImplBase {
    private final KvRequests kv;
    private final RequestChecks checks;
    private final Headers headers;
    private final Callers callers;

    KvService(KvRequests kv, RequestChecks checks, Headers headers, Callers callers) {
        this.kv = kv;
        this.callers = callers;
        this.checks = checks;
        this.headers = headers;
    }

    @Override
    public void range(RangeRequest r, StreamObserver<RangeResponse> out) {
        Replies.reply(() -> {
            checks.range(r);
            return callers.caller().thenCompose(who -> kv.range(r, who));
        }, resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void put(PutRequest r, StreamObserver<PutResponse> out) {
        Replies.reply(() -> {
            checks.put(r);
            return callers.caller().thenCompose(who -> kv.put(r, who));
        }, resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void deleteRange(DeleteRangeRequest r, StreamObserver<DeleteRangeResponse> out) {
        Replies.reply(() -> {
            checks.deleteRange(r);
            return callers.caller().thenCompose(who -> kv.deleteRange(r, who));
        }, resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void txn(TxnRequest r, StreamObserver<TxnResponse> out) {
        Replies.reply(() -> {
            checks.txn(r);
            return callers.caller().thenCompose(who -> kv.txn(r, who));
        }, resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void compact(CompactionRequest r, StreamObserver<CompactionResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> kv.compact(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }
}
