package io.kvorum.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.v3lockpb.LockGrpc;
import io.kvorum.api.v3lockpb.LockRequest;
import io.kvorum.api.v3lockpb.LockResponse;
import io.kvorum.api.v3lockpb.UnlockRequest;
import io.kvorum.api.v3lockpb.UnlockResponse;
import io.kvorum.server.concurrency.LockRecipe;
import io.kvorum.server.request.KvRequests;
import io.kvorum.server.auth.Permissions;
import java.util.concurrent.CompletableFuture;

/** {@code v3lockpb.Lock}: a Lock call waits, without a thread, until the lock is held or the caller goes. */
final class LockService extends LockGrpc.LockImplBase {
    private final LockRecipe locks;
    private final Headers headers;
    private final Callers callers;
    private final KvRequests kv;

    LockService(LockRecipe locks, Headers headers, Callers callers, KvRequests kv) {
        this.locks = locks;
        this.callers = callers;
        this.kv = kv;
        this.headers = headers;
    }

    @Override
    public void lock(LockRequest r, StreamObserver<LockResponse> out) {
        CompletableFuture<Void> canceled = canceledWith(out);
        callers.caller().thenCompose(who -> {
            Permissions.checkRecipeRead(kv.auth(), who, r.getName());
            return locks.lock(r, canceled, key -> Permissions.checkRecipeWrite(kv.auth(), who, key));
        }).whenComplete((resp, failure) -> {
            if (canceled.isDone()) {
                return;
            }
            if (failure != null) {
                out.onError(Errors.recipeStatus(failure));
            } else {
                out.onNext(resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
                out.onCompleted();
            }
        });
    }

    @Override
    public void unlock(UnlockRequest r, StreamObserver<UnlockResponse> out) {
        callers.caller().thenCompose(who -> {
            // etcd's Unlock is a plain delete of the key
            Permissions.checkRecipeWrite(kv.auth(), who, r.getKey());
            return locks.unlock(r);
        }).whenComplete((resp, failure) -> {
            if (failure != null) {
                out.onError(Errors.recipeStatus(failure));
            } else {
                out.onNext(resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
                out.onCompleted();
            }
        });
    }

    /** Completes when the caller cancels the call (or it ends). */
    static <T> CompletableFuture<Void> canceledWith(StreamObserver<T> out) {
        CompletableFuture<Void> canceled = new CompletableFuture<>();
        ((ServerCallStreamObserver<T>) out).setOnCancelHandler(() -> canceled.complete(null));
        return canceled;
    }
}
