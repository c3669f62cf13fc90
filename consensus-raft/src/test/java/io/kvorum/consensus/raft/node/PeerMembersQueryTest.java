package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.consensus.Member;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A process that is no member (etcd's v2 proxy) asks a running cluster's peers for the members. */
class PeerMembersQueryTest {

    @Test
    void anyPeerThatAnswersGivesEveryMemberWithItsUrls(@TempDir Path dir) throws IOException {
        try (GrpcCluster cluster = GrpcCluster.started(dir, 3)) {
            URI dead = URI.create("http://127.0.0.1:" + freePort());
            long first = cluster.specs.keySet().iterator().next();
            List<Member> members = new RaftConsensusProvider().membersAt(List.of(dead, cluster.peerUrl(first)),
                    Duration.ofSeconds(20));
            assertEquals(cluster.specs.keySet(), members.stream().map(Member::id).collect(Collectors.toSet()));
            assertEquals(cluster.specs.values().stream().map(m -> m.peerUrls().get(0)).collect(Collectors.toSet()),
                    members.stream().flatMap(m -> m.peerUrls().stream()).collect(Collectors.toSet()));
        }
    }

    @Test
    void noPeerAnsweringIsAnIoErrorNamingTheUrls() throws IOException {
        URI dead = URI.create("http://127.0.0.1:" + freePort());
        IOException e = assertThrows(IOException.class,
                () -> new RaftConsensusProvider().membersAt(List.of(dead), Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains(dead.toString()), e.getMessage());
        assertThrows(IOException.class, () -> new RaftConsensusProvider().membersAt(List.of(), Duration.ofSeconds(5)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
