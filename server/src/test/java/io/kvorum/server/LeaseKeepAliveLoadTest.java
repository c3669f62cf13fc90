package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.linecorp.armeria.client.grpc.GrpcClients;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantResponse;
import io.kvorum.api.etcdserverpb.LeaseGrpc;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveRequest;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.StatusRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 10,000 leases kept alive: every keepalive is answered, and none of them reaches the log. */
class LeaseKeepAliveLoadTest {
    private static final int LEASES = 10_000;

    @TempDir
    Path dir;
    private KvorumServer server;
    private String endpoint;

    @BeforeEach
    void start() throws Exception {
        server = EmbeddedMember.start(dir);
        endpoint = server.clientUrls().get(0).toString();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void keepalivesForTenThousandLeasesNeverTouchTheApplyLoop() throws Exception {
        LeaseGrpc.LeaseStub lease = GrpcClients.builder(endpoint).responseTimeoutMillis(0).build(LeaseGrpc.LeaseStub.class);
        List<CompletableFuture<Long>> granted = new ArrayList<>();
        for (int i = 0; i < LEASES; i++) {
            CompletableFuture<Long> id = new CompletableFuture<>();
            lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build(), new StreamObserver<>() {
                @Override
                public void onNext(LeaseGrantResponse r) {
                    id.complete(r.getID());
                }

                @Override
                public void onError(Throwable t) {
                    id.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                }
            });
            granted.add(id);
        }
        long[] ids = new long[LEASES];
        for (int i = 0; i < LEASES; i++) {
            ids[i] = granted.get(i).get(30, TimeUnit.SECONDS);
        }
        MaintenanceGrpc.MaintenanceBlockingStub maintenance =
                GrpcClients.newClient(endpoint, MaintenanceGrpc.MaintenanceBlockingStub.class);
        long appliedBefore = maintenance.status(StatusRequest.getDefaultInstance()).getRaftAppliedIndex();

        int streams = 10;
        int rounds = 3;
        CountDownLatch answered = new CountDownLatch(LEASES * rounds);
        AtomicLong wrongTtl = new AtomicLong();
        List<StreamObserver<LeaseKeepAliveRequest>> outs = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            outs.add(lease.leaseKeepAlive(new StreamObserver<>() {
                @Override
                public void onNext(LeaseKeepAliveResponse r) {
                    if (r.getTTL() != 60) {
                        wrongTtl.incrementAndGet();
                    }
                    answered.countDown();
                }

                @Override
                public void onError(Throwable t) {
                    wrongTtl.incrementAndGet();
                }

                @Override
                public void onCompleted() {
                }
            }));
        }
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < LEASES; i++) {
                outs.get(i % streams).onNext(LeaseKeepAliveRequest.newBuilder().setID(ids[i]).build());
            }
        }
        assertTrue(answered.await(60, TimeUnit.SECONDS), "every keepalive answered");
        assertEquals(0, wrongTtl.get(), "each answer carries the granted TTL");
        long appliedAfter = maintenance.status(StatusRequest.getDefaultInstance()).getRaftAppliedIndex();
        assertEquals(appliedBefore, appliedAfter, "keepalives add no log entries");
        outs.forEach(StreamObserver::onCompleted);
    }
}
