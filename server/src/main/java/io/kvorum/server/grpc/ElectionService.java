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
import io.kvorum.server.concurrency.ElectionServer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** {@code v3electionpb.Election}: Campaign waits, without a thread, until leader; Observe streams the leader. */
final class ElectionService extends ElectionGrpc.ElectionImplBase {
    private final ElectionServer elections;
    private final Headers headers;

    ElectionService(ElectionServer elections, Headers headers) {
        this.elections = elections;
        this.headers = headers;
    }

    @Override
    public void campaign(CampaignRequest r, StreamObserver<CampaignResponse> out) {
        CompletableFuture<Void> canceled = LockService.canceledWith(out);
        answer(elections.campaign(r, canceled), canceled,
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void proclaim(ProclaimRequest r, StreamObserver<ProclaimResponse> out) {
        answer(elections.proclaim(r), new CompletableFuture<>(),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void leader(LeaderRequest r, StreamObserver<LeaderResponse> out) {
        answer(elections.leader(r), new CompletableFuture<>(),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void resign(ResignRequest r, StreamObserver<ResignResponse> out) {
        answer(elections.resign(r), new CompletableFuture<>(),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void observe(LeaderRequest r, StreamObserver<LeaderResponse> responses) {
        ServerCallStreamObserver<LeaderResponse> out = (ServerCallStreamObserver<LeaderResponse>) responses;
        CompletableFuture<Void> canceled = new CompletableFuture<>();
        out.setOnCancelHandler(() -> canceled.complete(null));
        Object lock = new Object();
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
