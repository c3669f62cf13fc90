package io.kvorum.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.v3electionpb.CampaignRequest;
import io.kvorum.api.v3electionpb.CampaignResponse;
import io.kvorum.api.v3electionpb.ElectionGrpc;
import io.kvorum.api.v3electionpb.LeaderRequest;
import io.kvorum.api.v3electionpb.LeaderResponse;
import io.kvorum.api.v3electionpb.ProclaimRequest;
import io.kvorum.api.v3electionpb.ProclaimResponse;
import io.kvorum.api.v3electionpb.ResignRequest;
import io.kvorum.api.v3electionpb.ResignResponse;
import io.kvorum.server.concurrency.ElectionRecipe;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import io.kvorum.server.request.KvRequests;
import io.kvorum.server.auth.Permissions;

/** {@code v3electionpb.Election}: Campaign waits, without a thread, until leader; Observe streams the leader. */
final class ElectionService extends ElectionGrpc.ElectionImplBase {
    private final ElectionRecipe elections;
    private final Headers headers;
    private final Callers callers;
    private final KvRequests kv;

    ElectionService(ElectionRecipe elections, Headers headers, Callers callers, KvRequests kv) {
        this.elections = elections;
        this.callers = callers;
        this.kv = kv;
        this.headers = headers;
    }

    @Override
    public void campaign(CampaignRequest r, StreamObserver<CampaignResponse> out) {
        CompletableFuture<Void> canceled = LockService.canceledWith(out);
        answer(callers.caller().thenCompose(who -> {
            Permissions.checkRecipeRead(kv.auth(), who, r.getName());
            return elections.campaign(r, canceled, key -> Permissions.checkRecipeWrite(kv.auth(), who, key));
        }), canceled,
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void proclaim(ProclaimRequest r, StreamObserver<ProclaimResponse> out) {
        answer(checked(r.getLeader().getKey(), false, () -> elections.proclaim(r)), new CompletableFuture<>(),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void leader(LeaderRequest r, StreamObserver<LeaderResponse> out) {
        answer(checked(r.getName(), true, () -> elections.leader(r)), new CompletableFuture<>(),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void resign(ResignRequest r, StreamObserver<ResignResponse> out) {
        answer(checked(r.getLeader().getKey(), false, () -> elections.resign(r)), new CompletableFuture<>(),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void observe(LeaderRequest r, StreamObserver<LeaderResponse> responses) {
        ServerCallStreamObserver<LeaderResponse> out = (ServerCallStreamObserver<LeaderResponse>) responses;
        CompletableFuture<Void> canceled = new CompletableFuture<>();
        out.setOnCancelHandler(() -> canceled.complete(null));
        Object lock = new Object();
        Callers.Credentials credentials = Callers.credentials();
        CompletableFuture<Void> allowed = callers.caller(credentials).thenAccept(who ->
                Permissions.checkRecipeRead(kv.auth(), who, r.getName()));
        allowed.whenComplete((v, denied) -> {
            if (denied != null) {
                synchronized (lock) {
                    if (canceled.complete(null)) {
                        out.onError(Errors.recipeStatus(denied));
                    }
                }
                return;
            }
            observe(r, out, canceled, lock);
        });
    }

    private void observe(LeaderRequest r, ServerCallStreamObserver<LeaderResponse> out, CompletableFuture<Void> canceled,
                         Object lock) {
        elections.observe(r, resp -> {
            synchronized (lock) {
                if (!canceled.isDone()) {
                    out.onNext(resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
                }
            }
        }, failure -> {
            synchronized (lock) {
                if (canceled.complete(null)) {
                    if (failure == null) {
                        out.onCompleted();
                    } else {
                        out.onError(Errors.recipeStatus(failure));
                    }
                }
            }
        }, canceled);
    }

    /**
     * Runs {@code call} once the caller is found allowed: to read under {@code name/} (Leader), or
     * to read and write the one key ({@code prefix} false) a leader holds (Proclaim, Resign).
     */
    private <T> CompletableFuture<T> checked(com.google.protobuf.ByteString name, boolean prefix,
                                             Supplier<CompletableFuture<T>> call) {
        return callers.caller().thenCompose(who -> {
            if (prefix) {
                Permissions.checkRecipeRead(kv.auth(), who, name);
            } else {
                Permissions.checkRecipeKey(kv.auth(), who, name);
            }
            return call.get();
        });
    }

    private static <T, R> void answer(CompletableFuture<T> result, CompletableFuture<Void> canceled,
                                      Function<T, R> finish, StreamObserver<R> out) {
        result.whenComplete((resp, failure) -> {
            if (canceled.isDone()) {
                return;
            }
            if (failure != null) {
                out.onError(Errors.recipeStatus(failure));
            } else {
                out.onNext(finish.apply(resp));
                out.onCompleted();
            }
        });
    }
}
