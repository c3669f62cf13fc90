package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.transport.grpc.GrpcTransport;
import io.kvorum.spi.consensus.Member;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks a running cluster for its members from outside it, as etcd's v2 proxy asks the peers'
 * {@code /members}: the same call a joining member makes ({@link MembershipCalls#CALL_MEMBERS}),
 * which any caller may make, over a transport that only dials and is closed afterwards.
 */
final class PeerMembersQuery {
    /** The transport wants a listen URL; this one is never bound, as the transport is never started. */
    private static final URI NOT_LISTENING = URI.create("http://127.0.0.1:0");

    private PeerMembersQuery() {
    }

    static List<Member> ask(List<URI> peerUrls, Duration timeout) throws IOException {
        if (peerUrls.isEmpty()) {
            throw new IOException("no peer URL to ask for the members");
        }
        String lastProblem = "";
        try (GrpcTransport transport = new GrpcTransport(List.of(NOT_LISTENING))) {
            for (URI peer : peerUrls) {
                try {
                    byte[] body = Wire.body(transport.call(peer, MembershipCalls.CALL_MEMBERS, Wire.NO_DATA)
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
                    return Wire.read(body, in -> {
                        in.readLong(); // the cluster id
                        return Wire.readMembers(in);
                    });
                } catch (ExecutionException e) {
                    lastProblem = peer + ": " + e.getCause();
                } catch (TimeoutException | RuntimeException e) {
                    lastProblem = peer + ": " + e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while asking " + peer + " for the members", e);
                }
            }
        }
        throw new IOException("could not get the members from " + peerUrls + ": " + lastProblem);
    }
}
