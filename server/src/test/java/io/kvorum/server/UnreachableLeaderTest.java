package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.LeaseGrpc;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveRequest;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvorum.api.etcdserverpb.LeaseTimeToLiveRequest;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A leader that consensus still names but that no longer answers on its client port. */
class UnreachableLeaderTest {
    private static final long TTL = 60;

    private static final class KeepAlive implements StreamObserver<LeaseKeepAliveResponse> {
        final BlockingQueue<LeaseKeepAliveResponse> answers = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> ended = new CompletableFuture<>();
        final StreamObserver<LeaseKeepAliveRequest> requests;

        KeepAlive(SharedLogCluster cluster, int member) {
            requests = cluster.streamClient(member, LeaseGrpc.LeaseStub.class).leaseKeepAlive(this);
        }

        long renew(long id) throws InterruptedException {
            requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
            LeaseKeepAliveResponse answer = answers.poll(20, TimeUnit.SECONDS);
            assertNotNull(answer, () -> "no keepalive answer; stream ended: " + ended.getNow(null));
            return answer.getTTL();
        }

        public void onNext(LeaseKeepAliveResponse value) {
            answers.add(value);
        }

        public void onError(Throwable t) {
            ended.complete(t);
        }

        public void onCompleted() {
            ended.complete(null);
        }
    }

    @Test
    void followersTryAgainUntilTheRequestTimeoutThenFollowTheNextLeader(@TempDir Path dir) throws Exception {
        try (SharedLogCluster cluster = new SharedLogCluster(dir, 3)) {
            long[] ids = {cluster.id(0), cluster.id(1), cluster.id(2)};
            cluster.log.elect(ids[0]);
            long lease = cluster.client(1, LeaseGrpc.LeaseBlockingStub.class)
                    .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(TTL).build()).getID();
            KeepAlive first = new KeepAlive(cluster, 2);
            assertEquals(TTL, first.renew(lease));

            cluster.stop(0);
            first.requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
            Throwable t = first.ended.get(30, TimeUnit.SECONDS);
            assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(t).getCode());
            assertEquals("etcdserver: request timed out", Status.fromThrowable(t).getDescription());

            cluster.log.elect(ids[1]);
            KeepAlive second = new KeepAlive(cluster, 2);
            assertEquals(TTL, second.renew(lease));
            assertEquals(TTL, cluster.client(2, LeaseGrpc.LeaseBlockingStub.class)
                    .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(lease).build()).getGrantedTTL());
            second.requests.onCompleted();
        }
    }
}
