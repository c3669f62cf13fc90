package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.transport.grpc.GrpcTransport;
import io.kvorum.spi.consensus.ClusterSpec;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusSettings;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Raft members in one JVM that talk to each other over the production gRPC transport on loopback
 * ports, each with its own directory and {@link RecordingStateMachine}: what a peer port exposes
 * to anyone who can reach it.
 */
final class GrpcCluster implements AutoCloseable {
    static final long CLUSTER_ID = 0x6A7C1D;

    final Map<Long, Member> specs = new LinkedHashMap<>();
    final Map<Long, RaftNode> nodes = new LinkedHashMap<>();
    final Map<Long, RecordingStateMachine> machines = new LinkedHashMap<>();

    private GrpcCluster() {
    }

    /** {@code size} members founding a cluster; returns once every member started (a leader may not be known yet). */
    static GrpcCluster started(Path root, int size) throws IOException {
        GrpcCluster c = new GrpcCluster();
        try {
            List<Member> initial = new ArrayList<>();
            for (int i = 1; i <= size; i++) {
                Member m = new Member(0x100 + i, "m" + i, List.of("http://127.0.0.1:" + freePort()),
                        List.of("http://127.0.0.1:1"), false);
                initial.add(m);
                c.specs.put(m.id(), m);
            }
            for (Member self : initial) {
                RecordingStateMachine sm = new RecordingStateMachine();
                ConsensusSettings settings = new ConsensusSettings(List.of(URI.create(self.peerUrls().get(0))),
                        // Elections of 1 to 2 s: a loaded machine delays heartbeats without deposing the leader.
                        Duration.ofMillis(50), Duration.ofMillis(1000), 1000, true, true);
                RaftNode node = new RaftNode(new ConsensusContext(new ClusterSpec(self, CLUSTER_ID, "token", false,
                        initial), root.resolve("m" + Long.toHexString(self.id())), sm, settings,
                        PluginOptions.of(Map.of())), s -> new GrpcTransport(s.listenPeerUrls()));
                node.start();
                c.nodes.put(self.id(), node);
                c.machines.put(self.id(), sm);
            }
        } catch (IOException | RuntimeException e) {
            try {
                c.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return c;
    }

    /** A loopback port nothing listens on now (the members bind them right after). */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    URI peerUrl(long id) {
        return URI.create(specs.get(id).peerUrls().get(0));
    }

    /** The leader every member agrees on, once there is one. */
    long awaitLeader() {
        long[] leader = new long[1];
        LocalCluster.await("a leader known to every member", () -> {
            long seen = 0;
            for (RaftNode n : nodes.values()) {
                long l = n.status().leaderId();
                if (l == 0 || (seen != 0 && l != seen)) {
                    return false;
                }
                seen = l;
            }
            leader[0] = seen;
            return true;
        });
        return leader[0];
    }

    /** Proposes {@code payload} through the leader and waits until every member applied it. */
    void writeAndAwait(String payload) {
        byte[] data = payload.getBytes(StandardCharsets.UTF_8);
        LocalCluster.retry(() -> nodes.get(awaitLeader()).propose(data));
        LocalCluster.await("every member applied " + payload, () -> machines.values().stream()
                .allMatch(m -> m.payloads().contains(payload)));
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (RaftNode n : nodes.values()) {
            try {
                n.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        nodes.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
