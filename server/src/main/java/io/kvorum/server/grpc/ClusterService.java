package io.kvorum.server.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.ClusterGrpc;
import io.kvorum.api.etcdserverpb.Member;
import io.kvorum.api.etcdserverpb.MemberAddRequest;
import io.kvorum.api.etcdserverpb.MemberAddResponse;
import io.kvorum.api.etcdserverpb.MemberListRequest;
import io.kvorum.api.etcdserverpb.MemberListResponse;
import io.kvorum.api.etcdserverpb.MemberPromoteRequest;
import io.kvorum.api.etcdserverpb.MemberPromoteResponse;
import io.kvorum.api.etcdserverpb.MemberRemoveRequest;
import io.kvorum.api.etcdserverpb.MemberRemoveResponse;
import io.kvorum.api.etcdserverpb.MemberUpdateRequest;
import io.kvorum.api.etcdserverpb.MemberUpdateResponse;
import io.kvorum.server.request.KvRequests;
import io.kvorum.server.request.WaitForLeader;
import io.kvorum.server.error.EtcdError;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.metrics.Counter;
import io.kvorum.spi.metrics.Family;
import io.kvorum.spi.metrics.MetricRegistry;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** {@code etcdserverpb.Cluster}: membership as the consensus knows it. */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final Consensus consensus;
    private final Headers headers;
    private final Callers callers;
    private final Counter promoteSuccesses;
    private final Family<Counter> promoteFailures;

    ClusterService(Consensus consensus, Headers headers, Callers callers, MetricRegistry metrics) {
        this.consensus = consensus;
        this.callers = callers;
        this.headers = headers;
        promoteSuccesses = metrics.counter("etcd_server_learner_promote_successes",
                "The total number of successful learner promotions while this member is leader.");
        promoteFailures = metrics.counter("etcd_server_learner_promote_failures",
                "The total number of failed learner promotions (likely learner not ready) while this member is leader.",
                List.of("Reason"));
    }

    @Override
    public void memberList(MemberListRequest r, StreamObserver<MemberListResponse> out) {
        // As etcd: a linearizable list waits for a read index, within the request timeout.
        CompletableFuture<?> barrier = r.getLinearizable()
                ? WaitForLeader.call(() -> consensus.readIndex().copy(), KvRequests.REQUEST_TIMEOUT, EtcdError.TIMEOUT)
                        .orTimeout(KvRequests.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                : CompletableFuture.completedFuture(null);
        Replies.reply(() -> barrier, v -> MemberListResponse.newBuilder()
                .setHeader(headers.membership()).addAllMembers(members()).build(), out);
    }

    @Override
    public void memberAdd(MemberAddRequest r, StreamObserver<MemberAddResponse> out) {
        Replies.reply(() -> {
            checkUrls(r.getPeerURLsList());
            return callers.admin().thenCompose(who ->
                    changeMembership(() -> consensus.addMember(r.getPeerURLsList(), r.getIsLearner())));
        }, added -> MemberAddResponse.newBuilder().setHeader(headers.membership())
                .setMember(toProto(added)).addAllMembers(members()).build(), out);
    }

    @Override
    public void memberRemove(MemberRemoveRequest r, StreamObserver<MemberRemoveResponse> out) {
        Replies.reply(() -> callers.admin().thenCompose(who -> changeMembership(() -> consensus.removeMember(r.getID()))), v -> MemberRemoveResponse.newBuilder()
                .setHeader(headers.membership()).addAllMembers(members()).build(), out);
    }

    @Override
    public void memberUpdate(MemberUpdateRequest r, StreamObserver<MemberUpdateResponse> out) {
        Replies.reply(() -> {
            checkUrls(r.getPeerURLsList());
            return callers.admin().thenCompose(who ->
                    changeMembership(() -> consensus.updateMember(r.getID(), r.getPeerURLsList())));
        }, v -> MemberUpdateResponse.newBuilder().setHeader(headers.membership()).addAllMembers(members()).build(), out);
    }

    @Override
    public void memberPromote(MemberPromoteRequest r, StreamObserver<MemberPromoteResponse> out) {
        Replies.reply(() -> callers.admin().thenCompose(who -> changeMembership(() -> consensus.promoteMember(r.getID()))
                .whenComplete((done, failure) -> countPromotion(failure))), v -> MemberPromoteResponse.newBuilder()
                .setHeader(headers.membership()).addAllMembers(members()).build(), out);
    }

    /**
     * etcd's promotion counters: a success, or a failure by the error's message, which is one of
     * etcd's fixed messages or else the gRPC code's name, so that the labels stay few.
     */
    private void countPromotion(Throwable failure) {
        if (failure == null) {
            promoteSuccesses.inc();
            return;
        }
        Status status = Errors.toStatus(failure).getStatus();
        String reason = status.getDescription();
        promoteFailures.labels(reason != null && EtcdError.isMessage(reason) ? reason : status.getCode().name()).inc();
    }

    /**
     * A membership change waits for a leader as etcd's does, which proposes it with the client's
     * deadline and passes Go's context error through when it passes.
     */
    private static <T> CompletableFuture<T> changeMembership(Supplier<CompletableFuture<T>> change) {
        return WaitForLeader.call(change, KvRequests.REQUEST_TIMEOUT, EtcdError.DEADLINE_EXCEEDED);
    }

    private List<Member> members() {
        return consensus.members().stream().map(ClusterService::toProto).toList();
    }

    private static Member toProto(io.kvorum.spi.consensus.Member m) {
        return Member.newBuilder().setID(m.id()).setName(m.name()).addAllPeerURLs(m.peerUrls())
                .addAllClientURLs(m.clientUrls()).setIsLearner(m.learner()).build();
    }

    /** etcd accepts only absolute http(s) URLs with a host and port and no path. */
    private static void checkUrls(List<String> urls) {
        if (urls.isEmpty()) {
            throw EtcdError.MEMBER_BAD_URLS.asException();
        }
        for (String s : urls) {
            try {
                URI u = new URI(s);
                boolean ok = ("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
                        && u.getHost() != null && u.getPort() > 0
                        && (u.getRawPath() == null || u.getRawPath().isEmpty());
                if (!ok) {
                    throw EtcdError.MEMBER_BAD_URLS.asException();
                }
            } catch (java.net.URISyntaxException e) {
                throw EtcdError.MEMBER_BAD_URLS.asException();
            }
        }
    }
}
