package io.kvorum.launcher;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.ClusterGrpc;
import io.kvorum.api.etcdserverpb.Compare;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.LeaseGrpc;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveRequest;
import io.kvorum.api.etcdserverpb.LeaseKeepAliveResponse;
import io.kvorum.api.etcdserverpb.LeaseRevokeRequest;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.MemberListRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.StatusRequest;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.server.KvorumServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training run behind {@code kvorum class-archive}: starts a single member the way
 * {@code kvorum} does (default plugins, a fresh data directory in a temporary folder, free
 * loopback ports), sends it the common requests of each service once through a gRPC client, and
 * stops it. The JVM runs it with {@code -XX:ArchiveClassesAtExit}, so that every class a start
 * and a first request load goes into the distribution's class data archive, which
 * {@code bin/kvorum} maps at later starts instead of loading and verifying those classes again:
 * about a third of the CPU a start costs.
 *
 * <p>Exits 0 when the member started, answered and stopped; 1 otherwise (no archive is kept then).
 */
public final class ClassArchiveTraining {
    private static final long DEADLINE_SECONDS = 30;

    private ClassArchiveTraining() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args)));
    }

    private static int run(List<String> extraFlags) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("kvorum-class-archive");
            // Logged at info to a file of the run, so that the archive holds the classes that
            // write a member's usual lines.
            Main.configureLogging(LogFlags.DEFAULT.settings(LogLevel.INFO)
                    .withOutputs(List.of(dir.resolve("training.log").toString())));
        } catch (IOException e) {
            System.err.println("kvorum class-archive: " + e.getMessage());
            return 1;
        }
        Logger log = LoggerFactory.getLogger(ClassArchiveTraining.class);
        try {
            int[] ports = freeLoopbackPorts(2);
            String client = "http://127.0.0.1:" + ports[0];
            String peer = "http://127.0.0.1:" + ports[1];
            List<String> flags = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString(),
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", "default=" + peer));
            flags.addAll(extraFlags);
            Command.Serve serve = (Command.Serve) CommandLine.parse(flags, Map.of());
            KvorumServer server = Main.start(serve, log);
            try {
                exercise(server.clientUrls().get(0));
            } finally {
                server.close();
            }
            return Main.EXIT_OK;
        } catch (Exception e) {
            System.err.println("kvorum class-archive: the training run failed: " + e);
            log.debug("training run", e);
            return Main.EXIT_START_FAILED;
        } finally {
            if (dir != null) {
                deleteTree(dir);
            }
        }
    }

    /** One of each common request: the paths a client's first requests take. */
    private static void exercise(URI url) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress(new InetSocketAddress(url.getHost(), url.getPort()))
                .usePlaintext().build();
        try {
            ByteString key = ByteString.copyFromUtf8("class-archive");
            ByteString value = ByteString.copyFromUtf8("v");
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
            BlockingQueue<WatchResponse> events = new LinkedBlockingQueue<>();
            StreamObserver<WatchRequest> watch = WatchGrpc.newStub(channel).watch(collect(events));
            watch.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(key)).build());
            events.poll(DEADLINE_SECONDS, TimeUnit.SECONDS); // created
            kv.put(PutRequest.newBuilder().setKey(key).setValue(value).setPrevKv(true).build());
            kv.range(RangeRequest.newBuilder().setKey(key).build());
            kv.range(RangeRequest.newBuilder().setKey(key).setSerializable(true).build());
            kv.txn(TxnRequest.newBuilder()
                    .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.VALUE)
                            .setResult(Compare.CompareResult.EQUAL).setValue(value))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value)))
                    .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
                    .build());
            if (events.poll(DEADLINE_SECONDS, TimeUnit.SECONDS) == null) {
                throw new IllegalStateException("no watch event within " + DEADLINE_SECONDS + " s");
            }
            watch.onCompleted();

            LeaseGrpc.LeaseBlockingStub leases = LeaseGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
            long lease = leases.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
            BlockingQueue<LeaseKeepAliveResponse> renewed = new LinkedBlockingQueue<>();
            StreamObserver<LeaseKeepAliveRequest> keepAlive = LeaseGrpc.newStub(channel).leaseKeepAlive(collect(renewed));
            keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
            renewed.poll(DEADLINE_SECONDS, TimeUnit.SECONDS);
            keepAlive.onCompleted();
            leases.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build());

            kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build());
            MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance());
            ClusterGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .memberList(MemberListRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static <T> StreamObserver<T> collect(BlockingQueue<T> into) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                into.add(value);
            }

            @Override
            public void onError(Throwable t) {
                // the queue stays empty; the poll that waits for it fails the run
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    /** Ports free a moment ago; a member started on them right away finds them free too. */
    private static int[] freeLoopbackPorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is no reason to fail
        }
    }
}
