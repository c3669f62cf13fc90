package io.kvorum.server.concurrency;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.TxnResponse;
import io.kvorum.api.v3lockpb.LockRequest;
import io.kvorum.api.v3lockpb.LockResponse;
import io.kvorum.api.v3lockpb.UnlockRequest;
import io.kvorum.api.v3lockpb.UnlockResponse;
import io.kvorum.server.request.KvRequests;
import io.kvorum.server.request.LeaseRequests;
import io.kvorum.server.watch.WatchHub;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * {@code v3lockpb.Lock}, as etcd's lock server runs its mutex recipe: the lock key is
 * {@code <name>/<lease in hex>}; whoever's key under the name is oldest (lowest create revision)
 * holds the lock, and the others wait, each for the deletion of the next older key.
 */
public final class LockRecipe {
    /** etcd's concurrency.ErrSessionExpired. */
    static final String SESSION_EXPIRED = "session: session is expired";

    private final LocalClient client;

    public LockRecipe(KvRequests kv, LeaseRequests leases, WatchHub hub) {
        this.client = new LocalClient(kv, leases, hub);
    }

    /**
     * Acquires the lock; completes when it is held. Completing {@code canceled} (the caller went
     * away) stops waiting and deletes the caller's key, as etcd does.
     */
    public CompletableFuture<LockResponse> lock(LockRequest r, CompletableFuture<Void> canceled) {
        return lock(r, canceled, key -> { });
    }

    /**
     * {@link #lock(LockRequest, CompletableFuture)}, calling {@code mayWrite} with the caller's key
     * once the session's lease is known and before it is written: an exception it throws fails the
     * lock and nothing is written (etcd's permission check of the recipe's txn).
     */
    public CompletableFuture<LockResponse> lock(LockRequest r, CompletableFuture<Void> canceled,
                                                Consumer<ByteString> mayWrite) {
        ByteString prefix = r.getName().concat(ByteString.copyFromUtf8("/"));
        return client.sessionLease(r.getLease()).thenCompose(lease -> {
            ByteString key = LocalClient.sessionKey(prefix, lease);
            mayWrite.accept(key);
            TxnRequest acquire = TxnRequest.newBuilder()
                    .addCompare(LocalClient.createRevisionIs(key, 0))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setLease(lease)))
                    .addSuccess(RequestOp.newBuilder().setRequestRange(LocalClient.firstCreated(prefix)))
                    .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
                    .addFailure(RequestOp.newBuilder().setRequestRange(LocalClient.firstCreated(prefix)))
                    .build();
            return client.txn(acquire).thenCompose(resp -> {
                long myRevision = resp.getSucceeded()
                        ? resp.getHeader().getRevision()
                        : resp.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
                var owner = resp.getResponses(1).getResponseRange().getKvsList();
                if (owner.isEmpty() || owner.get(0).getCreateRevision() == myRevision) {
                    return CompletableFuture.completedFuture(locked(resp, key));
                }
                return client.waitDeletes(prefix, myRevision - 1, canceled)
                        .thenCompose(v -> client.range(RangeRequest.newBuilder().setKey(key).build()))
                        .thenApply(mine -> {
                            if (mine.getKvsCount() == 0) {
                                throw new RecipeException(SESSION_EXPIRED);
                            }
                            return LockResponse.newBuilder().setHeader(mine.getHeader()).setKey(key).build();
                        })
                        .whenComplete((ok, failure) -> {
                            if (failure != null) {
                                client.delete(key);
                            }
                        });
            });
        });
    }

    private static LockResponse locked(TxnResponse resp, ByteString key) {
        return LockResponse.newBuilder().setHeader(resp.getHeader()).setKey(key).build();
    }

    public CompletableFuture<UnlockResponse> unlock(UnlockRequest r) {
        return client.delete(r.getKey()).thenApply(resp -> UnlockResponse.newBuilder().setHeader(resp.getHeader()).build());
    }
}
